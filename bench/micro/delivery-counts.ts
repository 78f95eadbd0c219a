/**
 * `Store.countDeliveriesSince` (the dashboard's 1 h and 24 h windows, GET /v1/deliveries/counts)
 * against `countDeliveries` (the merchant's whole history) on SQLite: one merchant's deliveries spread
 * over 10 days, CPU time per call (process.cpuUsage, median of 15, the three alternated), and the
 * query plan. Figures in docs/performance.md.
 *
 *   node --conditions=development --import tsx bench/micro/delivery-counts.ts   (N=200000 by default)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../packages/server/src/store/sqlite/store.js';
import { newEndpoint, newEvent, newMerchant } from '../../packages/server/test/suites/store-contract/fixtures.js';

const N = Number(process.env.N ?? 200_000);
const DAYS = 10;
const dir = mkdtempSync(join(tmpdir(), 'counts-'));
const store = new SqliteStore({ path: join(dir, 'db.sqlite') });
await store.migrate();
const m = await newMerchant(store);
await newEndpoint(store, m);
const now = Date.now();
const step = (DAYS * 86_400_000) / N;
for (let i = 0; i < N; i += 1000) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 1000); j++)
    batch.push(newEvent(m, 'order.success', Math.floor(now - DAYS * 86_400_000 + j * step)));
  await store.appendEvents(batch);
}
const cpu = (f: () => Promise<unknown>) => async () => {
  const s = process.cpuUsage();
  await f();
  const d = process.cpuUsage(s);
  return (d.user + d.system) / 1000;
};
const runs = {
  all: cpu(() => store.countDeliveries(m)),
  day: cpu(() => store.countDeliveriesSince(m, now - 86_400_000)),
  hour: cpu(() => store.countDeliveriesSince(m, now - 3_600_000)),
};
const out: Record<string, number[]> = { all: [], day: [], hour: [] };
for (let r = 0; r < 15; r++) for (const k of Object.keys(runs) as (keyof typeof runs)[]) out[k].push(await runs[k]());
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
console.log(
  JSON.stringify({
    N,
    days: DAYS,
    counts: {
      all: await store.countDeliveries(m),
      day: await store.countDeliveriesSince(m, now - 86_400_000),
      hour: await store.countDeliveriesSince(m, now - 3_600_000),
    },
    medianCpuMs: { all: med(out.all), day: med(out.day), hour: med(out.hour) },
  }),
);
console.log(
  store.db
    .prepare(
      'EXPLAIN QUERY PLAN SELECT status, count(*) AS n FROM deliveries WHERE merchant_id = ? AND id >= ? GROUP BY status',
    )
    .all(m, 'del_0')
    .map((r) => (r as { detail: string }).detail)
    .join(' | '),
);
await store.close();
