import { findWorkItemReferences, type ReferenceContext } from './work-item-keys';

// UTF, SHA and RFC are known keys on purpose: the deny list must win over them.
const github: ReferenceContext = {
  repo: 'acme/web',
  host: 'github',
  jiraProjects: new Set(['ABC', 'OPS', 'UTF', 'SHA', 'BOTH']),
  linearTeams: new Set(['ENG', 'RFC', 'BOTH']),
};
const gitlab: ReferenceContext = { ...github, repo: 'acme/platform/web', host: 'gitlab' };

describe('findWorkItemReferences: Jira and Linear keys in branch names', () => {
  it('reads a key at the start of the name or of a segment, in any case, as 0.9', () => {
    expect(findWorkItemReferences('feature/ABC-123-login', 'branch', github)).toEqual([
      { system: 'jira', key: 'ABC-123', foundIn: 'branch', match: 'ABC-123', closing: false, confidence: 0.9 },
    ]);
    expect(findWorkItemReferences('feature/abc-123-login', 'branch', github)).toEqual([
      { system: 'jira', key: 'ABC-123', foundIn: 'branch', match: 'abc-123', closing: false, confidence: 0.9 },
    ]);
    expect(findWorkItemReferences('alice/eng-12-fix-login', 'branch', github)).toEqual([
      { system: 'linear', key: 'ENG-12', foundIn: 'branch', match: 'eng-12', closing: false, confidence: 0.9 },
    ]);
    expect(findWorkItemReferences('OPS-7', 'branch', github)).toEqual([
      { system: 'jira', key: 'OPS-7', foundIn: 'branch', match: 'OPS-7', closing: false, confidence: 0.9 },
    ]);
    expect(findWorkItemReferences('ABC-123_login', 'branch', github)).toEqual([
      { system: 'jira', key: 'ABC-123', foundIn: 'branch', match: 'ABC-123', closing: false, confidence: 0.9 },
    ]);
  });

  it('reads a key inside a segment as 0.7', () => {
    expect(findWorkItemReferences('fix-abc-12-again', 'branch', github)).toEqual([
      { system: 'jira', key: 'ABC-12', foundIn: 'branch', match: 'abc-12', closing: false, confidence: 0.7 },
    ]);
  });

  it('never reads an issue number in a branch name', () => {
    expect(findWorkItemReferences('fix/#12-login', 'branch', github)).toEqual([]);
    expect(findWorkItemReferences('closes-#12', 'branch', github)).toEqual([]);
    expect(findWorkItemReferences('acme/web#12', 'branch', github)).toEqual([]);
  });
});

describe('findWorkItemReferences: Jira and Linear keys in text', () => {
  it('weighs a key by where it was written', () => {
    expect(findWorkItemReferences('ABC-123: Fix login', 'pr_title', github)).toEqual([
      { system: 'jira', key: 'ABC-123', foundIn: 'pr_title', match: 'ABC-123', closing: false, confidence: 0.85 },
    ]);
    expect(findWorkItemReferences('Fix login\n\nRefs ABC-9', 'commit_message', github)).toEqual([
      { system: 'jira', key: 'ABC-9', foundIn: 'commit_message', match: 'ABC-9', closing: false, confidence: 0.75 },
    ]);
    expect(findWorkItemReferences('See ABC-9 for the context.', 'pr_body', github)).toEqual([
      { system: 'jira', key: 'ABC-9', foundIn: 'pr_body', match: 'ABC-9', closing: false, confidence: 0.7 },
    ]);
  });

  it('reads Linear identifiers in any case, Jira keys only in upper case', () => {
    expect(findWorkItemReferences('eng-12 fix login', 'pr_title', github)).toEqual([
      { system: 'linear', key: 'ENG-12', foundIn: 'pr_title', match: 'eng-12', closing: false, confidence: 0.85 },
    ]);
    expect(findWorkItemReferences('abc-123: fix login', 'pr_title', github)).toEqual([]);
    expect(findWorkItemReferences('Abc-123: fix login', 'pr_title', github)).toEqual([]);
  });

  it('reads keys inside Jira and Linear URLs', () => {
    expect(findWorkItemReferences('Spec: https://acme.atlassian.net/browse/ABC-123', 'pr_body', github)).toEqual([
      { system: 'jira', key: 'ABC-123', foundIn: 'pr_body', match: 'ABC-123', closing: false, confidence: 0.7 },
    ]);
    expect(findWorkItemReferences('https://linear.app/acme/issue/ENG-12/fix-login', 'pr_body', github)).toEqual([
      { system: 'linear', key: 'ENG-12', foundIn: 'pr_body', match: 'ENG-12', closing: false, confidence: 0.7 },
    ]);
  });

  it('marks a key after a closing keyword as closing, 0.95', () => {
    expect(findWorkItemReferences('ABC-1 part one\n\nFixes ABC-1', 'commit_message', github)).toEqual([
      { system: 'jira', key: 'ABC-1', foundIn: 'commit_message', match: 'ABC-1', closing: true, confidence: 0.95 },
    ]);
  });

  it('reports both systems, 0.2 lower, when a prefix is a Jira project and a Linear team', () => {
    expect(findWorkItemReferences('BOTH-3 tidy up', 'pr_title', github)).toEqual([
      { system: 'jira', key: 'BOTH-3', foundIn: 'pr_title', match: 'BOTH-3', closing: false, confidence: 0.65 },
      { system: 'linear', key: 'BOTH-3', foundIn: 'pr_title', match: 'BOTH-3', closing: false, confidence: 0.65 },
    ]);
    expect(findWorkItemReferences('both-3-tidy', 'branch', github)).toEqual([
      { system: 'jira', key: 'BOTH-3', foundIn: 'branch', match: 'both-3', closing: false, confidence: 0.7 },
      { system: 'linear', key: 'BOTH-3', foundIn: 'branch', match: 'both-3', closing: false, confidence: 0.7 },
    ]);
  });

  it('does not link technical tokens, even when the prefix is a known key', () => {
    expect(findWorkItemReferences('Read files as UTF-8 and hash them with SHA-256', 'commit_message', github)).toEqual([]);
    expect(findWorkItemReferences('utf-8-reader', 'branch', github)).toEqual([]);
    expect(findWorkItemReferences('Dates per ISO-8601, caching per RFC-2616 and rfc-7234', 'pr_body', github)).toEqual([]);
    expect(findWorkItemReferences('Patch CVE-2024-3094', 'pr_title', github)).toEqual([]);
  });

  it('does not link unknown keys or keys glued to a larger token', () => {
    expect(findWorkItemReferences('ZZZ-1: fix login', 'pr_title', github)).toEqual([]);
    expect(findWorkItemReferences('X-123 header', 'pr_title', github)).toEqual([]);
    expect(findWorkItemReferences('XABC-1234 and ABC-1234x and ABC-12_x', 'pr_body', github)).toEqual([]);
    expect(findWorkItemReferences('feature/XABC-123-login', 'branch', github)).toEqual([]);
    expect(findWorkItemReferences('ask @eng-12, deploy eng-12.example.com', 'pr_body', github)).toEqual([]);
    expect(findWorkItemReferences('Forked from https://github.com/acme/eng-3/pull/1', 'pr_body', github)).toEqual([]);
  });

  it('skips code spans, fenced code and HTML comments (PR templates)', () => {
    const body = [
      '<!-- Closes #123, ABC-77 -->',
      'Renamed `ABC-5` in the fixture.',
      '```',
      'Fixes #9 ENG-6',
      '```',
      'Nothing else.',
    ].join('\n');
    expect(findWorkItemReferences(body, 'pr_body', github)).toEqual([]);
  });

  it('reads commit messages as plain text, backticks included, as the hosts do', () => {
    expect(findWorkItemReferences('Rename `ENG-5` flag\n\nFixes #9', 'commit_message', github)).toEqual([
      { system: 'linear', key: 'ENG-5', foundIn: 'commit_message', match: 'ENG-5', closing: false, confidence: 0.75 },
      { system: 'github', key: 'acme/web#9', foundIn: 'commit_message', match: 'Fixes #9', closing: true, confidence: 0.95 },
    ]);
  });
});

describe('findWorkItemReferences: GitHub issue references', () => {
  it('reads closing keywords, any case, with or without a colon', () => {
    expect(findWorkItemReferences('Closes #12', 'pr_body', github)).toEqual([
      { system: 'github', key: 'acme/web#12', foundIn: 'pr_body', match: 'Closes #12', closing: true, confidence: 0.95 },
    ]);
    expect(findWorkItemReferences('fix login (FIXES: #7)', 'pr_title', github)).toEqual([
      { system: 'github', key: 'acme/web#7', foundIn: 'pr_title', match: 'FIXES: #7', closing: true, confidence: 0.95 },
    ]);
    expect(findWorkItemReferences('Tidy\n\nresolved #3', 'commit_message', github)).toEqual([
      { system: 'github', key: 'acme/web#3', foundIn: 'commit_message', match: 'resolved #3', closing: true, confidence: 0.95 },
    ]);
  });

  it('keys another repository by that repository, lower-cased, never by the text\'s own', () => {
    expect(findWorkItemReferences('fixes Owner/Repo#12', 'pr_body', github)).toEqual([
      { system: 'github', key: 'owner/repo#12', foundIn: 'pr_body', match: 'fixes Owner/Repo#12', closing: true, confidence: 0.95 },
    ]);
    expect(findWorkItemReferences('Same bug as other/repo#12', 'pr_body', github)).toEqual([
      { system: 'github', key: 'other/repo#12', foundIn: 'pr_body', match: 'other/repo#12', closing: false, confidence: 0.5 },
    ]);
  });

  it('reads a plain #N as the text\'s own repository, 0.5', () => {
    expect(findWorkItemReferences('Follow-up to #12', 'pr_title', github)).toEqual([
      { system: 'github', key: 'acme/web#12', foundIn: 'pr_title', match: '#12', closing: false, confidence: 0.5 },
    ]);
    expect(findWorkItemReferences('hotfix #12', 'commit_message', github)).toEqual([
      { system: 'github', key: 'acme/web#12', foundIn: 'commit_message', match: '#12', closing: false, confidence: 0.5 },
    ]);
  });

  it('reads github.com issue URLs', () => {
    expect(findWorkItemReferences('Fixes https://github.com/acme/web/issues/5', 'pr_body', github)).toEqual([
      {
        system: 'github',
        key: 'acme/web#5',
        foundIn: 'pr_body',
        match: 'Fixes https://github.com/acme/web/issues/5',
        closing: true,
        confidence: 0.95,
      },
    ]);
    expect(findWorkItemReferences('See https://github.com/Acme/API/issues/44.', 'pr_body', github)).toEqual([
      {
        system: 'github',
        key: 'acme/api#44',
        foundIn: 'pr_body',
        match: 'https://github.com/Acme/API/issues/44',
        closing: false,
        confidence: 0.5,
      },
    ]);
  });

  it('closes only the first reference of a list, as GitHub does', () => {
    expect(findWorkItemReferences('Fixes #1, #2', 'pr_body', github)).toEqual([
      { system: 'github', key: 'acme/web#1', foundIn: 'pr_body', match: 'Fixes #1', closing: true, confidence: 0.95 },
      { system: 'github', key: 'acme/web#2', foundIn: 'pr_body', match: '#2', closing: false, confidence: 0.5 },
    ]);
  });

  it('does not take GitLab-only keywords on GitHub', () => {
    expect(findWorkItemReferences('Implements #4', 'pr_body', github)).toEqual([
      { system: 'github', key: 'acme/web#4', foundIn: 'pr_body', match: '#4', closing: false, confidence: 0.5 },
    ]);
  });

  it('keeps one reference per key: the most confident, closing if any occurrence closes', () => {
    expect(findWorkItemReferences('See #12 first.\n\nCloses #12. Also ENG-4, then eng-4 again.', 'pr_body', github)).toEqual([
      { system: 'github', key: 'acme/web#12', foundIn: 'pr_body', match: 'Closes #12', closing: true, confidence: 0.95 },
      { system: 'linear', key: 'ENG-4', foundIn: 'pr_body', match: 'ENG-4', closing: false, confidence: 0.7 },
    ]);
  });

  it('does not read colours, HTML entities, URL fragments or mentions as issues', () => {
    expect(findWorkItemReferences('color: #000; &#123; https://example.com/page#12 a/b/c#12 @user#3', 'pr_body', github)).toEqual([]);
  });
});

describe('findWorkItemReferences: GitLab issue references', () => {
  it('reads GitLab keywords, lists after one keyword, and nested group paths', () => {
    expect(findWorkItemReferences('Closes #1, #2 and group/sub/project#3', 'pr_body', gitlab)).toEqual([
      { system: 'gitlab', key: 'acme/platform/web#1', foundIn: 'pr_body', match: 'Closes #1', closing: true, confidence: 0.95 },
      { system: 'gitlab', key: 'acme/platform/web#2', foundIn: 'pr_body', match: '#2', closing: true, confidence: 0.95 },
      { system: 'gitlab', key: 'group/sub/project#3', foundIn: 'pr_body', match: 'group/sub/project#3', closing: true, confidence: 0.95 },
    ]);
    expect(findWorkItemReferences('Implementing issue #4', 'commit_message', gitlab)).toEqual([
      { system: 'gitlab', key: 'acme/platform/web#4', foundIn: 'commit_message', match: 'Implementing issue #4', closing: true, confidence: 0.95 },
    ]);
  });

  it('reads GitLab issue URLs on any host', () => {
    expect(findWorkItemReferences('Relates to https://gitlab.example.com/Group/Sub/Project/-/issues/8', 'pr_body', gitlab)).toEqual([
      {
        system: 'gitlab',
        key: 'group/sub/project#8',
        foundIn: 'pr_body',
        match: 'https://gitlab.example.com/Group/Sub/Project/-/issues/8',
        closing: false,
        confidence: 0.5,
      },
    ]);
  });
});
