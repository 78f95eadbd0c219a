/**
 * One payhook process owns an embedded database: `createPayhook` takes this lock on the SQLite file
 * before it migrates, and a second payhook process started on the same file is refused with
 * `database_in_use` (naming the process that holds it) instead of dispatching beside the first.
 *
 * The lock is a small SQLite file beside the database, `<db>.lock`, opened in EXCLUSIVE locking mode
 * and written once: the operating system's lock on it lasts as long as this process keeps the
 * connection, and ends with the process however it ends (a `kill -9` included), so a stale lock file
 * never keeps payhook from starting. Why not EXCLUSIVE mode on the database itself: that would also
 * shut out what may rightly read it while payhook runs (`sqlite3 payhook.db ".backup …"`, Litestream,
 * an operator's query); the lock file shuts out payhook processes only.
 *
 * The owner's pid is the lock file's `user_version`: the locks are advisory, so a refused process can
 * still read those four bytes of the file's header and name the owner in its error.
 */
import Database from 'better-sqlite3';
import { openSync, readSync, closeSync } from 'node:fs';
import { PayhookError } from '../../errors.js';

/** Where the lock of database `path` lives. */
export function lockPathFor(path: string): string {
  return `${path}.lock`;
}

/** Offset of `user_version` in a SQLite file's header (a 4-byte big-endian integer). */
const USER_VERSION_OFFSET = 60;

export class DatabaseFileLock {
  private constructor(
    readonly path: string,
    private db: Database.Database | null,
  ) {}

  /**
   * Takes the lock of database `path`, or throws `database_in_use` at once (no waiting) when another
   * process, or another payhook in this process, holds it. `:memory:` databases need none.
   */
  static acquire(path: string): DatabaseFileLock {
    const lockPath = lockPathFor(path);
    if (path === ':memory:') return new DatabaseFileLock(lockPath, null);
    const db = new Database(lockPath, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = OFF');
      // The first write takes the exclusive lock, which EXCLUSIVE mode then keeps until close.
      db.pragma(`user_version = ${process.pid}`);
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw inUse(path, ownerOf(lockPath));
      throw err;
    }
    return new DatabaseFileLock(lockPath, db);
  }

  /** Gives the lock up (at the end of `stop`); the file stays, harmless. */
  release(): void {
    this.db?.close();
    this.db = null;
  }
}

function ownerOf(lockPath: string): number | null {
  try {
    const fd = openSync(lockPath, 'r');
    try {
      const header = Buffer.alloc(4);
      if (readSync(fd, header, 0, 4, USER_VERSION_OFFSET) !== 4) return null;
      return header.readInt32BE(0) || null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

function inUse(path: string, pid: number | null): PayhookError {
  return new PayhookError(
    'database_in_use',
    `the SQLite database ${path} is in use by another payhook process${pid ? ` (pid ${pid})` : ''}: one process owns an embedded database. Stop that process first, or use PostgreSQL to run several.`,
    { path, pid },
  );
}
