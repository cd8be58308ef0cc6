export type EnvironmentKind = 'preview' | 'staging' | 'production';
export type EnvironmentRules = ReadonlyArray<{ kind: EnvironmentKind; pattern: RegExp }>;

/**
 * Which kind of environment a deployment went to. The source's own flags win (GitHub
 * `transient_environment` → preview, `production_environment` → production; GitLab tiers); otherwise the
 * environment name decides, with the rules in order (LOOPMETER_ENVIRONMENT_RULES, else these defaults).
 */
export const DEFAULT_ENVIRONMENT_RULES: EnvironmentRules = [
  { kind: 'preview', pattern: /^(preview|review|pr|ephemeral|dev)([-/_ ]|$)|preview|^review\//i },
  { kind: 'staging', pattern: /stag|^uat$|^qa$|pre-?prod/i },
  { kind: 'production', pattern: /^(prod|production|live)([-/_ ]|$)|^production$/i },
];

export function environmentKind(
  environment: string,
  fromSource: EnvironmentKind | null,
  rules: EnvironmentRules = DEFAULT_ENVIRONMENT_RULES,
): EnvironmentKind | 'other' {
  if (fromSource) return fromSource;
  return rules.find((r) => r.pattern.test(environment))?.kind ?? 'other';
}

/**
 * Parses `preview=^pr-|^review/;staging=^stg$;production=^prd$` (kind=regex, separated by `;`, tried in
 * order, case-insensitive). Throws a message naming the bad part.
 */
export function parseEnvironmentRules(text: string): EnvironmentRules {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const kind = part.slice(0, eq).trim();
      if (eq < 0 || !['preview', 'staging', 'production'].includes(kind)) {
        throw new Error(`'${part}': write kind=regex with kind preview, staging or production`);
      }
      try {
        return { kind: kind as EnvironmentKind, pattern: new RegExp(part.slice(eq + 1).trim(), 'i') };
      } catch (e) {
        throw new Error(`'${part}': ${(e as Error).message}`);
      }
    });
}
