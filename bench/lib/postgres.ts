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

/**
 * Flushes what earlier runs left dirty in PostgreSQL (`CHECKPOINT`), so that no run pays for another's
 * writes: without it, a checkpoint forced by the WAL an earlier system wrote (its distance or its
 * timer) could fall inside the next run, and its fsyncs stall that run's commits (a payhook-postgres
 * latency run after the throughput scenario saw p99 900 ms where a run alone saw 39 ms, with the
 * server's log showing a checkpoint ending in the middle of it). A manual checkpoint also restarts
 * both triggers. Best effort: without PostgreSQL, or without the right to checkpoint, runs go on as
 * before.
 */
export async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('checkpoint');
  } catch {
    /* best effort (see above) */
  } finally {
    await client.end().catch(() => {});
  }
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Drops schemas named `<prefix><runId>` left by runs that were killed before they could clean up
 * (runIds start with the run's start time in base 36). Only schemas older than `olderThanMs` go, so a
 * bench running at the same time against the same database keeps its own.
 */
export async function dropStaleSchemas(url: string, prefix: string, olderThanMs = 6 * 3_600_000): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ nspname: string }>(
      'select nspname from pg_namespace where starts_with(nspname, $1)',
      [prefix],
    );
    const dropped: string[] = [];
    for (const { nspname } of rows) {
      const runId = nspname.slice(prefix.length);
      const startedAt = parseInt(runId.slice(0, -6), 36);
      if (!/^[a-z0-9]+$/.test(runId) || !Number.isFinite(startedAt) || Date.now() - startedAt < olderThanMs) continue;
      await client.query(`drop schema if exists ${nspname} cascade`);
      dropped.push(nspname);
    }
    return dropped;
  });
}
