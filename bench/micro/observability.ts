/**
 * What observability costs per delivery, measured alone (docs/performance.md, "Observability"):
 *
 *   metrics    the per-attempt recording: the hand-made counters payhook had before prom-client (their
 *              logic, copied here as the baseline) against `Metrics.attempt` on prom-client, and the
 *              per-event `eventAccepted`
 *   traceparent  the header each webhook carries when tracing is off
 *   spans      one attempt span on the OpenTelemetry SDK (tracing on), exported to a local sink
 *   queue      `Store.queueStats` (the /metrics queue gauges) at 100,000 and 1,000,000 pending
 *              deliveries, on SQLite and, when the local server answers, PostgreSQL
 *
 *   node --conditions=development --import tsx bench/micro/observability.ts [--queue]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../../packages/server/src/ids.js';
import { Metrics } from '../../packages/server/src/metrics.js';
import { SqliteStore } from '../../packages/server/src/store/sqlite/store.js';
import { PostgresStore } from '../../packages/server/src/store/postgres/store.js';
import type { ErrorClass, Store } from '../../packages/server/src/store/types.js';
import { attemptTraceparent } from '../../packages/server/src/tracing/traceparent.js';
import { startTracing } from '../../packages/server/src/tracing/tracing.js';
import { decodeMasterKey, Keyring } from '../../packages/server/src/secrets/keyring.js';
import { DEFAULT_POSTGRES_URL } from '../lib/postgres.js';

const N = 1_000_000;

function measure(name: string, fn: (i: number) => void, n = N): void {
  for (let i = 0; i < n / 10; i++) fn(i);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t) / n);
  }
  runs.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(58)} median ${runs[2].toFixed(0).padStart(6)} ns  min ${runs[0].toFixed(0).padStart(6)} ns`,
  );
}

const CLASSES: (ErrorClass | null)[] = [null, null, null, null, null, null, null, 'timeout', 'http_status', 'refused'];
const OUTCOMES = ['succeeded', 'retry', 'failed'] as const;

function metrics(): void {
  // The recorder payhook had before (src/metrics.ts until this change): a Map per class, a bucket scan.
  const BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
  const byClass = new Map<string, number>();
  const latency = new Array<number>(BUCKETS.length + 1).fill(0);
  const counters = { succeeded: 0, failed: 0, retried: 0 };
  let sum = 0;
  let count = 0;
  measure('metrics: hand-made attempt (before)', (i) => {
    const k = CLASSES[i % 10] ?? 'ok';
    byClass.set(k, (byClass.get(k) ?? 0) + 1);
    const ms = i % 300;
    let b = 0;
    while (b < BUCKETS.length && ms > BUCKETS[b]) b++;
    latency[b]++;
    sum += ms;
    count++;
    const o = OUTCOMES[i % 3];
    if (o === 'succeeded') counters.succeeded++;
    else if (o === 'failed') counters.failed++;
    else counters.retried++;
  });
  const m = new Metrics();
  measure('metrics: prom-client Metrics.attempt (after)', (i) => m.attempt(OUTCOMES[i % 3], CLASSES[i % 10], i % 300));
  measure('metrics: prom-client Metrics.eventAccepted', () => m.eventAccepted());
  if (count < 0 || sum < 0) console.log(latency);
}

async function tracing(): Promise<void> {
  const ids = Array.from({ length: 1024 }, () => newId('evt'));
  const stored = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  measure('traceparent: made from the event id (tracing off)', (i) => attemptTraceparent(ids[i & 1023], null));
  measure('traceparent: from the stored context (tracing off)', (i) => attemptTraceparent(ids[i & 1023], stored));
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const t = await startTracing({ url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces` }, 'bench');
  measure(
    'spans: one attempt span, 7 attributes (tracing on)',
    () => {
      const s = t.start('payhook.attempt', 'client', stored);
      s.setAttributes({ a: 'del_x', b: 'evt_x', c: 'ep_x', d: 'mer_x', e: 1, f: 'POST', g: 200 });
      s.end();
    },
    100_000,
  );
  await t.shutdown();
  sink.close();
}

/** `pending` pending deliveries (a third due now, the rest within the next two hours) and as many finished ones. */
async function queue(): Promise<void> {
  for (const pending of [100_000, 1_000_000]) {
    const dir = mkdtempSync(join(tmpdir(), 'payhook-queue-'));
    const path = join(dir, 'q.db');
    const s = new SqliteStore({ path });
    await s.migrate();
    await s.close();
    const db = new Database(path);
    const now = Date.now();
    db.exec(`INSERT INTO merchants (id, name, created_at) VALUES ('mer_1', 'm', ${now});
             INSERT INTO endpoints (id, merchant_id, url, description, event_types, disabled, headers, format, created_at, updated_at)
             VALUES ('ep_1', 'mer_1', 'https://r.test', '', NULL, 0, '{}', 'standard', ${now}, ${now});`);
    const ins = db.prepare(
      `INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, 'evt_1', 'ep_1', 'mer_1', 'shop.x', ?, 0, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 2 * pending; i++) {
        const open = i >= pending;
        const t = now - (2 * pending - i) * 10;
        ins.run(newId('del', t), open ? 'pending' : 'succeeded', open ? t + (i % 3) * 3_600_000 : null, t, t);
      }
    })();
    db.exec('ANALYZE');
    db.close();
    await time(`queueStats, SQLite, ${pending.toLocaleString('en')} pending`, new SqliteStore({ path }));
    rmSync(dir, { recursive: true, force: true });
    await postgres(pending, now);
  }
}

async function postgres(pending: number, now: number): Promise<void> {
  const schema = `bench_q_${process.pid}`;
  const client = new pg.Client({ connectionString: DEFAULT_POSTGRES_URL });
  try {
    await client.connect();
  } catch {
    console.log('PostgreSQL: not reachable, skipped');
    return;
  }
  const key = new Keyring(decodeMasterKey(Buffer.alloc(32, 1).toString('base64')));
  const store = new PostgresStore({ connectionString: DEFAULT_POSTGRES_URL, schema, keyring: key, onError: () => {} });
  try {
    await store.migrate();
    await client.query(`SET search_path TO ${schema}`);
    await client.query(`INSERT INTO merchants (id, name, created_at) VALUES ('mer_1', 'm', $1)`, [now]);
    await client.query(
      `INSERT INTO endpoints (id, merchant_id, url, description, event_types, disabled, headers, format, created_at, updated_at)
       VALUES ('ep_1', 'mer_1', 'https://r.test', '', NULL, false, '{}', 'standard', $1, $1)`,
      [now],
    );
    await client.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
       SELECT 'del_' || lpad(i::text, 26, '0'), 'evt_1', 'ep_1', 'mer_1', 'shop.x',
              CASE WHEN i >= n THEN 'pending' ELSE 'succeeded' END, 0,
              CASE WHEN i >= n THEN t - (2 * n - i) * 10 + (i % 3) * 3600000 END,
              t - (2 * n - i) * 10, t - (2 * n - i) * 10
       FROM (SELECT $1::bigint AS n, $2::bigint AS t) p, generate_series(0, 2 * $1::bigint - 1) AS i`,
      [pending, now],
    );
    await client.query('VACUUM ANALYZE deliveries');
    await time(`queueStats, PostgreSQL, ${pending.toLocaleString('en')} pending`, store, false);
  } finally {
    await store.close();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

async function time(name: string, store: Store, close = true): Promise<void> {
  const runs: number[] = [];
  let stats = await store.queueStats();
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    stats = await store.queueStats();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} median ${runs[2].toFixed(1)} ms  (${JSON.stringify(stats)})`);
  if (close) await store.close();
}

metrics();
await tracing();
if (process.argv.includes('--queue')) await queue();
