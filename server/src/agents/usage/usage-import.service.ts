import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { UsageImportResult } from '@loopmeter/shared';
import { AppException } from '../../core/errors/app.exception';
import { IngestCounters } from '../../ingest/counters/ingest-counters';
import { RawEventWriter } from '../../ingest/raw-store/raw-event-writer';
import { parseUsageReport, UsageReportError, type UsageReport, type UsageVendor } from './usage-reports';
import { UsageException } from './usage.exception';

export const USAGE_IMPORT_SOURCE = 'usage-import';

export interface StoredReport {
  report: UsageReport;
  /** false: the same bytes were stored before (a re-import of an unchanged report). */
  stored: boolean;
}

/**
 * Vendor usage reports into the raw store (source `usage-import`, event type the vendor, delivery key the SHA-256
 * of the report), like any other source: the pipeline turns them into daily usage facts, and reprocessing rebuilds
 * those facts from here. A report is read before it is stored, so a file that is not one is refused whole.
 */
@Injectable()
export class UsageImportService {
  constructor(private readonly writer: RawEventWriter, private readonly counters: IngestCounters) {}

  async importReport(orgId: string, vendor: UsageVendor, body: Buffer, meta: Record<string, unknown>): Promise<UsageImportResult> {
    const { report, stored } = await this.store(orgId, vendor, body, meta, { requireRecords: true });
    return {
      vendor,
      stored,
      records: report.records,
      days: report.days,
      facts: {
        organization: report.rows.filter((r) => r.scope === 'organization').length,
        user: report.rows.filter((r) => r.scope === 'user').length,
        teamMemberships: report.members.length,
      },
    };
  }

  /** Reads the report (refusing what is not one), then stores it. An empty report is refused (`requireRecords`) or not stored. */
  async store(orgId: string, vendor: UsageVendor, body: Buffer, meta: Record<string, unknown>, options: { requireRecords: boolean }): Promise<StoredReport> {
    let report: UsageReport;
    try {
      report = parseUsageReport(vendor, body);
      if (options.requireRecords && report.records === 0) throw new UsageReportError('it holds no records');
    } catch (error) {
      this.counters.add(USAGE_IMPORT_SOURCE, 'rejected_invalid');
      if (error instanceof UsageReportError) throw UsageException.invalidReport(vendor, error.message);
      throw error;
    }
    if (report.records === 0) return { report, stored: false };
    try {
      const [written] = await this.writer.write([
        {
          orgId,
          source: USAGE_IMPORT_SOURCE,
          sourceKey: vendor,
          integrationId: null,
          deliveryKey: createHash('sha256').update(body).digest('hex'),
          deliveryKeySource: 'body-sha256',
          eventType: vendor,
          action: typeof meta.report === 'string' ? meta.report : null,
          contentType: contentTypeOf(body),
          headers: {},
          meta: { ...meta, records: report.records, days: report.days },
          body,
          receivedAt: new Date(),
          status: 'pending',
        },
      ]);
      const stored = written.outcome === 'inserted';
      this.counters.add(USAGE_IMPORT_SOURCE, stored ? 'accepted' : 'duplicate');
      return { report, stored };
    } catch (error) {
      this.counters.add(USAGE_IMPORT_SOURCE, error instanceof AppException && error.status === 503 ? 'rejected_unavailable' : 'rejected_invalid');
      throw error;
    }
  }
}

/** One JSON document, else NDJSON (the pipeline parses JSON bodies itself and hands NDJSON bodies over as bytes). */
function contentTypeOf(body: Buffer): 'application/json' | 'application/x-ndjson' {
  try {
    JSON.parse(body.toString('utf8'));
    return 'application/json';
  } catch {
    return 'application/x-ndjson';
  }
}
