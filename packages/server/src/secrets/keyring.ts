/**
 * Secrets at rest: AES-256-GCM under a master key.
 *
 * What payhook must be able to read back (endpoint signing secrets, custom header values) is stored
 * sealed: `enc:v1:<key id>:<base64 of 12-byte IV | ciphertext | 16-byte tag>`. The key id is the first 8
 * hex digits of the SHA-256 of the key, so a row names the key that sealed it and a keyring holding the
 * current key and the previous ones can open rows sealed under any of them while a rotation runs. The
 * associated data binds a sealed value to what it is (for example `endpoint_secret`), so a ciphertext
 * copied into another column does not open.
 *
 * API keys are not here: they are only ever compared, so they are stored as hashes (merchants/keys.ts).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

/** Decodes a base64 master key, refusing anything but exactly 32 bytes. */
export function decodeMasterKey(text: string, name = 'PAYHOOK_MASTER_KEY'): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed))
    throw new KeyringError(`${name} must be base64 (make one with: openssl rand -base64 32)`);
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== MASTER_KEY_BYTES)
    throw new KeyringError(
      `${name} must decode to ${MASTER_KEY_BYTES} bytes; it decodes to ${key.length} (make one with: openssl rand -base64 32)`,
    );
  return key;
}

export function newMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

export class Keyring {
  private readonly keys = new Map<string, Buffer>();
  readonly currentId: string;

  /** `current` seals; `previous` keys only open (a rotation in progress). */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    if (current.length !== MASTER_KEY_BYTES) throw new KeyringError(`a master key must be ${MASTER_KEY_BYTES} bytes`);
    this.currentId = keyId(current);
    this.keys.set(this.currentId, current);
    for (const k of previous) if (!this.keys.has(keyId(k))) this.keys.set(keyId(k), k);
  }

  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.currentId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  /**
   * Opens a sealed value. A value that is not sealed is returned as it is: rows written before
   * encryption existed, until the start-up migration has sealed them.
   */
  open(value: string, purpose: string): string {
    if (!isSealed(value)) return value;
    const rest = value.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const id = rest.slice(0, colon);
    const key = this.keys.get(id);
    if (!key)
      throw new KeyringError(
        `a secret is sealed under master key ${id}, which this process does not hold (set PAYHOOK_MASTER_KEY, or PAYHOOK_MASTER_KEY_PREVIOUS during a rotation)`,
      );
    const raw = Buffer.from(rest.slice(colon + 1), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new KeyringError('a sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new KeyringError(
        `a sealed secret does not open under master key ${id} (tampered, or sealed for another purpose)`,
      );
    }
  }

  /** True when `value` is sealed under a key other than the current one (or not sealed at all). */
  needsReseal(value: string): boolean {
    return !value.startsWith(`${PREFIX}${this.currentId}:`);
  }
}
