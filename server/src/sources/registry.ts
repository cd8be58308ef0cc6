import { githubAdapter } from './github/github.adapter';
import { gitlabAdapter } from './gitlab/gitlab.adapter';
import { jiraAdapter } from './jira/jira.adapter';
import { linearAdapter } from './linear/linear.adapter';
import type { WebhookSourceAdapter, WebhookSourceKind } from './source-adapter';

/** Every webhook source, by the `:kind` of `POST /webhooks/:kind/:integrationId`. */
export const WEBHOOK_SOURCES: Readonly<Record<WebhookSourceKind, WebhookSourceAdapter>> = {
  github: githubAdapter,
  gitlab: gitlabAdapter,
  jira: jiraAdapter,
  linear: linearAdapter,
};

/** The adapter for a kind taken from a URL, or undefined for anything else (`toString` and `__proto__` included). */
export function webhookSource(kind: string): WebhookSourceAdapter | undefined {
  return isWebhookSourceKind(kind) ? WEBHOOK_SOURCES[kind] : undefined;
}

export function isWebhookSourceKind(kind: string): kind is WebhookSourceKind {
  return Object.hasOwn(WEBHOOK_SOURCES, kind);
}
