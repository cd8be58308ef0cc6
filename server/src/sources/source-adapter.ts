/**
 * A webhook source (GitHub, GitLab, Jira, Linear) as a small adapter: verify the sender on the raw bytes,
 * then say what the delivery is and how to recognise a repeat of it. Adding a source means one folder
 * under sources/ and one line in the registry.
 */
export type WebhookSourceKind = 'github' | 'gitlab' | 'jira' | 'linear';

export interface WebhookRequest {
  /** Header names lower-cased, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures are computed over these bytes. */
  rawBody: Buffer;
  receivedAt: Date;
}

export type VerificationFailureCode = 'missing_signature' | 'bad_signature' | 'stale_timestamp';

export type VerifyResult = { ok: true } | { ok: false; code: VerificationFailureCode; message: string };

export interface DeliveryDescription {
  /** The sender's delivery key (e.g. GitHub hook id + delivery id); a body hash where the sender gives none. */
  deliveryKey: string;
  /** Where the key came from, e.g. `x-github-delivery` or `body-sha256`. */
  deliveryKeySource: string;
  /** The event type as the source names it: `pull_request`, `Merge Request Hook`, `jira:issue_updated`, `Issue`. */
  eventType: string;
  /** The action within the event, when the source has one (`opened`, `closed`, `create`, `update`). */
  action: string | null;
  /** False for valid events of types Loopmeter does not use: they are stored, marked ignored and answered 2xx. */
  relevant: boolean;
}

export interface WebhookSourceAdapter {
  readonly kind: WebhookSourceKind;
  /** Human name for messages: `GitHub`. */
  readonly displayName: string;
  /**
   * Checks the sender exactly as the service signs, in constant time, before the body is parsed.
   * `secrets` holds every active secret of the integration (two during a rotation): any may match.
   * `requireSignature` is false only for integrations explicitly created unsigned (Jira without a secret).
   */
  verify(request: WebhookRequest, secrets: readonly string[], options: { requireSignature: boolean; now: Date }): VerifyResult;
  /** Called after verify succeeded and the body parsed as JSON. */
  describe(request: WebhookRequest, body: unknown): DeliveryDescription;
  /** Header names safe to keep with the raw delivery (never tokens or signatures). */
  readonly keptHeaders: readonly string[];
}
