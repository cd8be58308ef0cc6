import { createHash } from 'node:crypto';

/**
 * A person's id: a name-based UUID (RFC 4122 version 3, MD5) of the org and a key that names the person, so
 * the same identities give the same ids whatever order they arrive in, on every run and every machine.
 * Keys: `email:<lower-case email>` for a person known by email (the teams file's people too, so a person the
 * resolver made becomes the imported one in place), `account:<source>:<login or external id>` for an account
 * without email, and the same with a `bot-` prefix for bots (never the same person as a human).
 */
export function personIdFor(orgId: string, key: string): string {
  const hash = createHash('md5').update(`${orgId}|${key}`, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x30;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const personKeyForEmail = (email: string): string => `email:${email.toLowerCase()}`;
