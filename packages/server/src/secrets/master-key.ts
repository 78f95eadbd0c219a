/**
 * Where the master key comes from.
 *
 * - `PAYHOOK_MASTER_KEY` (base64, 32 bytes) when set, with `PAYHOOK_MASTER_KEY_PREVIOUS` (comma-separated)
 *   opening rows sealed under older keys during a rotation.
 * - Otherwise, on the embedded default (SQLite), a key file beside the database (`<db>.key`, mode 0600),
 *   made on first start. A key file readable by others, or of the wrong length, stops the start.
 * - PostgreSQL has no such default: several processes on several hosts must share one key, so it
 *   refuses to start without `PAYHOOK_MASTER_KEY`.
 *
 * The key itself is never logged; only the key file's path and the key id are.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { decodeMasterKey, Keyring, KeyringError, MASTER_KEY_BYTES, newMasterKey } from './keyring.js';

export interface MasterKeySettings {
  /** `PAYHOOK_MASTER_KEY`. */
  masterKey: string | null;
  /** `PAYHOOK_MASTER_KEY_PREVIOUS`. */
  masterKeyPrevious: string[];
}

export const MAKE_ONE = 'make one with: openssl rand -base64 32';

export function keyFilePath(dbPath: string): string {
  return `${dbPath}.key`;
}

/** Keyring from the environment's keys. */
export function keyringFromSettings(s: MasterKeySettings): Keyring | null {
  if (!s.masterKey) return null;
  const previous = s.masterKeyPrevious.map((k, i) => decodeMasterKey(k, `PAYHOOK_MASTER_KEY_PREVIOUS (key ${i + 1})`));
  return new Keyring(decodeMasterKey(s.masterKey), previous);
}

/** Reads a key file, refusing loose permissions and a wrong length. */
export function readKeyFile(path: string): Buffer {
  let st: ReturnType<typeof statSync>;
  let text: string;
  try {
    st = statSync(path);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyringError(
      `cannot read the master key file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): it must be readable by the user payhook runs as`,
    );
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new KeyringError(
      `master key file ${path} is readable or writable by others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
    );
  }
  return decodeMasterKey(text, `master key file ${path}`);
}

/** Writes a key file atomically (a 0600 temp file, fsync, rename), replacing any there. */
export function writeKeyFile(path: string, base64Key: string): void {
  if (Buffer.from(base64Key, 'base64').length !== MASTER_KEY_BYTES)
    throw new KeyringError('a master key must be 32 bytes');
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${base64Key}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* a directory fsync is not possible everywhere; the rename is still atomic */
  }
}

/**
 * The embedded default: the key file beside the database, made when missing. `created` says whether
 * it was made now (the start-up log says where it is, once).
 */
export function keyFileKeyring(
  dbPath: string,
  previous: readonly Buffer[] = [],
): { keyring: Keyring; path: string; created: boolean } {
  if (dbPath === ':memory:')
    return { keyring: new Keyring(randomBytes(MASTER_KEY_BYTES), previous), path: ':memory:', created: true };
  const path = keyFilePath(dbPath);
  let created = false;
  if (!existsSync(path)) {
    // Written whole to a temp file, then linked into place: link fails if the file exists, so of two
    // processes starting at once one makes the key and the other reads it, never a half-written file.
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o600);
    } catch (err) {
      throw new KeyringError(
        `cannot create the master key file ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); set PAYHOOK_MASTER_KEY, or let payhook write beside the database`,
      );
    }
    try {
      writeSync(fd, `${newMasterKey()}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  return { keyring: new Keyring(readKeyFile(path), previous), path, created };
}

/**
 * The keyring for a configuration: the environment's key, or (SQLite only) the key file. `source` is
 * what the start-up log may say about it.
 */
export function resolveKeyring(settings: MasterKeySettings & { databaseUrl: string | null; dbPath: string }): {
  keyring: Keyring;
  source: string;
  created: boolean;
} {
  const fromEnv = keyringFromSettings(settings);
  if (fromEnv) return { keyring: fromEnv, source: 'PAYHOOK_MASTER_KEY', created: false };
  if (settings.databaseUrl && /^postgres(ql)?:\/\//.test(settings.databaseUrl)) {
    throw new KeyringError(
      `PostgreSQL needs PAYHOOK_MASTER_KEY (the key that seals signing secrets and header values at rest, the same on every process); ${MAKE_ONE}`,
    );
  }
  if (settings.masterKeyPrevious.length > 0)
    throw new KeyringError('PAYHOOK_MASTER_KEY_PREVIOUS is set without PAYHOOK_MASTER_KEY');
  const file = keyFileKeyring(settings.dbPath);
  return { keyring: file.keyring, source: `key file ${file.path}`, created: file.created };
}
