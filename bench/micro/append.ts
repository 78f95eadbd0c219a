/**
 * What one append costs on PostgreSQL (docs/performance.md, "The append in one round trip"): the round
 * trips it sends (queries on the pool's connections, counted in the client) and its time from call to
 * committed, for single events one after another and for batches (the group commit's shape), on a
 * merchant with two endpoints, and the server's own time an append (the append function's total time in
 * `pg_stat_user_functions`, with `track_functions = pl` on the store's connections: what PostgreSQL spent,
 * without the round trip, the client or the commit's flush). Run it from two checkouts alternately to
 * compare them.
 *
 *   node --conditions=development --import tsx bench/micro/append.ts [--appends 500] [--batch 50]
 */
import { randomBytes } from 'node:crypto';

import { buildEnvelope } from '../../packages/server/src/store/envelope.js';
import { newId, type MerchantId } from '../../packages/server/src/ids.js';
import { decodeMasterKey, Keyring } from '../../packages/server/src/secrets/keyring.js';
import { PostgresStore } from '../../packages/server/src/store/postgres/store.js';
import type { NewEvent } from '../../packages/server/src/store/types.js';
import { DEFAULT_POSTGRES_URL } from '../lib/postgres.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const appends = arg('--appends', 500);
const batch = arg('--batch', 50);
const base = process.env.PAYHOOK_BENCH_DATABASE_URL ?? DEFAULT_POSTGRES_URL;
const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c track_functions=pl')}`;

function event(merchantId: MerchantId, key: string | null): NewEvent {
  const at = Date.now();
  const id = newId('evt', at);
  const data = JSON.stringify({ amount: '10.00' });
  return {
    id,
    merchantId,
    type: 'order.success',
    data,
    body: buildEnvelope(id, 'order.success', at, data, false),
    idempotencyKey: key,
    createdAt: at,
    orderingKey: null,
  };
}

/**
 * The append function's calls and total time (ms) in the schema so far. A backend reports its function
 * statistics when idle, at most once a second: wait that long after the last call before reading.
 */
async function serverTime(store: PostgresStore, schema: string): Promise<{ calls: number; ms: number }> {
  await new Promise((r) => setTimeout(r, 1_500));
  await store.db.pool.query('SELECT 1');
  await new Promise((r) => setTimeout(r, 1_500));
  const { rows } = await store.db.pool.query<{ calls: string; total_time: number }>(
    "SELECT calls, total_time FROM pg_stat_user_functions WHERE schemaname = $1 AND funcname = 'append_events'",
    [schema],
  );
  return { calls: Number(rows[0]?.calls ?? 0), ms: rows[0]?.total_time ?? 0 };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1];

async function main(): Promise<void> {
  const keyring = new Keyring(decodeMasterKey(randomBytes(32).toString('base64')));
  const schema = `bench_append_${randomBytes(4).toString('hex')}`;
  const store = new PostgresStore({ connectionString: url, schema, keyring, onError: () => {} });
  let queries = 0;
  let trailing = 0;
  // After the pool's own listener (its SET search_path is not counted): every query is a round trip.
  // The trailing NOTIFY (wakeups.ts: at most one a window, from a timer) is counted apart: it is not on
  // an append's path.
  store.db.pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      const text = typeof a[0] === 'string' ? a[0] : (a[0] as { text?: string }).text;
      if (/^SELECT pg_notify\(\$1, ''\);?$/.test(text?.trim() ?? '')) trailing++;
      else queries++;
      return query(...a);
    };
  });
  try {
    await store.migrate();
    const at = Date.now();
    const merchantId = newId('mer', at);
    await store.createMerchant(
      { id: merchantId, name: 'Bench', createdAt: at },
      { id: newId('key', at), hash: randomBytes(32).toString('hex'), prefix: 'sk_test' },
    );
    for (let i = 0; i < 2; i++)
      await store.createEndpoint({
        id: newId('ep', at),
        merchantId,
        url: 'https://receiver.test/hooks',
        description: '',
        eventTypes: null,
        disabled: false,
        headers: {},
        format: 'standard',
        timeoutMs: null,
        secret: `whsec_${randomBytes(32).toString('base64')}`,
        now: at,
      });
    await store.appendEvents([event(merchantId, null)]);
    await serverTime(store, schema); // the function's statistics exist from here on
    for (const [label, size, keyed] of [
      ['single, no key', 1, false],
      ['single, idempotency key', 1, true],
      [`batch of ${batch}, keys`, batch, true],
    ] as const) {
      const runs = size === 1 ? appends : Math.max(10, Math.floor(appends / 10));
      for (let i = 0; i < 20; i++) await store.appendEvents([event(merchantId, null)]); // warm plans and pool
      const server0 = await serverTime(store, schema);
      const times: number[] = [];
      const q0 = queries;
      const n0 = trailing;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < runs; i++) {
        const events = Array.from({ length: size }, () =>
          event(merchantId, keyed ? randomBytes(8).toString('hex') : null),
        );
        const t0 = performance.now();
        await store.appendEvents(events);
        times.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      const server1 = await serverTime(store, schema);
      const serverUs = ((server1.ms - server0.ms) * 1000) / Math.max(1, server1.calls - server0.calls);
      process.stdout.write(
        `${label}: ${runs} appends, ${((queries - q0) / runs).toFixed(2)} round trips each (and ${trailing - n0} trailing NOTIFYs), ` +
          `p50 ${pct(times, 50).toFixed(2)} ms, p90 ${pct(times, 90).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, ` +
          `client CPU ${((cpu.user + cpu.system) / runs).toFixed(0)} µs an append, ` +
          `server ${serverUs.toFixed(0)} µs an append (${server1.calls - server0.calls} calls)\n`,
      );
    }
    // A replayed key: the stored event is looked up (one more statement, only then).
    const replay = event(merchantId, 'replayed');
    await store.appendEvents([replay]);
    const q0 = queries;
    await store.appendEvents([{ ...replay, id: newId('evt', Date.now()) }]);
    process.stdout.write(`a replayed idempotency key: ${queries - q0} round trips\n`);
  } finally {
    await store.db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await store.close();
  }
}

await main();
