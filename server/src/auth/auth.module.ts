import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AuthController, SetupController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle.service';
import { OidcController } from './oidc/oidc.controller';
import { OidcService } from './oidc/oidc.service';
import { SessionsService } from './sessions/sessions.service';

/** Signing in (password, first-run set-up, single sign-on) and sessions. The AuthGuard (global) uses SessionsService. */
@Module({
  imports: [UsersModule, TokensModule],
  controllers: [AuthController, SetupController, OidcController],
  providers: [AuthService, SessionsService, LoginThrottle, OidcService],
  exports: [AuthService, SessionsService],
})
export class AuthModule {}
