/**
 * A SQLite idempotency store over a database handle the caller owns (better-sqlite3 or `node:sqlite`),
 * so the SDK ships no driver. Several processes may share one database file: each operation is one
 * statement, and SQLite serialises writers, so two processes can never both claim an id.
 */
import type { ClaimState, IdempotencyStore } from './index.js';
import { checkTableName, type SqliteDatabaseLike } from '../sqlite.js';

/**
 * Options of `sqliteIdempotencyStore`.
 *
 * @example
 * sqliteIdempotencyStore(db, { table: 'webhook_ids' });
 */
export interface SqliteIdempotencyStoreOptions {
  /** Table to use (created if absent). Default `payhook_idempotency`. */
  table?: string;
}

/**
 * Creates (if needed) the table and returns a store on it. `prune(now)` deletes expired rows; it also
 * runs by itself every 1,000 claims.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const db = new Database('shop.db');
 * db.pragma('journal_mode = WAL');
 * const idempotency = createIdempotency({ store: sqliteIdempotencyStore(db) });
 */
export function sqliteIdempotencyStore(
  db: SqliteDatabaseLike,
  options: SqliteIdempotencyStoreOptions = {},
): IdempotencyStore & { prune(now?: number): number } {
  const t = checkTableName(options.table ?? 'payhook_idempotency');
  db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    token TEXT,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS ${t}_expires_at ON ${t} (expires_at);`);
  // One statement claims: insert, or take over a row whose lease or TTL has run out. SQLite runs it
  // atomically, so of two concurrent claims (even in two processes) exactly one changes a row.
  const claimStmt = db.prepare(`INSERT INTO ${t} (id, state, token, expires_at) VALUES (?, 'in_flight', ?, ?)
    ON CONFLICT (id) DO UPDATE SET state = 'in_flight', token = excluded.token, expires_at = excluded.expires_at
    WHERE ${t}.expires_at <= ?`);
  const stateStmt = db.prepare(`SELECT state FROM ${t} WHERE id = ? AND expires_at > ?`);
  const completeStmt = db.prepare(
    `UPDATE ${t} SET state = 'done', token = NULL, expires_at = ? WHERE id = ? AND token = ? AND state = 'in_flight'`,
  );
  const releaseStmt = db.prepare(`DELETE FROM ${t} WHERE id = ? AND token = ? AND state = 'in_flight'`);
  const pruneStmt = db.prepare(`DELETE FROM ${t} WHERE expires_at <= ?`);
  let claims = 0;

  const prune = (now = Date.now()): number => Number(pruneStmt.run(now).changes);

  return {
    prune,
    claim(id: string, token: string, leaseUntil: number, now: number): ClaimState {
      if (++claims % 1000 === 0) prune(now);
      // The loop covers a row released or expired between the two statements: then claim again.
      for (let i = 0; i < 3; i++) {
        if (Number(claimStmt.run(id, token, leaseUntil, now).changes) === 1) return 'claimed';
        const row = stateStmt.get(id, now) as { state: 'in_flight' | 'done' } | undefined;
        if (row) return row.state;
      }
      return 'in_flight';
    },
    complete(id: string, token: string, expiresAt: number): boolean {
      return Number(completeStmt.run(expiresAt, id, token).changes) === 1;
    },
    release(id: string, token: string): void {
      releaseStmt.run(id, token);
    },
  };
}
