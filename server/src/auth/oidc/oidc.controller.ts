import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppConfig } from '../../core/config/app-config';
import { ZodValidationPipe } from '../../core/http/zod-validation.pipe';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { Public } from '../access.decorator';
import { clearCookie, oidcFlowCookieName, readCookie, sessionCookieName, setCookie } from '../sessions/session-cookie';
import { OIDC_FLOW_SECONDS, OidcService, SsoSignInError, type CallbackQuery } from './oidc.service';

const startQuerySchema = z.object({ returnTo: z.string().max(2000).optional().describe('A path of this site to land on after signing in (default /).') }).strict();
const callbackQuerySchema = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(512).optional(),
    iss: z.string().max(2048).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(2048).optional(),
    session_state: z.string().max(512).optional(),
  })
  .passthrough();

/** Single sign-on with any OpenID Connect provider (docs/sso.md). */
@Controller('api/auth/oidc')
@Public()
export class OidcController {
  constructor(private readonly oidc: OidcService, private readonly config: AppConfig) {}

  @Get('start')
  @ApiDoc({
    tag: 'auth',
    summary: 'Start single sign-on: redirects to the identity provider.',
    description: 'When single sign-on cannot start, redirects to the sign-in page `/login?error=<code>` instead (codes: SsoErrorCode).',
    query: startQuerySchema,
    status: 302,
    errors: [400],
  })
  async start(@Query(new ZodValidationPipe(startQuerySchema, 'query')) query: z.infer<typeof startQuerySchema>, @Res() reply: FastifyReply): Promise<void> {
    try {
      const { flowId, redirectTo } = await this.oidc.start(query.returnTo);
      setCookie(reply, this.config, oidcFlowCookieName(this.config), flowId, OIDC_FLOW_SECONDS);
      void reply.header('cache-control', 'no-store').redirect(redirectTo, 302);
    } catch (error) {
      if (!(error instanceof SsoSignInError)) throw error;
      toSignInPage(reply, error);
    }
  }

  @Get('callback')
  @ApiDoc({
    tag: 'auth',
    summary: 'Where the identity provider sends the browser back; signs in and redirects into the app.',
    description: 'A sign-in that fails (audited as a failed `auth.sign_in`) redirects to the sign-in page `/login?error=<code>` (codes: SsoErrorCode).',
    status: 302,
    errors: [400],
  })
  async callback(@Query(new ZodValidationPipe(callbackQuerySchema, 'query')) query: CallbackQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const flowCookie = oidcFlowCookieName(this.config);
    const flowId = readCookie(req, flowCookie);
    clearCookie(reply, this.config, flowCookie);
    try {
      const session = await this.oidc.callback(req, flowId, query);
      setCookie(reply, this.config, sessionCookieName(this.config), session.secret, (session.expiresAt.getTime() - Date.now()) / 1000);
      void reply.header('cache-control', 'no-store').redirect(session.returnTo, 302);
    } catch (error) {
      if (!(error instanceof SsoSignInError)) throw error;
      toSignInPage(reply, error);
    }
  }
}

/** A browser whose sign-on failed goes back to the web sign-in page, which explains the code in words. */
function toSignInPage(reply: FastifyReply, error: SsoSignInError): void {
  void reply.header('cache-control', 'no-store').redirect(`/login?${new URLSearchParams({ error: error.code }).toString()}`, 302);
}
