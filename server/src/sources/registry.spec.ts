import { githubAdapter } from './github/github.adapter';
import { gitlabAdapter } from './gitlab/gitlab.adapter';
import { jiraAdapter } from './jira/jira.adapter';
import { linearAdapter } from './linear/linear.adapter';
import { isWebhookSourceKind, WEBHOOK_SOURCES, webhookSource } from './registry';

describe('webhook source registry', () => {
  it('holds one adapter per kind, each under its own kind', () => {
    expect(Object.keys(WEBHOOK_SOURCES).sort()).toEqual(['github', 'gitlab', 'jira', 'linear']);
    for (const [kind, adapter] of Object.entries(WEBHOOK_SOURCES)) expect(adapter.kind).toBe(kind);
  });

  it('finds an adapter by the kind in the URL', () => {
    expect(webhookSource('github')).toBe(githubAdapter);
    expect(webhookSource('gitlab')).toBe(gitlabAdapter);
    expect(webhookSource('jira')).toBe(jiraAdapter);
    expect(webhookSource('linear')).toBe(linearAdapter);
    expect(isWebhookSourceKind('linear')).toBe(true);
  });

  it('finds nothing for any other string, including names of object properties', () => {
    for (const kind of ['bitbucket', 'GitHub', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(webhookSource(kind)).toBeUndefined();
      expect(isWebhookSourceKind(kind)).toBe(false);
    }
  });

  it('lets no adapter keep a secret-bearing header with the raw delivery', () => {
    const secretBearing = [
      'authorization',
      'cookie',
      'x-gitlab-token',
      'x-hub-signature',
      'x-hub-signature-256',
      'webhook-signature',
      'linear-signature',
    ];
    for (const adapter of Object.values(WEBHOOK_SOURCES)) {
      for (const header of adapter.keptHeaders) {
        expect(secretBearing).not.toContain(header);
        expect(header).toBe(header.toLowerCase());
      }
    }
  });
});
