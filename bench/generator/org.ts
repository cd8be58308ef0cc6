import { Random, uuidOf } from './random';

/** `demo`: the dashboard's demo workspace (~6 teams, 60 people, 6 months, a few thousand events); a number: about that many raw events. */
export type Scale = 'demo' | number;

export interface GeneratorOptions {
  seed: number;
  scale: Scale;
  /** End of the generated history (exclusive); events after `now` are not generated. Default: 2026-05-04 (a Monday). */
  end?: Date;
  /** Nothing later than this is generated (the demo uses the current time). Default: `end`. */
  now?: Date;
}

export type AgentName = 'claude-code' | 'codex' | 'copilot';

/** How an agent and model do: merge rate and first-pass green CI, and how much faster they build. */
export interface ModelProfile {
  agent: AgentName;
  model: string;
  mergeRate: number;
  firstPassGreen: number;
  buildSpeedup: number;
}

export const MODELS: readonly ModelProfile[] = [
  { agent: 'claude-code', model: 'claude-sonnet-4-5', mergeRate: 0.78, firstPassGreen: 0.74, buildSpeedup: 2.4 },
  { agent: 'claude-code', model: 'claude-opus-4-1', mergeRate: 0.82, firstPassGreen: 0.79, buildSpeedup: 2.0 },
  { agent: 'codex', model: 'gpt-5-codex', mergeRate: 0.75, firstPassGreen: 0.7, buildSpeedup: 2.2 },
  { agent: 'codex', model: 'gpt-5', mergeRate: 0.66, firstPassGreen: 0.62, buildSpeedup: 1.8 },
  { agent: 'copilot', model: 'copilot-swe-agent', mergeRate: 0.58, firstPassGreen: 0.56, buildSpeedup: 1.6 },
];

/** People without an agent. */
export const HUMAN: Omit<ModelProfile, 'agent' | 'model'> = { mergeRate: 0.72, firstPassGreen: 0.7, buildSpeedup: 1 };

/**
 * The planted regression: in the last REGRESSION_WEEKS weeks, gpt-5-codex PRs merge far less often and fail CI
 * more (a model update gone wrong), so the regression detector has something to find.
 */
export const REGRESSION = { agent: 'codex' as AgentName, model: 'gpt-5-codex', weeks: 3, mergeRate: 0.42, firstPassGreen: 0.45 };

export interface Person {
  index: number;
  name: string;
  login: string;
  email: string;
  githubId: number;
  linearId: string;
  team: Team;
  /** The week (from the start) this person starts using an agent; Infinity for never. */
  adoptsAtWeek: number;
  preferred: ModelProfile;
}

export interface Repo {
  index: number;
  fullName: string;
  id: number;
  team: Team;
}

export interface Team {
  index: number;
  key: string;
  name: string;
  linearTeamId: string;
  repos: Repo[];
  people: Person[];
  /** Median hours from insight to work started: teams differ. */
  waitMedianHours: number;
}

export interface Org {
  seed: number;
  owner: string;
  organizationId: string;
  start: Date;
  end: Date;
  now: Date;
  weeks: number;
  /** Experiments per person per week. */
  rate: number;
  /** Production deployments: probability of one per repo and working day. */
  deployChance: number;
  teams: Team[];
  people: Person[];
  repos: Repo[];
}

const TEAM_WORDS: ReadonlyArray<readonly [string, string]> = [
  ['PAY', 'Payments'], ['GROW', 'Growth'], ['PLAT', 'Platform'], ['MOB', 'Mobile'], ['DATA', 'Data'], ['WEB', 'Web'],
  ['SRCH', 'Search'], ['CHKT', 'Checkout'], ['ONB', 'Onboarding'], ['BILL', 'Billing'], ['INFRA', 'Infrastructure'], ['API', 'Public API'],
  ['AUTH', 'Identity'], ['NOTIF', 'Notifications'], ['ANLT', 'Analytics'], ['CORE', 'Core'], ['SECU', 'Security'], ['ML', 'Machine learning'],
  ['OPS', 'Operations'], ['UX', 'Design systems'],
];
const FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Mia', 'Ethan', 'Zoe', 'Mateo', 'Chloe', 'Arjun', 'Yuki', 'Sofia', 'Omar', 'Lena', 'Ravi', 'Ines', 'Kofi', 'Hana'];
const LAST = ['Richards', 'Chen', 'Garcia', 'Novak', 'Okafor', 'Silva', 'Kowalski', 'Haddad', 'Tanaka', 'Moreau', 'Schmidt', 'Patel', 'Larsen', 'Rossi', 'Nguyen', 'Costa', 'Weber', 'Ali', 'Jensen', 'Park'];

/** Events one team makes in a week at full activity (experiments, deployments, bots): to size an org from a target count. */
const EVENTS_PER_TEAM_WEEK = 180;
const DEFAULT_END = new Date('2026-05-04T00:00:00Z');

function letters(n: number): string {
  let out = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) out = String.fromCharCode(65 + ((k - 1) % 26)) + out;
  return out;
}

/** The synthetic org: teams, people, repositories and the period, sized by `scale`. */
export function buildOrg(options: GeneratorOptions): Org {
  const demo = options.scale === 'demo';
  const weeks = demo ? 26 : 52;
  const teamCount = demo ? 6 : Math.max(1, Math.round(Number(options.scale) / (EVENTS_PER_TEAM_WEEK * weeks)));
  const end = options.end ?? DEFAULT_END;
  const start = new Date(end.getTime() - weeks * 7 * 86_400_000);
  const org: Org = {
    seed: options.seed,
    owner: 'acme',
    organizationId: uuidOf(options.seed, 'linear-org'),
    start,
    end,
    now: options.now ?? end,
    weeks,
    rate: demo ? 0.25 : 1.5,
    deployChance: demo ? 0.3 : 0.8,
    teams: [],
    people: [],
    repos: [],
  };
  for (let t = 0; t < teamCount; t++) {
    const rnd = new Random(options.seed, 'team', t);
    const [word, title] = TEAM_WORDS[t % TEAM_WORDS.length];
    const suffix = letters(Math.floor(t / TEAM_WORDS.length));
    const key = `${word}${suffix}`;
    const team: Team = {
      index: t,
      key,
      name: suffix ? `${title} ${suffix}` : title,
      linearTeamId: uuidOf(options.seed, 'linear-team', t),
      repos: [],
      people: [],
      waitMedianHours: rnd.lognormal(16, 0.5),
    };
    // Teams adopt agents at different times: some early, some late, one or two hardly at all.
    const teamAdoption = rnd.chance(0.15) ? weeks * 2 : rnd.next() * weeks * 0.6;
    for (const kind of ['api', 'web']) {
      const repo: Repo = { index: org.repos.length, fullName: `${org.owner}/${key.toLowerCase()}-${kind}`, id: 600_000_000 + org.repos.length, team };
      team.repos.push(repo);
      org.repos.push(repo);
    }
    for (let p = 0; p < 10; p++) {
      const index = org.people.length;
      const first = FIRST[index % FIRST.length];
      const last = LAST[Math.floor(index / FIRST.length) % LAST.length];
      const login = `${first}-${last}${index >= FIRST.length * LAST.length ? index : ''}`.toLowerCase();
      const prnd = new Random(options.seed, 'person', index);
      const person: Person = {
        index,
        name: `${first} ${last}`,
        login,
        email: `${login}@acme.example`,
        githubId: 1_000_000 + index,
        linearId: uuidOf(options.seed, 'linear-user', index),
        team,
        adoptsAtWeek: prnd.chance(0.1) ? Infinity : teamAdoption + prnd.lognormal(3, 0.8),
        preferred: prnd.weighted(MODELS.map((m) => [m, m.agent === 'claude-code' ? 0.25 : m.agent === 'codex' ? 0.18 : 0.14] as const)),
      };
      team.people.push(person);
      org.people.push(person);
    }
    org.teams.push(team);
  }
  return org;
}
