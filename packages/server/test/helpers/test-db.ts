/**
 * For tests: PostgreSQL stores in throwaway schemas (`t_<random>`) on the local server, dropped when
 * the test file ends, so test files can run in parallel on one database without seeing each other.
 * `PAYHOOK_TEST_DATABASE_URL` overrides the server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/store.js';

// Tests do not need their commits on disk before the reply (the server is not crashed under them), and
// on a loaded CI disk a flushed commit costs 5-10 ms: `synchronous_commit=off` for test sessions only.
export const TEST_DATABASE_URL = process.env.PAYHOOK_TEST_DATABASE_URL
  || 'postgres://postgres@127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff';

/** Every table the migrations make, emptied between tests that share a schema. */
const TABLES = [
  'payment_events', 'payment_refusals', 'bank_notifications', 'paybacks', 'transactions', 'orders',
  'attempts', 'deliveries', 'events', 'endpoint_secrets', 'endpoints', 'api_keys', 'merchants', 'settings',
];

export function randomSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export class TestSchemas {
  private readonly made = new Set<string>();

  /** A store on a new schema (or on `schema`, to put several stores on one). */
  store(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
    const schema = options.schema ?? randomSchema();
    this.made.add(schema);
    return new PostgresStore({ connectionString: TEST_DATABASE_URL, onError: () => {}, applicationName: `payhook-${schema}`, ...options, schema });
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
      await this.adminClient.query(TABLES.map((t) => `DELETE FROM "${this.shared}".${t}`).join('; '));
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
export async function admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
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
    [`${applicationNamePrefix.replace(/[%_\\]/g, '\\$&')}%`]);
  return rows.filter((r) => r.ok).length;
}
