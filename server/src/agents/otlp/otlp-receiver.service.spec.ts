import { createHash } from 'node:crypto';
import type { Principal } from '../../auth/principal';
import { AppConfig } from '../../core/config/app-config';
import { IngestCounters } from '../../ingest/counters/ingest-counters';
import type { RawEventInput, RawWriteOutcome } from '../../ingest/raw-store/raw-event';
import type { RawEventWriter } from '../../ingest/raw-store/raw-event-writer';
import { OtlpReceiverService } from './otlp-receiver.service';

/** The receiver with a raw store that keeps what it is given: what would reach the database. */
function receiver(env: Record<string, string>) {
  const stored: RawEventInput[] = [];
  const writer = { write: async (events: RawEventInput[]): Promise<RawWriteOutcome[]> => (stored.push(...events), events.map(() => ({ outcome: 'inserted', id: '1' }))) };
  const service = new OtlpReceiverService(writer as unknown as RawEventWriter, new IngestCounters(), AppConfig.fromEnv(env, '0'));
  return { service, stored };
}

const principal = { orgId: '00000000-0000-0000-0000-000000000001', scope: 'ingest', role: null, team: null, via: 'token', tokenId: 't1' } as unknown as Principal;

const PROMPT = 'rename the invoices table';
const body = Buffer.from(
  JSON.stringify({
    resourceLogs: [
      {
        scopeLogs: [
          {
            logRecords: [
              {
                body: { stringValue: 'claude_code.user_prompt' },
                attributes: [
                  { key: 'session.id', value: { stringValue: 's1' } },
                  { key: 'prompt', value: { stringValue: PROMPT } },
                ],
              },
            ],
          },
        ],
      },
    ],
  }),
);

describe('OtlpReceiverService and LOOPMETER_STORE_PROMPTS', () => {
  it('stores the export without its prompt text by default, keyed by the bytes as received', async () => {
    const { service, stored } = receiver({});
    await service.receive('logs', { headers: { 'content-type': 'application/json' }, rawBody: body, principal, receivedAt: new Date() });

    expect(stored).toHaveLength(1);
    expect(stored[0].body.toString('utf8')).not.toContain(PROMPT);
    expect(stored[0].body.toString('utf8')).toContain('claude_code.user_prompt');
    expect(stored[0].deliveryKey).toBe(createHash('sha256').update(body).digest('hex'));
    expect(stored[0].meta).toMatchObject({ contentRemoved: 1 });
  });

  it('stores it as received when the setting allows prompts', async () => {
    const { service, stored } = receiver({ LOOPMETER_STORE_PROMPTS: 'true' });
    await service.receive('logs', { headers: { 'content-type': 'application/json' }, rawBody: body, principal, receivedAt: new Date() });

    expect(stored[0].body).toBe(body);
    expect(stored[0].meta).toMatchObject({ contentRemoved: 0 });
  });
});

describe('OtlpReceiverService: charset', () => {
  it('refuses OTLP JSON declared in a charset other than UTF-8 with 415, storing nothing', async () => {
    const { service, stored } = receiver({});
    const sent = service.receive('logs', { headers: { 'content-type': 'application/json; charset=utf-16le' }, rawBody: Buffer.from(body.toString('utf8'), 'utf16le'), principal, receivedAt: new Date() });
    await expect(sent).rejects.toMatchObject({ status: 415, code: 'unsupported_media_type', message: expect.stringMatching(/^charset=utf-16le is not supported: OTLP JSON must be UTF-8/) });
    expect(stored).toHaveLength(0);
  });

  it('accepts charset=utf-8 in any spelling', async () => {
    const { service, stored } = receiver({});
    for (const contentType of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/json; charset=utf8']) {
      await service.receive('logs', { headers: { 'content-type': contentType }, rawBody: body, principal, receivedAt: new Date() });
    }
    expect(stored).toHaveLength(3);
  });
});
