/**
 * Applies the numbered migrations of `migrations/` (and those of the modules the store was handed, see
 * module-port.ts) to a schema, safely from several processes at once.
 *
 * Every process that starts runs this. All of it happens in one transaction that first takes a
 * transaction-scoped advisory lock on the schema's name: the first process creates the schema and
 * applies what is missing while the others wait on the lock, then find nothing left to do. The lock
 * is released by COMMIT or by the connection dying, so a process killed mid-migration leaves no lock
 * behind, and PostgreSQL's transactional DDL leaves no half-applied migration either. (A transaction
 * lock rather than a session one also works through pgbouncer in transaction mode.)
 */
import type pg from 'pg';
import type { Migration } from '../module-port.js';
import { loadMigrations } from '../sql-files.js';
import { LOCK_SPACE, lockKey, quoteIdent } from './db.js';

/** The core's migrations; `PostgresStore.migrate` adds the modules' in version order. */
export const CORE_MIGRATIONS: readonly Migration[] = loadMigrations(new URL('./migrations/', import.meta.url));

/** The oldest PostgreSQL payhook runs on: 13 brought gen_random_uuid() into core. */
export const MIN_SERVER_VERSION = 130000;

export class UnsupportedServerError extends Error {
  constructor(version: string) {
    super(
      `payhook needs PostgreSQL 13 or newer; this server is ${version}. Upgrade PostgreSQL, or use the embedded SQLite store.`,
    );
    this.name = 'UnsupportedServerError';
  }
}

/** Throws `UnsupportedServerError` for a server older than `MIN_SERVER_VERSION`. */
export async function checkServerVersion(client: pg.PoolClient | pg.Client): Promise<number> {
  const { rows } = await client.query<{ num: string; version: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  );
  const num = Number(rows[0].num);
  if (!(num >= MIN_SERVER_VERSION)) throw new UnsupportedServerError(rows[0].version);
  return num;
}

export async function migrate(
  pool: pg.Pool,
  schema: string,
  migrations: readonly Migration[] = CORE_MIGRATIONS,
): Promise<{ applied: string[] }> {
  const client = await pool.connect();
  const onError = () => {
    /* reported by the query that fails */
  };
  client.on('error', onError);
  let failed: Error | undefined;
  try {
    await checkServerVersion(client);
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, lockKey(`migrate:${schema}`)]);
    // Checked before creating: CREATE SCHEMA needs the CREATE privilege on the database even with IF
    // NOT EXISTS, and a role given only an existing schema must still be able to start.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    const s = quoteIdent(schema);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`,
    );
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    // The migration files name tables unqualified: they land in the schema first on the search_path.
    await client.query(`SET LOCAL search_path TO ${s}`);
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        Date.now(),
      ]);
      applied.push(m.name);
    }
    await client.query('COMMIT');
    return { applied };
  } catch (err) {
    failed = err as Error;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.off('error', onError);
    // A failed migration's connection is discarded: its session state is not worth trusting.
    client.release(failed);
  }
}

/** The core's migration names, in order. */
export const migrationNames = (): string[] => CORE_MIGRATIONS.map((m) => m.name);
