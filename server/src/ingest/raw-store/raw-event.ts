/** One delivery (or one generic event) as it goes into the raw store. */
export interface RawEventInput {
  orgId: string;
  /** `github`, `gitlab`, `jira`, `linear`, `events`, `otlp`. */
  source: string;
  /** What the delivery key is unique within: the integration id, or the source name. */
  sourceKey: string;
  integrationId: string | null;
  deliveryKey: string;
  deliveryKeySource: string;
  eventType: string;
  action: string | null;
  contentType: string | null;
  /** Safe headers only: never tokens or signatures. */
  headers: Record<string, string>;
  /** How it came in: the token id and its team, for instance. */
  meta: Record<string, unknown>;
  body: Buffer;
  receivedAt: Date;
  /** `pending` for the pipeline, `ignored` for valid events of types Loopmeter does not use. */
  status: 'pending' | 'ignored';
}

export type RawWriteOutcome = { outcome: 'inserted'; id: string } | { outcome: 'duplicate' };
