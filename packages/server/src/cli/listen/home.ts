/**
 * What `payhook listen` keeps between runs, in `$PAYHOOK_HOME` (default `$XDG_CONFIG_HOME/payhook`, or
 * `~/.config/payhook`), readable by the user only:
 *
 * - `listen-secret`: the local signing secret, made once, so the local app's configuration survives
 *   restarts;
 * - `listen-cursor.json`: where each stream got to (the last event and the last resend handled), one
 *   entry per payhook URL and API key (a hash of the key, never the key), so a restart resumes there.
 *   Written after every event handled, by rename, so a crash leaves the previous cursor, never half a file.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeSecret, generateSecret } from '@payhook/sdk';
import type { Env } from '../../config.js';
import { processEnv } from '../../env.js';
import { UsageError } from '../commands/shared.js';

export function listenHome(env: Env = processEnv()): string {
  return env.PAYHOOK_HOME || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'payhook');
}

/** Where the local signing secret lives: `$PAYHOOK_HOME/listen-secret`. */
export function listenSecretPath(env: Env = processEnv()): string {
  return join(listenHome(env), 'listen-secret');
}

/** Where the streams' cursors live: beside the secret. */
export function listenCursorPath(env: Env = processEnv()): string {
  return join(listenHome(env), 'listen-cursor.json');
}

/** The local secret, made on first use (readable by the user only) and the same on every later run. */
export function loadListenSecret(path: string): { secret: string; created: boolean } {
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (!secret.startsWith('whsec_')) throw new Error('not a whsec_ secret');
    decodeSecret(secret);
    return { secret, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(
        `${path} does not hold a whsec_ secret (${(err as Error).message}); delete it to make a new one`,
      );
    }
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = generateSecret();
  try {
    writeFileSync(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another `payhook listen` made it at the same moment: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadListenSecret(path);
    throw err;
  }
  chmodSync(path, 0o600);
  return { secret, created: true };
}

/** Where a stream got to: the `after` and `resends_after` of `GET /v1/listen`. */
export interface StreamCursor {
  after: string;
  resends_after: string;
}

interface CursorEntry extends StreamCursor {
  url: string;
  updated_at: string;
}

const CURSOR_RE = { after: /^evt_[0-9A-Z]{26}$/, resends_after: /^rsd_[0-9A-Z]{26}$/ };

/** The cursors of one stream (a payhook URL, an API key, the merchant it acts for) in the cursor file. */
export class CursorFile {
  private readonly entry: string;

  constructor(
    private readonly path: string,
    private readonly url: string,
    apiKey: string,
    merchant: string | undefined,
  ) {
    const keyHash = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
    this.entry = `${url} ${keyHash}${merchant ? ` ${merchant}` : ''}`;
  }

  private readAll(): Record<string, CursorEntry> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const all = JSON.parse(text) as unknown;
      if (all === null || typeof all !== 'object' || Array.isArray(all)) throw new Error('not a JSON object');
      return all as Record<string, CursorEntry>;
    } catch (err) {
      throw new UsageError(
        `${this.path} is not a cursor file (${(err as Error).message}); delete it to start from now`,
        'invalid_cursor_file',
      );
    }
  }

  /** This stream's cursor from an earlier run, or null. */
  load(): StreamCursor | null {
    const e = this.readAll()[this.entry];
    if (!e) return null;
    if (!CURSOR_RE.after.test(e.after) || !CURSOR_RE.resends_after.test(e.resends_after))
      throw new UsageError(
        `${this.path}: the cursor of ${this.url} is malformed; delete the file to start from now`,
        'invalid_cursor_file',
      );
    return { after: e.after, resends_after: e.resends_after };
  }

  save(cursor: StreamCursor): void {
    const all = this.readAll();
    all[this.entry] = { ...cursor, url: this.url, updated_at: new Date().toISOString() };
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
