import { agentFromCommitAuthor } from './agent-attribution';
import { attributeCommit, attributePullRequest, strongestFirst } from './reattribute';

const pr = { authorLogin: 'emma', authorIsBot: false, body: '', labels: [], sessions: [] };
const commit = { authorLogin: 'emma', authorEmail: 'emma@example.com', message: 'Change', sessions: [] };

describe('attributePullRequest', () => {
  it('keeps every reason, strongest first: author bot, session sha, session branch, footer, label', () => {
    expect(
      attributePullRequest({
        authorLogin: 'copilot-swe-agent[bot]',
        authorIsBot: true,
        body: 'Fixes the login.\n\n<!-- START COPILOT CODING AGENT SUFFIX -->\n🤖 Generated with [Claude Code](https://claude.com/claude-code)',
        labels: ['ai-generated'],
        sessions: [
          { agent: 'claude-code', sessionId: 's-2', reported: 'branch' },
          { agent: 'claude-code', sessionId: 's-1', reported: 'branch' },
          { agent: 'codex', sessionId: 'c-9', reported: 'sha' },
        ],
      }),
    ).toEqual([
      { agent: 'copilot', reason: 'author_is_agent_bot', strength: 1, match: 'copilot-swe-agent[bot]' },
      { agent: 'codex', reason: 'session_reported_sha', strength: 0.9, match: 'codex session c-9' },
      // Two sessions of one agent reported the branch: one attribution, named after the first session by id.
      { agent: 'claude-code', reason: 'session_reported_branch', strength: 0.85, match: 'claude-code session s-1' },
      // 0.6 ties: footers before labels, then by agent.
      { agent: 'claude-code', reason: 'pr_footer', strength: 0.6, match: 'Generated with [Claude Code]' },
      { agent: 'copilot', reason: 'pr_footer', strength: 0.6, match: '<!-- START COPILOT CODING AGENT SUFFIX -->' },
      { agent: 'unknown-agent', reason: 'pr_label', strength: 0.6, match: 'ai-generated' },
    ]);
  });

  it('finds nothing in a person\'s plain PR, nor in an automation bot\'s', () => {
    expect(attributePullRequest({ ...pr, body: 'Closes #12\n\nAsked Claude about the regex.' })).toEqual([]);
    expect(attributePullRequest({ ...pr, authorLogin: 'dependabot[bot]', authorIsBot: true, body: 'Bumps lodash.', labels: ['dependencies'] })).toEqual([]);
  });

  it('names a session of an agent the tables do not know `unknown-agent`', () => {
    expect(attributePullRequest({ ...pr, sessions: [{ agent: 'amp', sessionId: 'a1', reported: 'branch' }] })).toEqual([
      { agent: 'unknown-agent', reason: 'session_reported_branch', strength: 0.85, match: 'amp session a1' },
    ]);
  });
});

describe('attributeCommit', () => {
  it('reads a person\'s commit with Claude Code\'s co-author trailer', () => {
    expect(attributeCommit({ ...commit, message: 'Add login\n\nCo-authored-by: Claude <noreply@anthropic.com>' })).toEqual([
      { agent: 'claude-code', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Claude <noreply@anthropic.com>' },
    ]);
  });

  it('reads an agent author from the commit row alone: an app login, or an agent\'s address', () => {
    // Copilot's coding agent pushes as `Copilot` (no [bot] suffix) with its no-reply address.
    expect(attributeCommit({ ...commit, authorLogin: 'Copilot', authorEmail: '198982749+Copilot@users.noreply.github.com', message: 'Initial plan' })).toEqual([
      { agent: 'copilot', reason: 'author_is_agent_bot', strength: 1, match: '198982749+Copilot@users.noreply.github.com' },
    ]);
    expect(attributeCommit({ ...commit, authorLogin: 'claude[bot]', authorEmail: null, sessions: [{ agent: 'claude-code', sessionId: 'x', reported: 'sha' }] })).toEqual([
      { agent: 'claude-code', reason: 'author_is_agent_bot', strength: 1, match: 'claude[bot]' },
      { agent: 'claude-code', reason: 'session_reported_sha', strength: 0.9, match: 'claude-code session x' },
    ]);
  });

  it('does not take a person called claude, or a person at an agent vendor, for an agent', () => {
    expect(attributeCommit({ ...commit, authorLogin: 'claude', authorEmail: '81847+claude@users.noreply.github.com' })).toEqual([]);
    expect(agentFromCommitAuthor(null, 'jane@anthropic.com')).toBeNull();
    expect(agentFromCommitAuthor(null, null)).toBeNull();
  });
});

describe('strongestFirst', () => {
  it('orders by strength, then reason, then agent', () => {
    const label = { agent: 'codex' as const, reason: 'pr_label' as const, strength: 0.6, match: 'codex' };
    const footer = { agent: 'jules' as const, reason: 'pr_footer' as const, strength: 0.6, match: 'x' };
    const trailer = { agent: 'aider' as const, reason: 'co_author_trailer' as const, strength: 0.8, match: 'y' };
    expect(strongestFirst([label, footer, trailer])).toEqual([trailer, footer, label]);
  });
});
