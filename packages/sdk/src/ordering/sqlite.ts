/**
 * A SQLite sequence store over a database handle the caller owns (better-sqlite3 or `node:sqlite`).
 * Put it in the same database as your orders so the two are backed up and restored together.
 */
import { checkTableName, type SqliteDatabaseLike } from '../sqlite.js';
import type { SequenceStore } from './index.js';

/**
 * Options of `sqliteSequenceStore`.
 *
 * @example
 * sqliteSequenceStore(db, { table: 'order_sequences' });
 */
export interface SqliteSequenceStoreOptions {
  /** Table to use (created if absent). Default `payhook_sequences`. */
  table?: string;
}

/**
 * Creates (if needed) the table and returns a sequence store on it. `advance` is one upsert that only
 * ever raises the stored value, so the record can never go backwards, whatever the interleaving.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const ordering = createOrdering({ store: sqliteSequenceStore(new Database('shop.db')) });
 */
export function sqliteSequenceStore(db: SqliteDatabaseLike, options: SqliteSequenceStoreOptions = {}): SequenceStore {
  const t = checkTableName(options.table ?? 'payhook_sequences');
  db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
    key TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  )`);
  const getStmt = db.prepare(`SELECT sequence FROM ${t} WHERE key = ?`);
  const advanceStmt = db.prepare(`INSERT INTO ${t} (key, sequence, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET sequence = excluded.sequence, updated_at = excluded.updated_at
    WHERE excluded.sequence > ${t}.sequence`);
  return {
    get(key) {
      const row = getStmt.get(key) as { sequence: number | bigint } | undefined;
      return row === undefined ? undefined : Number(row.sequence);
    },
    advance(key, sequence) {
      return Number(advanceStmt.run(key, sequence, Date.now()).changes) === 1;
    },
  };
}
