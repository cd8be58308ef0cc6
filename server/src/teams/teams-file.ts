import { formatIssuePath, teamsFileSchema, type TeamsFile } from '@loopmeter/shared';
import { parse } from 'yaml';
import { z } from 'zod';
import { TeamsException } from './teams.exception';

const yamlRequestSchema = z.object({ yaml: z.string({ error: 'expected the YAML text as a string' }) }).strict();

/**
 * The teams file from an import request: `{ yaml: "<the file>" }`, or the same document as JSON
 * (`{ teams: [...] }`). Answers 400 with every problem and where it is in the file.
 */
export function readTeamsFile(body: unknown): TeamsFile {
  let document = body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'yaml' in body) {
    const request = yamlRequestSchema.safeParse(body);
    if (!request.success) throw invalid(request.error);
    document = parseYaml(request.data.yaml);
  }
  const parsed = teamsFileSchema.safeParse(document);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

function invalid(error: z.ZodError): TeamsException {
  return TeamsException.invalidFile(error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message })));
}

/** YAML 1.2; a syntax error (or a duplicate key) is a 400 that says where. Warnings are not logged. */
function parseYaml(text: string): unknown {
  try {
    return parse(text, { logLevel: 'error' }) as unknown;
  } catch (e) {
    throw TeamsException.invalidYaml((e as Error).message);
  }
}
