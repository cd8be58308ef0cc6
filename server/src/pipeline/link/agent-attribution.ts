/**
 * Which coding agent wrote a PR or commit, from what Git hosts show (DESIGN §4). Pure functions; each
 * attribution keeps its reason and strength so the attribute step can keep the strongest and explain it:
 *
 * | reason                 | strength | evidence                                                           |
 * |------------------------|----------|--------------------------------------------------------------------|
 * | `author_is_agent_bot`  | 1.0      | the PR or commit author is an agent's bot account                  |
 * | `session_reported_sha` | 0.9      | an agent session reported the commit sha (see reattribute.ts)      |
 * | `session_reported_branch` | 0.85  | an agent session reported the branch (see reattribute.ts)          |
 * | `co_author_trailer`    | 0.8      | a `Co-authored-by:` trailer of a known agent identity              |
 * | `pr_footer`            | 0.6      | a footer or marker an agent writes into the PR body                |
 * | `pr_label`             | 0.6      | a label naming an agent                                            |
 *
 * Identities are matched on what an agent cannot share with a person: bot logins (a `[bot]` suffix is a
 * GitHub App, never a person), agents' own no-reply addresses, and footers/markers. Never on a display
 * name alone: Claude, Devin and Jules are people's names too, and GitHub's `claude` account is a person.
 */

export type AgentName =
  | 'claude-code'
  | 'codex'
  | 'copilot'
  | 'cursor'
  | 'devin'
  | 'jules'
  | 'gemini'
  | 'aider'
  | 'sweep'
  | 'unknown-agent';

export type AttributionReason = 'author_is_agent_bot' | 'session_reported_sha' | 'session_reported_branch' | 'co_author_trailer' | 'pr_footer' | 'pr_label';

export interface AgentAttribution {
  agent: AgentName;
  reason: AttributionReason;
  strength: number;
  /** The evidence as written: the login, the trailer line, the footer text or the label. */
  match: string;
}

export const ATTRIBUTION_STRENGTH: Readonly<Record<AttributionReason, number>> = {
  author_is_agent_bot: 1.0,
  session_reported_sha: 0.9,
  session_reported_branch: 0.85,
  co_author_trailer: 0.8,
  pr_footer: 0.6,
  pr_label: 0.6,
};

/**
 * Agents' bot accounts, by login without the `[bot]` suffix, lower-case. GitHub numeric ids where known
 * (the no-reply address is `<id>+<login>@users.noreply.github.com`).
 */
const AGENT_BOT_LOGINS: ReadonlyMap<string, AgentName> = new Map<string, AgentName>([
  // GitHub Copilot coding agent: the `Copilot` account (198982749, a Bot without the suffix), shown as
  // `copilot-swe-agent[bot]` by the REST API; `copilot[bot]` (167198135) is Copilot's app.
  ['copilot', 'copilot'],
  ['copilot-swe-agent', 'copilot'],
  // OpenAI Codex: the ChatGPT connector (199175422) and the Codex app (215057067).
  ['chatgpt-codex-connector', 'codex'],
  ['openai-codex', 'codex'],
  ['codex', 'codex'],
  // Claude: the Claude GitHub app (209825114), Anthropic's (215619710), claude-code-action (208546643).
  ['claude', 'claude-code'],
  ['anthropic-claude', 'claude-code'],
  ['claude-code-action', 'claude-code'],
  ['claude-code', 'claude-code'],
  // Cursor: cursor[bot] (206951365), the background agent's cursoragent[bot] (201670782).
  ['cursor', 'cursor'],
  ['cursoragent', 'cursor'],
  ['cursor-agent', 'cursor'],
  ['devin-ai-integration', 'devin'], // 158243242
  ['google-labs-jules', 'jules'], // 161369871
  ['gemini-code-assist', 'gemini'], // 176961590
  ['sweep-ai', 'sweep'],
]);

/** Bots that change code without being coding agents: never engineers, never agents. */
const AUTOMATION_BOT_LOGINS: ReadonlySet<string> = new Set([
  'dependabot',
  'dependabot-preview',
  'renovate',
  'renovate-bot',
  'github-actions',
  'mergify',
  'pre-commit-ci',
  'release-please',
  'semantic-release-bot',
  'changeset-bot',
  'allcontributors',
  'all-contributors',
  'imgbot',
  'snyk-bot',
  'greenkeeper',
  'codecov',
  'stale',
]);

/** Agents' own commit identities; exact addresses, as their domains also hold people's mailboxes. */
const AGENT_EMAILS: ReadonlyMap<string, AgentName> = new Map<string, AgentName>([
  ['noreply@anthropic.com', 'claude-code'],
  ['codex@openai.com', 'codex'],
  ['noreply@openai.com', 'codex'],
  ['copilot@github.com', 'copilot'],
  ['cursoragent@cursor.com', 'cursor'],
  ['noreply@aider.chat', 'aider'],
  ['aider@aider.chat', 'aider'],
]);

/** Footers and markers agents write into the PR body, in the order they are reported. */
const PR_FOOTERS: ReadonlyArray<{ agent: AgentName; pattern: RegExp }> = [
  { agent: 'claude-code', pattern: /Generated with \[?Claude Code\]?/i },
  { agent: 'claude-code', pattern: /https?:\/\/claude\.ai\/code\/session_[A-Za-z0-9]+/ },
  { agent: 'codex', pattern: /https?:\/\/chatgpt\.com\/codex\/tasks\/[A-Za-z0-9_-]+/ },
  { agent: 'copilot', pattern: /<!--\s*START COPILOT (?:CODING AGENT (?:SUFFIX|TIPS)|ORIGINAL PROMPT)\s*-->/ },
  // Its tips footer; a bare "Copilot coding agent" is people talking about it, not Copilot writing.
  { agent: 'copilot', pattern: /Let Copilot coding agent \[set things up for you\]/ },
  { agent: 'cursor', pattern: /<!--\s*CURSOR_AGENT_PR_BODY_BEGIN\s*-->/ },
  // Not docs.cursor.com/background-agent, which people link to.
  { agent: 'cursor', pattern: /https?:\/\/(?:www\.)?cursor\.com\/(?:background-agent\?bcId=|agents\/)[^\s"'<>)]+/ },
  { agent: 'devin', pattern: /https?:\/\/app\.devin\.ai\/sessions\/[A-Za-z0-9_-]+/ },
  { agent: 'jules', pattern: /https?:\/\/jules\.google\.com\/task\/[A-Za-z0-9_-]+/ },
];

/** Labels naming an agent, lower-case. */
const AGENT_LABELS: ReadonlyMap<string, AgentName> = new Map<string, AgentName>([
  ['claude', 'claude-code'],
  ['claude-code', 'claude-code'],
  ['claude code', 'claude-code'],
  ['codex', 'codex'],
  ['copilot', 'copilot'],
  ['cursor', 'cursor'],
  ['devin', 'devin'],
  ['jules', 'jules'],
  ['gemini', 'gemini'],
  ['aider', 'aider'],
  ['sweep', 'sweep'],
  ['ai-generated', 'unknown-agent'],
  ['ai generated', 'unknown-agent'],
  ['ai-assisted', 'unknown-agent'],
  ['ai-agent', 'unknown-agent'],
  ['agent-generated', 'unknown-agent'],
]);

/** `Copilot`, `copilot-swe-agent[bot]`, `app/dependabot` → base login and whether it is a GitHub App. */
function parseLogin(login: string): { base: string; isApp: boolean } {
  const lower = login.trim().toLowerCase();
  const withoutApp = lower.startsWith('app/') ? lower.slice(4) : lower;
  const isApp = withoutApp.endsWith('[bot]') || lower.startsWith('app/');
  return { base: withoutApp.replace(/\[bot\]$/, ''), isApp };
}

/**
 * The agent whose bot account authored a PR or commit. A login without `[bot]` counts only when the host
 * says it is a bot (`isBot`): `Copilot` is, but on GitLab a person may be called `copilot` or `devin`.
 */
export function agentFromAuthor(login: string | null, isBot: boolean): AgentAttribution | null {
  if (login === null || login.trim() === '') return null;
  const { base, isApp } = parseLogin(login);
  const agent = AGENT_BOT_LOGINS.get(base);
  if (agent === undefined || !(isApp || isBot)) return null;
  return { agent, reason: 'author_is_agent_bot', strength: ATTRIBUTION_STRENGTH.author_is_agent_bot, match: login };
}

/**
 * The agent whose bot account authored a commit, from what the commit row itself holds (so the answer never
 * depends on other rows): an agent app's login (`claude[bot]`), else its commit address (`noreply@anthropic.com`,
 * or a GitHub no-reply address of an agent app or of `Copilot`, which pushes as `Copilot` without the suffix).
 */
export function agentFromCommitAuthor(login: string | null, email: string | null): AgentAttribution | null {
  const byLogin = agentFromAuthor(login, false);
  if (byLogin !== null) return byLogin;
  if (email === null || email.trim() === '') return null;
  const agent = agentFromCoAuthor('', email.trim());
  return agent === null ? null : { agent, reason: 'author_is_agent_bot', strength: ATTRIBUTION_STRENGTH.author_is_agent_bot, match: email.trim() };
}

const AGENT_NAMES: ReadonlySet<string> = new Set<AgentName>(['claude-code', 'codex', 'copilot', 'cursor', 'devin', 'jules', 'gemini', 'aider', 'sweep', 'unknown-agent']);

/**
 * The agent a session's telemetry name stands for: `claude-code`, `codex`, and the service names agents export
 * under (`copilot-chat`, `github-copilot`, `copilot-cli`, `codex_cli_rs`, `cursor-agent`...); `unknown-agent` else.
 */
export function agentNameOf(agent: string): AgentName {
  if (isAgentName(agent)) return agent;
  const name = agent.toLowerCase();
  if (name.includes('copilot')) return 'copilot';
  const family = (['claude', 'codex', 'cursor', 'gemini', 'aider', 'devin', 'jules'] as const).find((prefix) => name.startsWith(prefix));
  if (family === 'claude') return 'claude-code';
  return family ?? 'unknown-agent';
}

function isAgentName(agent: string): agent is AgentName {
  return AGENT_NAMES.has(agent);
}

/**
 * Dependabot, Renovate, GitHub Actions and the like: bots that are not agents, so the identity step never
 * counts them as engineers. Any other GitHub App (`*[bot]`) that is not an agent counts too.
 */
export function isAutomationBot(login: string | null): boolean {
  if (login === null || login.trim() === '') return false;
  const { base, isApp } = parseLogin(login);
  if (AGENT_BOT_LOGINS.has(base) && (isApp || base === 'copilot')) return false;
  return AUTOMATION_BOT_LOGINS.has(base) || isApp;
}

const CO_AUTHOR_TRAILER = /^co-authored-by:[ \t]*(.*?)[ \t]*<([^<>\s]+)>[ \t]*$/i;

/**
 * Agents named by `Co-authored-by:` trailers, once per agent, in trailer order. Only the trailer block
 * counts, as git reads it: the last paragraph, never the subject, made of trailers (or at least a quarter
 * of trailers next to a `Signed-off-by:`). A trailer quoted in the middle of a message is prose.
 */
export function agentsFromCoAuthors(message: string): AgentAttribution[] {
  const found: AgentAttribution[] = [];
  for (const line of trailerBlock(message)) {
    const m = CO_AUTHOR_TRAILER.exec(line);
    if (!m) continue;
    const agent = agentFromCoAuthor(m[1] ?? '', m[2] ?? '');
    if (agent === null || found.some((a) => a.agent === agent)) continue;
    found.push({ agent, reason: 'co_author_trailer', strength: ATTRIBUTION_STRENGTH.co_author_trailer, match: line.trim() });
  }
  return found;
}

function agentFromCoAuthor(name: string, email: string): AgentName | null {
  const address = email.toLowerCase();
  const byEmail = AGENT_EMAILS.get(address);
  if (byEmail !== undefined) return byEmail;
  // GitHub no-reply addresses name the account; only apps and `Copilot` are agents (`claude` is a person).
  const noreply = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/.exec(address);
  if (noreply) {
    const { base, isApp } = parseLogin(noreply[1] ?? '');
    return isApp || base === 'copilot' ? (AGENT_BOT_LOGINS.get(base) ?? null) : null;
  }
  // noreply@google.com is used by much besides Gemini, so it needs Gemini's name as well.
  if (address === 'noreply@google.com' && /^gemini\b/i.test(name)) return 'gemini';
  return null;
}

const TRAILER_LINE = /^(?:[A-Za-z0-9][A-Za-z0-9-]*:[ \t]*\S|\(cherry picked from commit )/;
const GIT_GENERATED_TRAILER = /^(?:signed-off-by:|\(cherry picked from commit )/i;

function trailerBlock(message: string): string[] {
  const paragraphs = message.replace(/\r\n?/g, '\n').trim().split(/\n[ \t]*\n/);
  if (paragraphs.length < 2) return [];
  const lines = (paragraphs[paragraphs.length - 1] ?? '').split('\n');
  const trailers = lines.filter((line) => TRAILER_LINE.test(line)).length;
  const continuations = lines.filter((line) => /^[ \t]+\S/.test(line)).length;
  const allTrailers = trailers > 0 && trailers + continuations === lines.length;
  const mostlyTrailers = lines.some((line) => GIT_GENERATED_TRAILER.test(line)) && trailers * 4 >= lines.length;
  return allTrailers || mostlyTrailers ? lines : [];
}

/**
 * Agents named by PR body footers/markers (`pr_footer`) and by labels (`pr_label`), once per agent and
 * reason: footers in the order of the table above, then labels in the PR's order.
 */
export function agentsFromPrText(body: string, labels: string[]): AgentAttribution[] {
  const found: AgentAttribution[] = [];
  const add = (agent: AgentName, reason: AttributionReason, match: string): void => {
    if (found.some((a) => a.agent === agent && a.reason === reason)) return;
    found.push({ agent, reason, strength: ATTRIBUTION_STRENGTH[reason], match });
  };
  for (const { agent, pattern } of PR_FOOTERS) {
    const m = pattern.exec(body);
    if (m) add(agent, 'pr_footer', m[0]);
  }
  for (const label of labels) {
    const agent = AGENT_LABELS.get(label.trim().toLowerCase());
    if (agent !== undefined) add(agent, 'pr_label', label);
  }
  return found;
}
