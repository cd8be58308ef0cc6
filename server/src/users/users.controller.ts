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
import { Allow } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { UsersService } from './users.service';

@Controller('api/users')
@Allow({ roles: ['admin'], scopes: ['admin'] })
export class UsersController {
  constructor(private readonly users: UsersService, private readonly audit: AuditService) {}

  @Get()
  @ApiDoc({ tag: 'users', summary: 'List the users who may sign in, with their roles.', response: userListSchema })
  async list(@Req() req: FastifyRequest): Promise<UserList> {
    return { items: await this.users.list(req.principal!.orgId) };
  }

  @Post()
  @HttpCode(201)
  @ApiDoc({ tag: 'users', summary: 'Create a user (with a password, or for single sign-on only).', body: createUserRequestSchema, response: userSchema, status: 201, errors: [400, 409] })
  create(@Body(new ZodValidationPipe(createUserRequestSchema, 'user')) body: CreateUserRequest, @Req() req: FastifyRequest): Promise<User> {
    return this.users.create(req.principal!.orgId, body, this.audit.forRequest(req));
  }

  @Patch(':id')
  @ApiDoc({ tag: 'users', summary: "Change a user's role, name or password, or disable them; their sessions end.", body: updateUserRequestSchema, response: userSchema, errors: [400, 404, 409] })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updateUserRequestSchema, 'user update')) body: UpdateUserRequest,
    @Req() req: FastifyRequest,
  ): Promise<User> {
    return this.users.update(req.principal!.orgId, id, body, this.audit.forRequest(req));
  }
}
