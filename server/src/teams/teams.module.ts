import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityResolver } from './identity-resolver.service';
import { TeamEntity } from './team.entity';
import { TeamsController } from './teams.controller';
import { TeamsService } from './teams.service';

/** Teams, people and identity resolution. The pipeline calls IdentityResolver.resolve after each batch. */
@Module({
  imports: [TypeOrmModule.forFeature([TeamEntity])],
  controllers: [TeamsController],
  providers: [TeamsService, IdentityResolver],
  exports: [TeamsService, IdentityResolver],
})
export class TeamsModule {}
