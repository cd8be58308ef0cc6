import { Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../../auth/access.decorator';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { ReprocessService } from './reprocess.service';

@Controller('api/pipeline')
@RequireScope('admin')
export class ReprocessController {
  constructor(private readonly reprocess: ReprocessService) {}

  /** Streams progress as NDJSON lines `{"done","total"}` and ends with `{"done","total","finished":true}`. */
  @Post('reprocess')
  @ApiDoc({ tag: 'pipeline', summary: 'Rebuild every domain table and experiment from the raw store; streams NDJSON progress.', produces: 'application/x-ndjson', status: 200 })
  async run(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-request-id': String(req.id) });
    let last = 0;
    try {
      const result = await this.reprocess.reprocess(req.principal!.orgId, {
        onProgress: (p) => {
          if (p.done === 0 || p.done - last >= 500 || p.done === p.total) {
            last = p.done;
            reply.raw.write(`${JSON.stringify(p)}\n`);
          }
        },
      });
      reply.raw.end(`${JSON.stringify({ ...result, finished: true })}\n`);
    } catch (error) {
      // The status line is already sent: report the failure as the last line.
      reply.raw.end(`${JSON.stringify({ finished: false, error: { code: 'reprocess_failed', message: (error as Error).message, requestId: String(req.id) } })}\n`);
    }
  }
}
