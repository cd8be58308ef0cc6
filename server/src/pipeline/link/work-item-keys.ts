/**
 * Finds the work items a branch name, PR title, PR body or commit message refers to (DESIGN §4).
 * Pure: text in, references out. The caller decides what to do with a reference to a repository or a
 * key it does not know; this function never guesses one (`#12` only ever means the text's own repo).
 *
 * A wrong link is worse than none, so every rule here leans towards not matching:
 * - Jira keys only for known project keys, upper-case outside branch names (Jira's own convention);
 * - Linear identifiers only for known team keys (any case: Linear's branch names are `alice/eng-12-...`);
 * - a deny list of technical tokens (`UTF-8`, `SHA-256`, `RFC-2616`, ...) that win over known keys;
 * - no GitHub/GitLab issue references in branch names (`fix-#12` is not a convention anyone uses);
 * - in PR titles and bodies (markdown) code spans, fenced code blocks and HTML comments (PR templates:
 *   `<!-- Closes #123 -->`) are skipped, as GitHub and GitLab do not link references written there;
 * - outside branch names a lower-case Linear identifier inside a URL is a path (`github.com/acme/web-3`).
 * Closing keywords are GitHub's or GitLab's (by `context.host`). They also mark a Jira/Linear key as closing
 * (`Fixes ENG-12`): Linear's magic words and GitLab's Jira integration close those on merge too.
 *
 * Confidence, by how and where the reference was written:
 *
 * | how / where                                                                  | confidence |
 * |------------------------------------------------------------------------------|------------|
 * | after a closing keyword (`Fixes #12`, `closes owner/repo#3`, `Fixes ENG-12`) | 0.95       |
 * | Jira/Linear key at the start of a branch or of a segment (`alice/eng-12-x`)  | 0.90       |
 * | Jira/Linear key in a PR title                                                | 0.85       |
 * | Jira/Linear key in a commit message                                          | 0.75       |
 * | Jira/Linear key in a PR body, or inside a branch segment (`fix-abc-12`)      | 0.70       |
 * | issue mention without a keyword (`#12`, `owner/repo#12`, an issue URL)       | 0.50       |
 * | prefix both a Jira project and a Linear team: both reported, each            | −0.20      |
 *
 * When a prefix is both a Jira project and a Linear team the text cannot tell which was meant, so both
 * systems get a reference with lowered confidence and the caller keeps whichever item actually exists.
 */

export type ReferenceLocation = 'branch' | 'pr_title' | 'pr_body' | 'commit_message';

export type WorkItemSystem = 'jira' | 'linear' | 'github' | 'gitlab';

export interface WorkItemReference {
  system: WorkItemSystem;
  /** Normalized: `ABC-123` (Jira), `ENG-12` (Linear), `owner/repo#12` (GitHub/GitLab, lower-case). */
  key: string;
  foundIn: ReferenceLocation;
  /** The exact text matched, keyword included for closing references. */
  match: string;
  /** Written after a closing keyword, so merging the change is meant to close the item. */
  closing: boolean;
  /** 0..1, see the table above. */
  confidence: number;
}

export interface ReferenceContext {
  /** The repository the text belongs to: `owner/name` (GitHub) or the full path (GitLab), lower-case. */
  repo: string;
  host: 'github' | 'gitlab';
  /** Known Jira project keys, upper-case. */
  jiraProjects: ReadonlySet<string>;
  /** Known Linear team keys, upper-case. */
  linearTeams: ReadonlySet<string>;
}

export const REFERENCE_CONFIDENCE = {
  closingKeyword: 0.95,
  keyAtBranchSegmentStart: 0.9,
  keyInPrTitle: 0.85,
  keyInCommitMessage: 0.75,
  keyInPrBody: 0.7,
  keyInsideBranchSegment: 0.7,
  issueMention: 0.5,
  ambiguousPrefixPenalty: 0.2,
} as const;

/**
 * Prefixes where every number names a standard or an advisory (`RFC-2616`, `ISO-8601`, `CVE-2024-1234`).
 * A team or project with one of these keys loses its links: far more text cites the standard than the issue.
 */
const STANDARD_PREFIXES: ReadonlySet<string> = new Set([
  'RFC', 'ISO', 'IEC', 'IEEE', 'ECMA', 'ANSI', 'FIPS', 'NIST', 'CVE', 'CWE', 'CAPEC', 'PEP', 'JSR', 'WCAG',
]);

/**
 * Technical tokens shaped like keys. Denied even when the prefix is a known key, because a project called
 * `UTF` or `SHA` would otherwise collect every mention of an encoding or hash in every commit message.
 */
const TECHNICAL_TOKENS: ReadonlySet<string> = new Set([
  'UTF-7', 'UTF-8', 'UTF-16', 'UTF-32', 'UCS-2', 'UCS-4', 'LATIN-1', 'CP-1252', 'WINDOWS-1252',
  'SHA-1', 'SHA-2', 'SHA-3', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'MD-4', 'MD-5',
  'AES-128', 'AES-192', 'AES-256', 'RSA-1024', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'P-256', 'P-384', 'P-521',
  'ED-25519', 'X-25519', 'CHACHA-20', 'POLY-1305', 'PBKDF-2', 'CRC-16', 'CRC-32', 'ADLER-32',
  'BASE-16', 'BASE-32', 'BASE-58', 'BASE-62', 'BASE-64', 'HTTP-1', 'HTTP-2', 'HTTP-3', 'OAUTH-1', 'OAUTH-2',
  'TLS-1', 'TLS-2', 'TLS-3', 'IPV-4', 'IPV-6', 'H-264', 'H-265', 'MP-3', 'MP-4', 'HTML-5', 'CSS-3',
  'ES-5', 'ES-6', 'ES-2015', 'ES-2016', 'ES-2017', 'ES-2018', 'ES-2019', 'ES-2020', 'ES-2021', 'ES-2022',
  'ES-2023', 'ES-2024', 'ES-2025', 'GPT-3', 'GPT-4', 'GPT-5', 'X86-64', 'ARM-64', 'WIN-32', 'WIN-64',
  'INT-8', 'INT-16', 'INT-32', 'INT-64', 'UINT-8', 'UINT-16', 'UINT-32', 'UINT-64',
  'FLOAT-16', 'FLOAT-32', 'FLOAT-64',
]);

function isTechnicalToken(prefix: string, number: string): boolean {
  return STANDARD_PREFIXES.has(prefix) || TECHNICAL_TOKENS.has(`${prefix}-${number}`);
}

/**
 * `PREFIX-123` not glued to a larger token: `XABC-123` and `ABC-1234x` are not `ABC-123`, nor is
 * `@eng-12` (a user) or `eng-12.example.com` (a host). A leading `-` or `/` is fine: branch names use
 * them as separators (`fix-abc-12`, `alice/eng-12-login`), and so do URLs (`/browse/ABC-123`). A trailing
 * `_` is checked by the caller: a separator in branch names only.
 */
const TRACKER_KEY = /(?<![A-Za-z0-9_.@])([A-Za-z][A-Za-z0-9_]*)-([1-9]\d{0,8})(?![A-Za-z0-9@]|\.[A-Za-z0-9])/g;

const GITHUB_CLOSING_KEYWORD = String.raw`close[sd]?|fix(?:e[sd])?|resolve[sd]?`;
const GITLAB_CLOSING_KEYWORD = String.raw`clos(?:e[sd]?|ing)|fix(?:e[sd]|ing)?|resolv(?:e[sd]?|ing)|implement(?:s|ed|ing)?`;

function closingKeyword(host: ReferenceContext['host']): string {
  return host === 'github' ? GITHUB_CLOSING_KEYWORD : GITLAB_CLOSING_KEYWORD;
}

/** A closing keyword and its separator, right before a reference. GitLab also allows `Closes issue #12`. */
function closingKeywordPattern(host: ReferenceContext['host']): string {
  const issueWord = host === 'gitlab' ? String.raw`(?:issues?[ \t]+)?` : '';
  return String.raw`(?<![\w-])(?:${closingKeyword(host)}):?[ \t]+${issueWord}`;
}

/**
 * One GitHub/GitLab issue reference. Group names: `urlPath`/`urlNumber` for an issue URL, `path`/`pathNumber`
 * for `owner/repo#12` (GitLab: `group/sub/project#12`), `number` for `#12`. Never preceded by a word
 * character, `/`, `&` (HTML entities), `#`, `.`, `@` or `-`, so `page#12`, `a/b/c#12` inside a URL and
 * `&#123;` do not count. GitHub issue URLs only on github.com; GitLab issue URLs on any host, as the
 * `/-/issues/` segment is GitLab's own.
 */
function issueReferencePattern(host: ReferenceContext['host']): string {
  const url =
    host === 'github'
      ? String.raw`https?://(?:www\.)?github\.com/(?<urlPath>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)/issues/(?<urlNumber>[1-9]\d{0,8})`
      : String.raw`https?://[A-Za-z0-9.-]+(?::\d+)?/(?<urlPath>(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)+[A-Za-z0-9_][A-Za-z0-9_.-]*)/-/(?:issues|work_items)/(?<urlNumber>[1-9]\d{0,8})`;
  const otherRepo =
    host === 'github'
      ? String.raw`(?<path>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)#(?<pathNumber>[1-9]\d{0,8})`
      : String.raw`(?<path>(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)+[A-Za-z0-9_][A-Za-z0-9_.-]*)#(?<pathNumber>[1-9]\d{0,8})`;
  const sameRepo = String.raw`#(?<number>[1-9]\d{0,8})`;
  return String.raw`(?<![\w/&#.@-])(?:${url}|${otherRepo}|${sameRepo})(?![\w-])`;
}

/** Separators GitLab accepts between the references of one closing keyword: `Closes #1, #2 and #3`. */
const GITLAB_LIST_SEPARATOR = /(?:[ \t]*,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+)/y;

interface Occurrence extends WorkItemReference {
  index: number;
}

export function findWorkItemReferences(
  text: string,
  where: ReferenceLocation,
  context: ReferenceContext,
): WorkItemReference[] {
  // PR titles and bodies are markdown and may quote code or carry a PR template's comments. Branch names
  // and commit messages are plain text, where the hosts read closing keywords even inside backticks.
  const scanned = where === 'pr_title' || where === 'pr_body' ? blankOutCodeAndComments(text) : text;
  const occurrences = [
    ...findTrackerKeys(scanned, where, context),
    ...(where === 'branch' ? [] : findIssueReferences(scanned, where, context)),
  ];
  return keepStrongestPerKey(occurrences);
}

function findTrackerKeys(text: string, where: ReferenceLocation, context: ReferenceContext): Occurrence[] {
  const closingBefore = new RegExp(String.raw`${closingKeywordPattern(context.host)}$`, 'i');
  const found: Occurrence[] = [];
  for (const m of text.matchAll(TRACKER_KEY)) {
    const match = m[0];
    const rawPrefix = m[1] ?? '';
    const number = m[2] ?? '';
    const index = m.index;
    const prefix = rawPrefix.toUpperCase();
    const upperCase = rawPrefix === prefix;
    if (isTechnicalToken(prefix, number)) continue;
    // `ABC-123_login` is a fine branch name, but elsewhere `ABC-123_x` is an identifier.
    if (where !== 'branch' && text[index + match.length] === '_') continue;
    // A lower-case `web-3` inside a URL is a path (`github.com/acme/web-3`), not a Linear identifier.
    if (where !== 'branch' && !upperCase && insideUrl(text, index)) continue;
    const isJira = context.jiraProjects.has(prefix) && (where === 'branch' || upperCase);
    const isLinear = context.linearTeams.has(prefix);
    if (!isJira && !isLinear) continue;

    const closing = where !== 'branch' && closingBefore.test(text.slice(0, index));
    let confidence = closing ? REFERENCE_CONFIDENCE.closingKeyword : keyConfidence(text, index, where);
    if (context.jiraProjects.has(prefix) && context.linearTeams.has(prefix)) {
      confidence -= REFERENCE_CONFIDENCE.ambiguousPrefixPenalty;
    }
    const key = `${prefix}-${number}`;
    const base = { key, foundIn: where, match, closing, confidence: roundConfidence(confidence), index };
    if (isJira) found.push({ system: 'jira', ...base });
    if (isLinear) found.push({ system: 'linear', ...base });
  }
  return found;
}

function insideUrl(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index) + 1;
  return /https?:\/\/\S*$/.test(text.slice(lineStart, index));
}

function keyConfidence(text: string, index: number, where: ReferenceLocation): number {
  switch (where) {
    case 'branch':
      return index === 0 || text[index - 1] === '/'
        ? REFERENCE_CONFIDENCE.keyAtBranchSegmentStart
        : REFERENCE_CONFIDENCE.keyInsideBranchSegment;
    case 'pr_title':
      return REFERENCE_CONFIDENCE.keyInPrTitle;
    case 'commit_message':
      return REFERENCE_CONFIDENCE.keyInCommitMessage;
    case 'pr_body':
      return REFERENCE_CONFIDENCE.keyInPrBody;
  }
}

function findIssueReferences(text: string, where: ReferenceLocation, context: ReferenceContext): Occurrence[] {
  const reference = issueReferencePattern(context.host);
  const found: Occurrence[] = [];
  const toOccurrence = (m: RegExpExecArray, match: string, index: number, closing: boolean): Occurrence => ({
    system: context.host,
    key: issueKey(m, context.repo),
    foundIn: where,
    match,
    closing,
    confidence: closing ? REFERENCE_CONFIDENCE.closingKeyword : REFERENCE_CONFIDENCE.issueMention,
    index,
  });

  const keyword = new RegExp(closingKeywordPattern(context.host), 'gi');
  const referenceAt = new RegExp(reference, 'y');
  for (const k of text.matchAll(keyword)) {
    referenceAt.lastIndex = k.index + k[0].length;
    let m = referenceAt.exec(text);
    if (!m) continue;
    found.push(toOccurrence(m, text.slice(k.index, referenceAt.lastIndex), k.index, true));
    // GitLab closes every reference in a list after one keyword; GitHub only the first.
    while (context.host === 'gitlab') {
      GITLAB_LIST_SEPARATOR.lastIndex = referenceAt.lastIndex;
      if (!GITLAB_LIST_SEPARATOR.test(text)) break;
      referenceAt.lastIndex = GITLAB_LIST_SEPARATOR.lastIndex;
      m = referenceAt.exec(text);
      if (!m) break;
      found.push(toOccurrence(m, m[0], m.index, true));
    }
  }

  for (const m of text.matchAll(new RegExp(reference, 'g'))) {
    found.push(toOccurrence(m, m[0], m.index, false));
  }
  return found;
}

/** `#12` is always the text's own repository; `owner/repo#12` and URLs name their repository. */
function issueKey(m: RegExpExecArray, repo: string): string {
  const groups = m.groups ?? {};
  if (groups.urlPath !== undefined) return `${groups.urlPath.toLowerCase()}#${groups.urlNumber}`;
  if (groups.path !== undefined) return `${groups.path.toLowerCase()}#${groups.pathNumber}`;
  return `${repo.toLowerCase()}#${groups.number}`;
}

/** One reference per (system, key): the most confident occurrence, closing if any occurrence closes. */
function keepStrongestPerKey(occurrences: Occurrence[]): WorkItemReference[] {
  const byKey = new Map<string, { best: Occurrence; firstIndex: number; closing: boolean }>();
  for (const occurrence of occurrences) {
    const id = `${occurrence.system}:${occurrence.key}`;
    const seen = byKey.get(id);
    if (!seen) {
      byKey.set(id, { best: occurrence, firstIndex: occurrence.index, closing: occurrence.closing });
      continue;
    }
    if (occurrence.confidence > seen.best.confidence) seen.best = occurrence;
    seen.firstIndex = Math.min(seen.firstIndex, occurrence.index);
    seen.closing ||= occurrence.closing;
  }
  return [...byKey.values()]
    .sort((a, b) => a.firstIndex - b.firstIndex)
    .map(({ best, closing }) => ({
      system: best.system,
      key: best.key,
      foundIn: best.foundIn,
      match: best.match,
      closing,
      confidence: best.confidence,
    }));
}

/**
 * Replaces fenced code blocks, inline code spans (one line) and HTML comments by spaces of the same length,
 * so the positions of everything else stay where they were. An unclosed fence or comment runs to the end
 * of the text, as markdown renders it.
 */
function blankOutCodeAndComments(text: string): string {
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  return text
    .replace(/<!--[\s\S]*?(?:-->|$)/g, blank)
    .replace(/^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^[ \t]*\2[^\n]*$|(?![\s\S]))/gm, blank)
    .replace(/(`+)[^\n]*?\1/g, blank);
}

function roundConfidence(value: number): number {
  return Math.round(value * 100) / 100;
}
