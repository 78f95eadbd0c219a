/** Small PostgreSQL helpers for the PostgreSQL baselines: reachability and dropping a run's schema. */
import pg from 'pg';

export async function postgresUnavailable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `no PostgreSQL at ${url} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs statements on a short-lived connection (schema set-up and clean-up). */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`unsafe schema name ${schema}`);
  await withClient(url, (client) => client.query(`drop schema if exists ${schema} cascade`));
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
