/**
 * What WAL checkpoints cost the main thread on SQLite (docs/performance.md, "Checkpoints in a thread of
 * their own"): single-event appends (one merchant, one endpoint: an event and its delivery a commit) at
 * a steady 2,000 a second, each timed from call to return (better-sqlite3 is synchronous, so that is the
 * event loop's time), with SQLite's automatic checkpoints inside the commits and with the checkpointer
 * thread, alternated in fresh files. Also the main thread's CPU (process.cpuUsage less the thread's is
 * not separable, so the whole process's is shown beside the per-append times).
 *
 *   node --conditions=development --import tsx bench/micro/checkpoints.ts [--appends 20000] [--rounds 2]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../packages/server/src/store/sqlite/store.js';
import { newEndpoint, newEvent, newMerchant } from '../../packages/server/test/suites/store-contract/fixtures.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const appends = arg('--appends', 20_000);
const rounds = arg('--rounds', 2);
const PER_TICK = 10; // 10 appends, then a 5 ms timer: 2,000 a second, with the event loop turning between

const pct = (sorted: Float64Array, p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

async function run(thread: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-checkpoints-'));
  const path = join(dir, 'db.sqlite');
  const store = new SqliteStore({ path, checkpointThread: thread });
  try {
    await store.migrate();
    const m = await newMerchant(store);
    await newEndpoint(store, m);
    const times = new Float64Array(appends);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < appends; i++) {
      const t0 = performance.now();
      await store.appendEvents([newEvent(m, 'order.success', Date.now())]);
      times[i] = (performance.now() - t0) * 1000;
      if (i % PER_TICK === PER_TICK - 1) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const wal = statSync(`${path}-wal`).size;
    const sorted = times.sort();
    const mean = sorted.reduce((a, b) => a + b, 0) / appends;
    return (
      `${thread ? 'thread ' : 'inline '} append µs: mean ${mean.toFixed(0)}, p50 ${pct(sorted, 50).toFixed(0)}, ` +
      `p99 ${pct(sorted, 99).toFixed(0)}, p99.9 ${pct(sorted, 99.9).toFixed(0)}, max ${pct(sorted, 100).toFixed(0)}; ` +
      `process CPU ${((used.user + used.system) / 1000 / seconds / 10).toFixed(0)} %; WAL ${(wal / 2 ** 20).toFixed(1)} MiB`
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let r = 0; r < rounds; r++) for (const thread of [false, true]) console.log(await run(thread));
