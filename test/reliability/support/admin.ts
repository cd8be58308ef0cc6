import { ADMIN_TOKEN } from './server-process';
import type { Integration } from './sustained-ingest';

/** Creates a GitHub integration through the admin API of a running server. */
export async function createGithubIntegration(baseUrl: string): Promise<Integration> {
  const res = await fetch(`${baseUrl}/api/integrations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'github', name: 'reliability' }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /api/integrations answered ${res.status}: ${text}`);
  return JSON.parse(text) as Integration;
}

export async function healthStatus(baseUrl: string): Promise<number> {
  try {
    return (await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(10_000) })).status;
  } catch {
    return 0;
  }
}
