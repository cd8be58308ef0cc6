import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  createUserRequestSchema,
  updateUserRequestSchema,
  userListSchema,
  userSchema,
  type CreateUserRequest,
  type UpdateUserRequest,
  type User,
  type UserList,
} from '@loopmeter/shared';
import { AuditService } from '../audit/audit.service';
import { Audited } from '../audit/audited.decorator';
import { Allow } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { UsersService } from './users.service';

@Controller('api/users')
@Allow({ roles: ['admin'], scopes: ['admin'] })
export class UsersController {
  constructor(private readonly users: UsersService, private readonly audit: AuditService) {}

  @Get()
  @ApiDoc({
    tag: 'users',
    summary: 'List the users who may sign in, with their roles, teams file memberships and the teams each sees.',
    description: "`memberships` are the user's teams in the teams file (matched by email); `access` is what their role lets them see, as their /api/auth/me says once signed in.",
    response: userListSchema,
  })
  async list(@Req() req: FastifyRequest): Promise<UserList> {
    return { items: await this.users.list(req.principal!.orgId) };
  }

  @Post()
  @HttpCode(201)
  // The service writes the record (inside its transaction); a refused attempt is audited by the auth guard.
  @Audited({ action: 'user.created', recordedByHandler: true })
  @ApiDoc({ tag: 'users', summary: 'Create a user (with a password, or for single sign-on only).', body: createUserRequestSchema, response: userSchema, status: 201, errors: [400, 409] })
  create(@Body(new ZodValidationPipe(createUserRequestSchema, 'user')) body: CreateUserRequest, @Req() req: FastifyRequest): Promise<User> {
    return this.users.create(req.principal!.orgId, body, this.audit.forRequest(req));
  }

  @Patch(':id')
  @Audited({ action: 'user.updated', recordedByHandler: true })
  @ApiDoc({
    tag: 'users',
    summary: "Change a user's role, own team, name or password, or disable them.",
    description:
      'A new password follows the rules of a password change (12 characters to 72 bytes; else 400 `validation_failed`). A role change, a disabling or a new password ends the user\'s sessions (an admin setting their own password keeps the session they do it from); a name or team change does not. Audited as `user.updated` with what changed, never the password.',
    body: updateUserRequestSchema,
    response: userSchema,
    errors: [400, 404, 409],
  })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updateUserRequestSchema, 'user update')) body: UpdateUserRequest,
    @Req() req: FastifyRequest,
  ): Promise<User> {
    const principal = req.principal!;
    const ownSession = principal.user?.id === id ? principal.session?.idHash : undefined;
    return this.users.update(principal.orgId, id, body, this.audit.forRequest(req), ownSession);
  }
}
