import { environmentKind, parseEnvironmentRules } from './environment-kind';

describe('environment kinds', () => {
  it('takes the source flag first, then the default name rules', () => {
    expect(environmentKind('anything', 'production')).toBe('production');
    expect(environmentKind('preview/pr-7', null)).toBe('preview');
    expect(environmentKind('review/feature-x', null)).toBe('preview');
    expect(environmentKind('staging', null)).toBe('staging');
    expect(environmentKind('uat', null)).toBe('staging');
    expect(environmentKind('production', null)).toBe('production');
    expect(environmentKind('prod-eu', null)).toBe('production');
    expect(environmentKind('sandbox', null)).toBe('other');
  });

  it('uses configured rules in order, and names a bad rule', () => {
    const rules = parseEnvironmentRules('preview=^pr-; staging=^stg$ ;production=^prd$');
    expect(environmentKind('pr-12', null, rules)).toBe('preview');
    expect(environmentKind('stg', null, rules)).toBe('staging');
    expect(environmentKind('prd', null, rules)).toBe('production');
    expect(environmentKind('production', null, rules)).toBe('other');
    expect(() => parseEnvironmentRules('canary=^c-')).toThrow("'canary=^c-': write kind=regex with kind preview, staging or production");
    expect(() => parseEnvironmentRules('preview=([')).toThrow(/'preview=\(\['/);
  });
});
