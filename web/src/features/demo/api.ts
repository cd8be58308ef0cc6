import { demoLoadReportSchema, demoRemoveReportSchema, type DemoLoadRequest } from '@loopmeter/shared/demo';
import { sendJson } from '../../api-client';

/**
 * The demo workspace: POST /api/demo sends a synthetic org through the real ingest endpoints (the pipeline
 * then processes it in the background); DELETE /api/demo removes exactly what it loaded.
 */
export function loadDemo(request: DemoLoadRequest = {}) {
  return sendJson('POST', '/api/demo', request, (d) => demoLoadReportSchema.parse(d));
}

export function removeDemo() {
  return sendJson('DELETE', '/api/demo', undefined, (d) => demoRemoveReportSchema.parse(d));
}
