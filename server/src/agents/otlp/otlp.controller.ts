import { Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { otlpExportResponseSchema } from '@loopmeter/shared';
import { RequireScope } from '../../auth/access.decorator';
import { mapError } from '../../core/errors/error-response';
import { ApiDoc } from '../../openapi/api-doc.decorator';
import { encodeRpcStatus, type OtlpSignal } from './otlp-proto';
import { otlpEncodingOf } from './otlp-request';
import { OtlpReceiverService } from './otlp-receiver.service';

const DESCRIPTION =
  'OTLP/HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp): `application/x-protobuf` or `application/json` (OTLP JSON encoding), ' +
  'optionally `Content-Encoding: gzip` (at most 25 MB decompressed). The body is stored without prompt text, tool arguments and outputs ' +
  '(unless LOOPMETER_STORE_PROMPTS=true), deduplicated by the SHA-256 of the body as received, and ' +
  'normalized into agent sessions by the pipeline. 200 answers an empty Export*ServiceResponse in the request\'s encoding, with ' +
  '`partialSuccess` when malformed records were left out. Errors: JSON requests get the usual error shape; protobuf requests get a ' +
  'protobuf google.rpc.Status. 503 with Retry-After when the database is unavailable (retry later).';

/** The OTLP/HTTP receiver: agents (Claude Code, Codex...) export their logs, metrics and traces here with an ingest token. */
@Controller('v1')
@RequireScope('ingest')
export class OtlpController {
  private readonly logger = new Logger('errors');

  constructor(private readonly receiver: OtlpReceiverService) {}

  @Post('logs')
  @HttpCode(200)
  @ApiDoc({ tag: 'otlp', summary: 'Receive OTLP logs (agent events such as claude_code.api_request, codex.sse_event).', description: DESCRIPTION, response: otlpExportResponseSchema, errors: [400, 413, 415, 503] })
  logs(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.export('logs', req, reply);
  }

  @Post('metrics')
  @HttpCode(200)
  @ApiDoc({ tag: 'otlp', summary: 'Receive OTLP metrics (claude_code.token.usage, cost.usage, lines_of_code.count...).', description: DESCRIPTION, response: otlpExportResponseSchema, errors: [400, 413, 415, 503] })
  metrics(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.export('metrics', req, reply);
  }

  @Post('traces')
  @HttpCode(200)
  @ApiDoc({ tag: 'otlp', summary: 'Receive OTLP traces (GenAI spans of Copilot Chat / CLI and other agents: chat, invoke_agent, execute_tool).', description: DESCRIPTION, response: otlpExportResponseSchema, errors: [400, 413, 415, 503] })
  traces(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.export('traces', req, reply);
  }

  private async export(signal: OtlpSignal, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const answer = await this.receiver.receive(signal, { headers: req.headers, rawBody: req.rawBody ?? Buffer.alloc(0), principal: req.principal!, receivedAt: new Date() });
      await reply.status(200).header('content-type', answer.contentType).send(answer.body);
    } catch (error) {
      // The OTLP spec answers a protobuf request with a protobuf google.rpc.Status; JSON requests get the usual error shape.
      if (otlpEncodingOf(req.headers['content-type']) !== 'protobuf') throw error;
      const mapped = mapError(error);
      if (mapped.unexpected) this.logger.error({ msg: 'unhandled error', requestId: req.id, url: req.url, err: error instanceof Error ? error.stack : String(error) });
      if (mapped.headers) void reply.headers(mapped.headers);
      await reply
        .status(mapped.status)
        .header('content-type', 'application/x-protobuf')
        .send(encodeRpcStatus(grpcCodeFor(mapped.status), `${mapped.body.message} (${mapped.body.code}, request ${String(req.id)})`));
    }
  }
}

/** google.rpc.Code for an HTTP status (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto). */
function grpcCodeFor(status: number): number {
  switch (status) {
    case 400:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}
