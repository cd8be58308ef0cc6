import { Body, Controller, Delete, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { demoLoadReportSchema, demoLoadRequestSchema, demoRemoveReportSchema, type DemoLoadReport, type DemoLoadRequest, type DemoRemoveReport } from '@loopmeter/shared';
import { RequireScope } from '../auth/access.decorator';
import { ZodValidationPipe } from '../core/http/zod-validation.pipe';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { DemoService } from './demo.service';

@Controller('api/demo')
@RequireScope('admin')
export class DemoController {
  constructor(private readonly demo: DemoService) {}

  @Post()
  @HttpCode(200)
  @ApiDoc({
    tag: 'demo',
    summary: 'Load the demo workspace: a synthetic org sent through the real ingest endpoints (signed webhooks, OTLP, events); the pipeline processes it in the background.',
    body: demoLoadRequestSchema,
    response: demoLoadReportSchema,
    errors: [400],
  })
  load(@Body(new ZodValidationPipe(demoLoadRequestSchema, 'demo request')) body: DemoLoadRequest, @Req() req: FastifyRequest): Promise<DemoLoadReport> {
    return this.demo.load(body, req.principal!.orgId);
  }

  @Delete()
  @ApiDoc({ tag: 'demo', summary: "Remove the demo workspace: its raw events, integrations and tokens (named 'demo …'); the rest is reprocessed.", response: demoRemoveReportSchema })
  remove(@Req() req: FastifyRequest): Promise<DemoRemoveReport> {
    return this.demo.remove(req.principal!.orgId);
  }
}
