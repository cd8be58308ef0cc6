import { randomBytes } from 'node:crypto';
import { compare, hash } from 'bcryptjs';

/** bcrypt cost: about 0.35 s per hash on one core of a small server (2^12 rounds). */
const BCRYPT_COST = 12;

export function hashPassword(password: string): Promise<string> {
  return hash(password, BCRYPT_COST);
}

export function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  return compare(password, passwordHash);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of a real check when there is no hash to check against (unknown email, SSO-only user),
 * so response times do not tell which emails have accounts.
 */
export async function spendPasswordCheckTime(password: string): Promise<void> {
  dummyHash ??= hash(randomBytes(16).toString('hex'), BCRYPT_COST);
  await compare(password, await dummyHash);
}
