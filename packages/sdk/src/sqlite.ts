/**
 * The slice of a SQLite driver the SQLite stores use, so the SDK needs no driver of its own: a
 * better-sqlite3 `Database` fits, and so does Node 22's `node:sqlite` `DatabaseSync`. Both are
 * synchronous, which is what makes each store operation a single atomic statement with no await
 * between a read and the write that depends on it.
 */

/**
 * A prepared statement as better-sqlite3 (and `node:sqlite`) expose it.
 *
 * @example
 * const stmt: SqliteStatementLike = db.prepare('SELECT 1 AS one');
 */
export interface SqliteStatementLike {
  run(...params: any[]): { changes: number | bigint };
  get(...params: any[]): unknown;
}

/**
 * A SQLite database handle: a better-sqlite3 `Database` or a `node:sqlite` `DatabaseSync`.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const db: SqliteDatabaseLike = new Database('webhooks.db');
 */
export interface SqliteDatabaseLike {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatementLike;
}

/** Table names are spliced into SQL, so only plain identifiers are allowed. */
export function checkTableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new TypeError(`invalid table name ${JSON.stringify(name)}`);
  return name;
}
