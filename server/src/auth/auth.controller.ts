import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  changePasswordRequestSchema,
  loginRequestSchema,
  meSchema,
  setupRequestSchema,
  setupStatusSchema,
  type ChangePasswordRequest,
  type LoginRequest,
  type Me,
  type SetupRequest,
  type SetupStatus,
} from '@loopmeter/shared';
import { AppConfig } from '../core/config/app-config';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { ALL_ROLES, Allow, Public } from './access.decorator';
import { AuthService, describePrincipal, type NewSession } from './auth.service';
import { clearCookie, sessionCookieName, setCookie } from './sessions/session-cookie';

@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService, private readonly config: AppConfig) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiDoc({
    tag: 'auth',
    summary: 'Sign in with email and password; sets the session cookie.',
    description: 'After 5 failed attempts for an email (or 20 from one address) within 15 minutes, answers 429 with Retry-After.',
    body: loginRequestSchema,
    response: meSchema,
    errors: [400, 401, 409, 429],
  })
  async login(@Body(new ZodValidationPipe(loginRequestSchema, 'sign-in')) body: LoginRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Me> {
    return this.signedIn(reply, await this.auth.login(req, body));
  }

  @Post('logout')
  @HttpCode(204)
  @Public()
  @ApiDoc({ tag: 'auth', summary: 'Sign out: ends the session and clears its cookie.', status: 204 })
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logout(req);
    clearCookie(reply, this.config, sessionCookieName(this.config));
  }

  @Get('me')
  @Allow({ roles: ALL_ROLES, scopes: ['admin', 'read', 'ingest'] })
  @ApiDoc({ tag: 'auth', summary: 'Who is calling: user or token, role, and which teams (and whose numbers) they may see.', response: meSchema })
  me(@Req() req: FastifyRequest): Me {
    return describePrincipal(req.principal!);
  }

  @Post('password')
  @HttpCode(204)
  @Allow({ roles: ALL_ROLES })
  @ApiDoc({ tag: 'auth', summary: "Change the signed-in user's password; their other sessions end.", body: changePasswordRequestSchema, status: 204, errors: [400, 401, 409, 429] })
  changePassword(@Body(new ZodValidationPipe(changePasswordRequestSchema, 'password change')) body: ChangePasswordRequest, @Req() req: FastifyRequest): Promise<void> {
    return this.auth.changePassword(req, body);
  }

  private async signedIn(reply: FastifyReply, session: NewSession): Promise<Me> {
    setCookie(reply, this.config, sessionCookieName(this.config), session.secret, (session.expiresAt.getTime() - Date.now()) / 1000);
    return this.auth.me(session.secret);
  }
}

@Controller('api/setup')
@Public()
export class SetupController {
  constructor(private readonly auth: AuthService, private readonly config: AppConfig) {}

  @Get()
  @ApiDoc({ tag: 'auth', summary: 'Whether Loopmeter still needs its first admin, and which sign-in methods are on.', response: setupStatusSchema })
  status(): Promise<SetupStatus> {
    return this.auth.setupStatus();
  }

  @Post()
  @HttpCode(201)
  @ApiDoc({ tag: 'auth', summary: 'First-run set-up: create the first admin (only while there is none) and sign them in.', body: setupRequestSchema, response: meSchema, status: 201, errors: [400, 409] })
  async setup(@Body(new ZodValidationPipe(setupRequestSchema, 'set-up')) body: SetupRequest, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Me> {
    const session = await this.auth.setup(req, body);
    setCookie(reply, this.config, sessionCookieName(this.config), session.secret, (session.expiresAt.getTime() - Date.now()) / 1000);
    return this.auth.me(session.secret);
  }
}
