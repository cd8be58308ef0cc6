import { agentFromAuthor, agentNameOf, agentsFromCoAuthors, agentsFromPrText, isAutomationBot } from './agent-attribution';

describe('agentFromAuthor', () => {
  it('recognises agents\' bot accounts, strength 1.0', () => {
    expect(agentFromAuthor('Copilot', true)).toEqual({
      agent: 'copilot', reason: 'author_is_agent_bot', strength: 1, match: 'Copilot',
    });
    expect(agentFromAuthor('copilot-swe-agent[bot]', true)).toEqual({
      agent: 'copilot', reason: 'author_is_agent_bot', strength: 1, match: 'copilot-swe-agent[bot]',
    });
    expect(agentFromAuthor('chatgpt-codex-connector[bot]', true)).toEqual({
      agent: 'codex', reason: 'author_is_agent_bot', strength: 1, match: 'chatgpt-codex-connector[bot]',
    });
    expect(agentFromAuthor('app/openai-codex', false)).toEqual({
      agent: 'codex', reason: 'author_is_agent_bot', strength: 1, match: 'app/openai-codex',
    });
    expect(agentFromAuthor('claude[bot]', true)).toEqual({
      agent: 'claude-code', reason: 'author_is_agent_bot', strength: 1, match: 'claude[bot]',
    });
    expect(agentFromAuthor('cursor[bot]', true)).toEqual({
      agent: 'cursor', reason: 'author_is_agent_bot', strength: 1, match: 'cursor[bot]',
    });
    expect(agentFromAuthor('devin-ai-integration[bot]', true)).toEqual({
      agent: 'devin', reason: 'author_is_agent_bot', strength: 1, match: 'devin-ai-integration[bot]',
    });
    expect(agentFromAuthor('google-labs-jules[bot]', true)).toEqual({
      agent: 'jules', reason: 'author_is_agent_bot', strength: 1, match: 'google-labs-jules[bot]',
    });
    expect(agentFromAuthor('gemini-code-assist[bot]', true)).toEqual({
      agent: 'gemini', reason: 'author_is_agent_bot', strength: 1, match: 'gemini-code-assist[bot]',
    });
    expect(agentFromAuthor('sweep-ai[bot]', true)).toEqual({
      agent: 'sweep', reason: 'author_is_agent_bot', strength: 1, match: 'sweep-ai[bot]',
    });
  });

  it('does not take a person for an agent: a login without [bot] counts only when the host says bot', () => {
    expect(agentFromAuthor('claude', false)).toBeNull(); // GitHub's `claude` is a person
    expect(agentFromAuthor('copilot', false)).toBeNull(); // e.g. a GitLab user called copilot
    expect(agentFromAuthor('devin', false)).toBeNull();
    expect(agentFromAuthor('alice', false)).toBeNull();
    expect(agentFromAuthor(null, true)).toBeNull();
  });

  it('does not count automation bots as agents', () => {
    expect(agentFromAuthor('dependabot[bot]', true)).toBeNull();
    expect(agentFromAuthor('renovate[bot]', true)).toBeNull();
    expect(agentFromAuthor('github-actions[bot]', true)).toBeNull();
  });
});

describe('isAutomationBot', () => {
  it('is true for automation bots and other non-agent apps, false for agents and people', () => {
    expect(isAutomationBot('dependabot[bot]')).toBe(true);
    expect(isAutomationBot('app/dependabot')).toBe(true);
    expect(isAutomationBot('renovate[bot]')).toBe(true);
    expect(isAutomationBot('renovate-bot')).toBe(true);
    expect(isAutomationBot('github-actions[bot]')).toBe(true);
    expect(isAutomationBot('some-internal-app[bot]')).toBe(true);
    expect(isAutomationBot('copilot-swe-agent[bot]')).toBe(false);
    expect(isAutomationBot('Copilot')).toBe(false);
    expect(isAutomationBot('alice')).toBe(false);
    expect(isAutomationBot(null)).toBe(false);
  });
});

describe('agentsFromCoAuthors', () => {
  it('reads Claude Code\'s trailer, with or without the model in the name', () => {
    const message = [
      'Add login',
      '',
      '🤖 Generated with [Claude Code](https://claude.com/claude-code)',
      '',
      'Co-Authored-By: Claude Opus 4.7 (1M context) <noreply@anthropic.com>',
    ].join('\n');
    expect(agentsFromCoAuthors(message)).toEqual([
      {
        agent: 'claude-code',
        reason: 'co_author_trailer',
        strength: 0.8,
        match: 'Co-Authored-By: Claude Opus 4.7 (1M context) <noreply@anthropic.com>',
      },
    ]);
    expect(agentsFromCoAuthors('Add login\r\n\r\nCo-authored-by: Claude <noreply@anthropic.com>\r\n')).toEqual([
      { agent: 'claude-code', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Claude <noreply@anthropic.com>' },
    ]);
  });

  it('reads a GitHub squash merge with Copilot\'s no-reply address and a person', () => {
    const message = [
      'Fix flaky test (#12)',
      '',
      '* first attempt',
      '',
      '---------',
      '',
      'Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>',
      'Co-authored-by: Alice <3085284+alice@users.noreply.github.com>',
    ].join('\n');
    expect(agentsFromCoAuthors(message)).toEqual([
      {
        agent: 'copilot',
        reason: 'co_author_trailer',
        strength: 0.8,
        match: 'Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>',
      },
    ]);
  });

  it('reads each known agent identity once, in trailer order', () => {
    const message = [
      'Refactor parser',
      '',
      'Co-authored-by: Cursor Agent <cursoragent@cursor.com>',
      'Co-authored-by: aider (gpt-4o) <noreply@aider.chat>',
      'Co-authored-by: aider (openai/DeepSeek-R1) <aider@aider.chat>',
      'Co-authored-by: Codex <codex@openai.com>',
      'Co-authored-by: Gemini <noreply@google.com>',
      'Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>',
      'Co-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>',
      'Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>',
      'Signed-off-by: Alice <alice@example.com>',
    ].join('\n');
    expect(agentsFromCoAuthors(message)).toEqual([
      { agent: 'cursor', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Cursor Agent <cursoragent@cursor.com>' },
      { agent: 'aider', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: aider (gpt-4o) <noreply@aider.chat>' },
      { agent: 'codex', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Codex <codex@openai.com>' },
      { agent: 'gemini', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Gemini <noreply@google.com>' },
      {
        agent: 'jules',
        reason: 'co_author_trailer',
        strength: 0.8,
        match: 'Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>',
      },
      {
        agent: 'devin',
        reason: 'co_author_trailer',
        strength: 0.8,
        match: 'Co-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>',
      },
      { agent: 'copilot', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>' },
    ]);
  });

  it('does not take people, automation bots or a bare name for agents', () => {
    const message = [
      'Pair on the importer',
      '',
      'Co-authored-by: Claude Dupont <claude.dupont@example.fr>',
      'Co-authored-by: claude <81847+claude@users.noreply.github.com>',
      'Co-authored-by: Jane <jane@anthropic.com>',
      'Co-authored-by: Paul <paul@aider.chat>',
      'Co-authored-by: Build <noreply@google.com>',
      'Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>',
    ].join('\n');
    expect(agentsFromCoAuthors(message)).toEqual([]);
  });

  it('reads only the trailer block: not the subject, not a quoted trailer in the body', () => {
    expect(agentsFromCoAuthors('Co-authored-by: Claude <noreply@anthropic.com>')).toEqual([]);
    const quoted = [
      'Document commit rules',
      '',
      'Never add Co-authored-by: Claude <noreply@anthropic.com> by hand.',
      'Co-authored-by: Claude <noreply@anthropic.com>',
      '',
      'Signed-off-by: Alice <alice@example.com>',
    ].join('\n');
    expect(agentsFromCoAuthors(quoted)).toEqual([]);
  });

  it('follows git: a last paragraph that is mostly prose is a trailer block only next to Signed-off-by', () => {
    const withSignOff = [
      'Fix login',
      '',
      'Tested by hand.',
      'Co-authored-by: Codex <codex@openai.com>',
      'Signed-off-by: Alice <alice@example.com>',
    ].join('\n');
    expect(agentsFromCoAuthors(withSignOff)).toEqual([
      { agent: 'codex', reason: 'co_author_trailer', strength: 0.8, match: 'Co-authored-by: Codex <codex@openai.com>' },
    ]);
    const withoutSignOff = ['Fix login', '', 'Tested by hand.', 'Co-authored-by: Codex <codex@openai.com>'].join('\n');
    expect(agentsFromCoAuthors(withoutSignOff)).toEqual([]);
  });
});

describe('agentsFromPrText', () => {
  it('reads agents\' footers and markers, strength 0.6', () => {
    const body = [
      '## Summary',
      'Adds login.',
      '',
      '🤖 Generated with [Claude Code](https://claude.com/claude-code)',
      'https://chatgpt.com/codex/tasks/task_e_687a53ba646c8331baa4140c5b2bec70',
      '<!-- START COPILOT CODING AGENT SUFFIX -->',
      '<a href="https://cursor.com/background-agent?bcId=bc-12&cursor_ref=pr_footer">Open in Cursor</a>',
      'Link to Devin run: https://app.devin.ai/sessions/8ab66be5433e4d41',
      '*PR created automatically by Jules for task [1572](https://jules.google.com/task/1572895956441806809)*',
    ].join('\n');
    expect(agentsFromPrText(body, [])).toEqual([
      { agent: 'claude-code', reason: 'pr_footer', strength: 0.6, match: 'Generated with [Claude Code]' },
      {
        agent: 'codex',
        reason: 'pr_footer',
        strength: 0.6,
        match: 'https://chatgpt.com/codex/tasks/task_e_687a53ba646c8331baa4140c5b2bec70',
      },
      { agent: 'copilot', reason: 'pr_footer', strength: 0.6, match: '<!-- START COPILOT CODING AGENT SUFFIX -->' },
      { agent: 'cursor', reason: 'pr_footer', strength: 0.6, match: 'https://cursor.com/background-agent?bcId=bc-12&cursor_ref=pr_footer' },
      { agent: 'devin', reason: 'pr_footer', strength: 0.6, match: 'https://app.devin.ai/sessions/8ab66be5433e4d41' },
      { agent: 'jules', reason: 'pr_footer', strength: 0.6, match: 'https://jules.google.com/task/1572895956441806809' },
    ]);
  });

  it('reads the plain Claude Code footer and Copilot\'s tips footer', () => {
    expect(agentsFromPrText('Generated with Claude Code', [])).toEqual([
      { agent: 'claude-code', reason: 'pr_footer', strength: 0.6, match: 'Generated with Claude Code' },
    ]);
    expect(agentsFromPrText('✨ Let Copilot coding agent [set things up for you](https://github.com/acme/web/issues/new)', [])).toEqual([
      { agent: 'copilot', reason: 'pr_footer', strength: 0.6, match: 'Let Copilot coding agent [set things up for you]' },
    ]);
  });

  it('reads labels naming an agent, any case, once per agent', () => {
    expect(agentsFromPrText('', ['bug', 'Codex', 'claude', 'ai-generated', 'codex'])).toEqual([
      { agent: 'codex', reason: 'pr_label', strength: 0.6, match: 'Codex' },
      { agent: 'claude-code', reason: 'pr_label', strength: 0.6, match: 'claude' },
      { agent: 'unknown-agent', reason: 'pr_label', strength: 0.6, match: 'ai-generated' },
    ]);
  });

  it('does not take people writing about agents for agents writing', () => {
    const body = 'Set up per https://docs.cursor.com/background-agent, like the Copilot coding agent docs say.';
    expect(agentsFromPrText(body, ['copilot-task', 'dependencies'])).toEqual([]);
  });
});

describe('agentNameOf', () => {
  it('maps the service names agents export under to the agent', () => {
    expect(['claude-code', 'codex', 'copilot-chat', 'github-copilot', 'copilot-cli', 'codex_cli_rs', 'cursor-agent', 'gemini-cli', 'my-bot'].map(agentNameOf)).toEqual([
      'claude-code', 'codex', 'copilot', 'copilot', 'copilot', 'codex', 'cursor', 'gemini', 'unknown-agent',
    ]);
  });
});
