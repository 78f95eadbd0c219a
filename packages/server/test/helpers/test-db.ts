/**
 * For tests: PostgreSQL stores in throwaway schemas (`t_<random>`) on the local server, dropped when
 * the test file ends, so test files can run in parallel on one database without seeing each other.
 * `PAYHOOK_TEST_DATABASE_URL` overrides the server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { decodeMasterKey, Keyring } from '../../src/secrets/keyring.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/store.js';

// Tests do not need their commits on disk before the reply (the server is not crashed under them), and
// on a loaded CI disk a flushed commit costs 5-10 ms: `synchronous_commit=off` for test sessions only.
export const TEST_DATABASE_URL =
  process.env.PAYHOOK_TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff';

/**
 * The schema's tables (but `schema_migrations`), each after every table that references it, so that
 * deleting in this order never breaks a foreign key. Read from the catalog, so the tables of modules
 * (payments) are emptied too without this file knowing them.
 */
async function tablesInDeleteOrder(client: pg.Client, schema: string): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations' ORDER BY tablename",
      [schema],
    )
  ).rows.map((r) => r.name);
  const refs = (
    await client.query<{ child: string; parent: string }>(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
     JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = $1`,
      [schema],
    )
  ).rows;
  const bare = (qualified: string) => qualified.replace(/^.*\./, '').replace(/"/g, '');
  const out: string[] = [];
  const visit = (t: string, path: Set<string>) => {
    if (out.includes(t) || path.has(t)) return;
    path.add(t);
    for (const r of refs) if (bare(r.parent) === t && bare(r.child) !== t) visit(bare(r.child), path);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

/**
 * The master key PostgreSQL test stores and test processes seal secrets under (PostgreSQL has no key
 * file default). For tests only: a fixed, known key.
 */
export const TEST_MASTER_KEY = Buffer.alloc(32, 'payhook-test-master-key').toString('base64');

export function testKeyring(): Keyring {
  return new Keyring(decodeMasterKey(TEST_MASTER_KEY));
}

export function randomSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export class TestSchemas {
  private readonly made = new Set<string>();

  /** A store on a new schema (or on `schema`, to put several stores on one). */
  store(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
    const schema = options.schema ?? randomSchema();
    this.made.add(schema);
    return new PostgresStore({
      connectionString: TEST_DATABASE_URL,
      onError: () => {},
      applicationName: `payhook-${schema}`,
      keyring: testKeyring(),
      ...options,
      schema,
    });
  }

  /**
   * A store on this object's one shared schema, emptied first: far cheaper than migrating a new schema
   * for every test (~300 ms on a busy machine), for tests that run one after another.
   */
  async reused(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
    return this.store({ ...options, schema: await this.emptyShared() });
  }

  /** Empties this object's shared schema (when it exists yet) and returns its name. */
  async emptyShared(): Promise<string> {
    this.shared ??= randomSchema();
    this.made.add(this.shared);
    if (!this.adminClient) {
      this.adminClient = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await this.adminClient.connect();
    }
    const exists = await this.adminClient.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.shared]);
    if (exists.rowCount) {
      // DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files cost ~0.7 s here.
      const tables = await tablesInDeleteOrder(this.adminClient, this.shared);
      await this.adminClient.query(tables.map((t) => `DELETE FROM "${this.shared}"."${t}"`).join('; '));
    }
    return this.shared;
  }

  private shared: string | undefined;
  private adminClient: pg.Client | undefined;

  /** Drops every schema made here. */
  async dropAll(): Promise<void> {
    await this.adminClient?.end();
    this.adminClient = undefined;
    if (this.made.size === 0) return;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      for (const s of this.made) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      this.made.clear();
    } finally {
      await client.end();
    }
  }
}

/** Runs `sql` on a connection of its own (for tests that reach behind the store). */
export async function admin<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Kills every session of a store (`pg_terminate_backend`), as a server restart or a network cut
 * would, without touching anyone else's: they are found by the application name test stores carry.
 * Returns how many were killed.
 */
export async function terminateSessions(applicationNamePrefix: string): Promise<number> {
  const rows = await admin<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name LIKE $1 AND pid <> pg_backend_pid()',
    [`${applicationNamePrefix.replace(/[%_\\]/g, '\\$&')}%`],
  );
  return rows.filter((r) => r.ok).length;
}
