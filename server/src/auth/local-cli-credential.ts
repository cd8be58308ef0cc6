import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { generateToken, hashToken } from './token-secret';

/**
 * In embedded mode the database belongs to the server process, so the CLI talks to the running server.
 * The server writes a fresh admin credential to DATA_DIR (mode 0600) at each start; whoever can read
 * DATA_DIR could open the database files anyway, so this grants nothing new.
 */
export class LocalCliCredential {
  private constructor(private readonly hash: Buffer, private readonly file: string) {}

  static create(dataDir: string): LocalCliCredential {
    const token = generateToken();
    const file = localCliTokenPath(dataDir);
    writeFileSync(file, token, { mode: 0o600 });
    return new LocalCliCredential(hashToken(token), file);
  }

  matches(token: string): boolean {
    return timingSafeEqual(hashToken(token), this.hash);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}

export function localCliTokenPath(dataDir: string): string {
  return join(dataDir, 'cli-token');
}
