import { Controller, Get, HttpStatus, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/access.decorator';
import { AppException, CommonErrorCode } from '../core/errors/app.exception';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { WebAssets } from './web-assets';

/** Paths that belong to the API: an unknown one is a 404 error, never the web app. */
const API_PREFIXES = ['/api/', '/webhooks/', '/v1/', '/metrics'];

@Controller()
export class WebController {
  constructor(private readonly assets: WebAssets) {}

  /** The single-page web app: every other GET path answers its index.html (client-side routing). */
  @Get('*')
  @Public()
  @ApiDoc({ tag: 'web', summary: 'The web dashboard (any path outside the API).', produces: 'text/html', errors: [404] })
  index(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const path = req.url.split('?')[0];
    if (API_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p))) {
      throw new AppException(HttpStatus.NOT_FOUND, CommonErrorCode.RouteNotFound, `No route GET ${path}. The API is described at /api/docs.`);
    }
    const html = this.assets.indexHtml();
    if (html === undefined) {
      throw new AppException(HttpStatus.NOT_FOUND, 'web_not_built', 'The web app is not built: run `npm run build` (npm start does it for you).');
    }
    void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  }
}
