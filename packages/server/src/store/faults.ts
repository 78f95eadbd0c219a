/**
 * Storage faults: the database cannot take a write right now (a full disk, a read-only file or
 * server, a lost connection, a lock held past the busy timeout). These are not the caller's mistake
 * and not a bug of ours: the API answers `503 storage_unavailable` with `Retry-After`, so a client
 * retries, and `/readyz` reports not ready until a write goes through again. Nothing accepted is lost:
 * a request that fails this way committed nothing.
 */

/** SQLSTATEs and driver errors meaning a PostgreSQL connection is gone (or the server is going away). */
const CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection error|Client was closed|Connection ended|terminating connection/i;

/** Kept here rather than in postgres/ so the embedded build never loads the PostgreSQL driver. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return !e.code && CONNECTION_MESSAGES.test(e.message ?? '');
}

/** SQLite result codes (better-sqlite3 puts the extended name in `code`) that mean "cannot write now". */
const SQLITE_PREFIXES = [
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_PROTOCOL',
  'SQLITE_NOLFS',
];

/** PostgreSQL SQLSTATEs for the same: insufficient resources (53…: disk full, out of memory, too many connections), read-only transaction. */
const PG_CODES = new Set(['53000', '53100', '53200', '53300', '53400', '25006', '57P01', '57P02', '57P03', '58030']);

/** Seconds a client is told to wait before trying again. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

export function isStorageFault(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (SQLITE_PREFIXES.some((p) => code.startsWith(p))) return true;
  if (PG_CODES.has(code)) return true;
  if (isConnectionError(err)) return true;
  return (
    typeof e.message === 'string' &&
    /timeout exceeded when trying to connect|the PostgreSQL store is closed/.test(e.message) &&
    !code
  );
}

/** A one-line reason for logs and `/readyz`, without paths or statement text. */
export function faultReason(err: unknown): string {
  const e = err as { code?: unknown } | null;
  const code = e && typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('SQLITE_FULL') || code === '53100') return 'the disk is full';
  if (code.startsWith('SQLITE_READONLY') || code === '25006') return 'the database is read-only';
  if (code.startsWith('SQLITE_BUSY')) return 'the database is locked by another process';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === '58030')
    return 'the database file cannot be read or written';
  if (code.startsWith('53')) return 'the database server is out of resources';
  return 'the database does not answer';
}

/** payhook refuses to start on a database it cannot write to. */
export class StorageStartError extends Error {
  constructor(cause: unknown, where: string) {
    super(
      `cannot write to the database (${where}): ${isStorageFault(cause) ? faultReason(cause) : ((cause as Error)?.message ?? String(cause))}. ` +
        "payhook needs a writable database: check the file's permissions and the free disk space, or that PostgreSQL is a writable primary.",
      { cause },
    );
    this.name = 'StorageStartError';
  }
}
