import type { AppConfig } from '../core/config/app-config';
import { DEFAULT_ORG_ID } from '../orgs/org.entity';
import type { AuditService } from './audit.service';

/**
 * Settings live in the environment, so a change shows at the next start: each start compares the settings
 * (sensitive values masked as set/unset) with the last recorded ones and records what changed.
 */
export async function recordSettingsChange(audit: AuditService, config: AppConfig, orgId = DEFAULT_ORG_ID): Promise<boolean> {
  const settings = config.describe();
  const last = await audit.latest(orgId, 'settings.changed');
  const before = (last?.details.settings ?? {}) as Record<string, string>;
  const changed: Record<string, { from: string | null; to: string | null }> = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(settings)])) {
    if (before[name] !== settings[name]) changed[name] = { from: before[name] ?? null, to: settings[name] ?? null };
  }
  if (last && Object.keys(changed).length === 0) return false;
  await audit.recordSystem(orgId, { action: 'settings.changed', details: { first: last === undefined, changed, settings } });
  return true;
}
