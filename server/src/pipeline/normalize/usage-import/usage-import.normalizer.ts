import { parseUsageReport, USAGE_VENDORS, UsageReportError, type UsageVendor } from '../../../agents/usage/usage-reports';
import { InvalidEventError, type NormalizeResult, type Normalizer, type RawEventRow } from '../facts';

/**
 * Vendor usage reports (source `usage-import`, event type the vendor) → one daily usage fact per report. The
 * body is the report as imported or downloaded; see agents/usage/usage-reports.ts for what becomes a fact.
 */
export const normalizeUsageImport: Normalizer = (event: RawEventRow): NormalizeResult => {
  const vendor = event.eventType as UsageVendor;
  if (!USAGE_VENDORS.includes(vendor)) throw new InvalidEventError(`unknown usage vendor '${event.eventType}'`);
  let report;
  try {
    report = parseUsageReport(vendor, event.body);
  } catch (error) {
    if (error instanceof UsageReportError) throw new InvalidEventError(`${vendor} usage report: ${error.message}`);
    throw error;
  }
  if (report.rows.length === 0 && report.members.length === 0) return { dropped: `no ${vendor} usage records` };
  return { facts: [{ kind: 'agent_usage_report', vendor, rows: report.rows, members: report.members, days: report.days }] };
};
