import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AuditAction } from '@loopmeter/shared';

export const AUDITED_METADATA = 'loopmeter:audited';

export interface AuditedOptions {
  action: AuditAction;
  /** What was acted on, from the answer (e.g. the new token's id). */
  target?: (result: unknown, request: FastifyRequest) => string | null;
  /** What to keep of the request or answer. Never secrets: tokens, passwords, webhook secrets. */
  details?: (result: unknown, request: FastifyRequest) => Record<string, unknown>;
  /**
   * The handler writes its own record (streamed answers, records with a before-state); the decorator then
   * only makes refusals of the route audited.
   */
  recordedByHandler?: boolean;
}

/**
 * Marks a route as audited: each success is recorded by the AuditInterceptor (unless recordedByHandler), and
 * the auth guard records each refused attempt (outcome `denied`).
 */
export const Audited = (options: AuditedOptions) => SetMetadata(AUDITED_METADATA, options);

export function auditedOf(reflector: Reflector, context: ExecutionContext): AuditedOptions | undefined {
  return reflector.get<AuditedOptions | undefined>(AUDITED_METADATA, context.getHandler());
}
