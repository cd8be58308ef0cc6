import { userAccessWithOwnTeam } from './team-scope';

describe('userAccessWithOwnTeam: what a user sees from their role, teams file memberships and own team', () => {
  const memberships = [
    { team: 'payments', teamRole: 'lead' as const },
    { team: 'checkout', teamRole: 'member' as const },
  ];

  it('admins see every team and everyone; executives every team and no one', () => {
    expect(userAccessWithOwnTeam('admin', 'search', memberships)).toEqual({ teams: 'all', personDetail: 'all' });
    expect(userAccessWithOwnTeam('executive', 'search', memberships)).toEqual({ teams: 'all', personDetail: [] });
  });

  it('a lead sees their teams and their own team, with per-person numbers of those they lead and of their own team', () => {
    expect(userAccessWithOwnTeam('lead', 'search', memberships)).toEqual({ teams: ['checkout', 'payments', 'search'], personDetail: ['payments', 'search'] });
  });

  it('a member sees the same teams and no per-person numbers, even where the file lists them as lead', () => {
    expect(userAccessWithOwnTeam('member', 'search', memberships)).toEqual({ teams: ['checkout', 'payments', 'search'], personDetail: [] });
    expect(userAccessWithOwnTeam('member', null, [])).toEqual({ teams: [], personDetail: [] });
  });

  it('an own team that is also a membership counts once; a lead leads it', () => {
    expect(userAccessWithOwnTeam('lead', 'checkout', memberships)).toEqual({ teams: ['checkout', 'payments'], personDetail: ['checkout', 'payments'] });
  });
});
