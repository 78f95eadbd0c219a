/**
 * What retention costs on PostgreSQL (docs/performance.md, "Retention"): 100,000 old events, each with
 * one delivered delivery and one attempt, removed by dropping their day partition against deleting the
 * same rows in batches (`PAYHOOK_PRUNE_BATCH` 1000, no pause), on the local server. Also the WAL each
 * writes, read from pg_current_wal_lsn() before and after.
 *
 *   node --conditions=development --import tsx bench/micro/retention.ts [--events 100000]
 */
import { randomBytes } from 'node:crypto';

import { idFloor } from '../../packages/server/src/ids.js';
import { decodeMasterKey, Keyring } from '../../packages/server/src/secrets/keyring.js';
import { PostgresStore } from '../../packages/server/src/store/postgres/store.js';
import { DEFAULT_POSTGRES_URL } from '../lib/postgres.js';

const DAY = 86_400_000;
const n = Number(process.argv[process.argv.indexOf('--events') + 1]) || 100_000;
const url = process.env.PAYHOOK_BENCH_DATABASE_URL ?? DEFAULT_POSTGRES_URL;

async function fill(store: PostgresStore, day: number, intoDefault: boolean): Promise<void> {
  const s = `"${store.schema}"`;
  if (intoDefault) {
    // The same rows with no day partition of their own: where the row-wise prune has to work.
    await store.db.pool.query(
      `DROP TABLE IF EXISTS ${s}.attempts_p${dayName(day)}, ${s}.deliveries_p${dayName(day)}, ${s}.events_p${dayName(day)}`,
    );
  } else {
    await store.preparePartitions(day, day + 1);
  }
  // Ids as ids.ts makes them: the day's time prefix, then a unique tail (row number, zero-padded).
  const evt = idFloor('evt', day + DAY / 2).slice(0, 14);
  const del = idFloor('del', day + DAY / 2).slice(0, 14);
  await store.db.pool.query(
    `INSERT INTO ${s}.events (id, merchant_id, type, body, idempotency_key, created_at)
     SELECT $1 || lpad(g::text, 16, '0'), 'mer_bench', 'order.success', repeat('x', 400), NULL, $2
       FROM generate_series(1, $3) g`,
    [evt, day + DAY / 2, n],
  );
  await store.db.pool.query(
    `INSERT INTO ${s}.deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, created_at, updated_at)
     SELECT $1 || lpad(g::text, 16, '0'), $2 || lpad(g::text, 16, '0'), 'ep_bench', 'mer_bench', 'order.success',
            'succeeded', 1, $3, $3
       FROM generate_series(1, $4) g`,
    [del, evt, day + DAY / 2, n],
  );
  await store.db.pool.query(
    `INSERT INTO ${s}.attempts (id, delivery_id, merchant_id, attempt_no, started_at, duration_ms, status_code, response_body)
     SELECT 'att_' || lpad(g::text, 26, '0'), $1 || lpad(g::text, 16, '0'), 'mer_bench', 1, $2, 10, 200, 'ok'
       FROM generate_series(1, $3) g`,
    [del, day + DAY / 2, n],
  );
  await store.db.pool.query(`VACUUM ANALYZE ${s}.events, ${s}.deliveries, ${s}.attempts`);
}

function dayName(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

async function wal(store: PostgresStore): Promise<string> {
  const { rows } = await store.db.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows[0].lsn;
}

async function walBytes(store: PostgresStore, from: string): Promise<number> {
  const { rows } = await store.db.pool.query<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS b', [
    from,
  ]);
  return Number(rows[0].b);
}

async function main(): Promise<void> {
  const keyring = new Keyring(decodeMasterKey(randomBytes(32).toString('base64')));
  const day = Math.floor((Date.now() - 40 * DAY) / DAY) * DAY;
  const before = Date.now() - 30 * DAY;
  const results: string[] = [];
  for (const how of ['partition drop', 'row delete (batches of 1000)'] as const) {
    const schema = `bench_retention_${randomBytes(4).toString('hex')}`;
    const store = new PostgresStore({ connectionString: url, schema, keyring, onError: () => {} });
    try {
      await store.migrate();
      await fill(store, day, how !== 'partition drop');
      const lsn = await wal(store);
      const t0 = performance.now();
      let removed = 0;
      if (how === 'partition drop') {
        for (const p of await store.dropPartitions(before)) removed += p.events;
      } else {
        for (;;) {
          const r = await store.pruneEvents(before, 1000);
          removed += r.events;
          if (r.events < 1000) break;
        }
      }
      const ms = performance.now() - t0;
      const bytes = await walBytes(store, lsn);
      results.push(
        `${how}: ${removed} events (+ as many deliveries and attempts) in ${ms.toFixed(0)} ms, WAL ${(bytes / 1048576).toFixed(1)} MiB`,
      );
    } finally {
      await store.db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await store.close();
    }
  }
  for (const r of results) process.stdout.write(`${r}\n`);
}

await main();
