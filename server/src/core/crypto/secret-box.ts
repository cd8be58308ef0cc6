import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Encrypts secrets at rest (webhook secrets must be read back to check signatures, so they cannot be
 * hashed like API tokens): AES-256-GCM with a random 96-bit nonce. Layout: version byte 1, key id (4
 * bytes, from the key's SHA-256, to tell a wrong key from tampering), nonce (12), tag (16), ciphertext.
 */
export class SecretBox {
  private readonly keyId: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The encryption key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest().subarray(0, 4);
  }

  seal(plaintext: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), this.keyId, nonce, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): string {
    if (sealed.length < 33 || sealed[0] !== 1) throw new SecretBoxError('The stored secret is not in a format this version reads.');
    if (!sealed.subarray(1, 5).equals(this.keyId)) {
      throw new SecretBoxError('The stored secret was encrypted with another key: set LOOPMETER_ENCRYPTION_KEY (or DATA_DIR/encryption.key) to the key it was written with.');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(5, 17));
    decipher.setAuthTag(sealed.subarray(17, 33));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(33)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('The stored secret failed its integrity check: it was altered.');
    }
  }
}

export class SecretBoxError extends Error {}

/** The configured key, else the one in DATA_DIR/encryption.key, created (mode 0600) on first use. */
export function loadEncryptionKey(configured: Buffer | undefined, dataDir: string): Buffer {
  if (configured) return configured;
  const file = join(dataDir, 'encryption.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
