/**
 * What moving one endpoint's waiting deliveries costs SQLite's thread (docs/performance.md, "An
 * endpoint's backlog moved in steps"): `N` (default 200,000) deliveries waiting for one endpoint, their
 * rows among another endpoint's, moved by each move of endpoint-moves.ts (the last, a deleted endpoint's
 * cancel), once as one statement (the
 * same SQL with no limit, as before the steps) and once in steps. For each: the rows, the time in all,
 * and the longest the thread was held at once (the largest gap between
 * turns of a 1 ms timer: what an API request arriving meanwhile waits). Each move starts from the whole backlog due.
 *
 *   node --conditions=development --import tsx bench/micro/endpoint-moves.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointMove } from '../../packages/server/src/store/sqlite/endpoint-moves.js';
import { SQL } from '../../packages/server/src/store/sqlite/core.js';
import { SqliteStore } from '../../packages/server/src/store/sqlite/store.js';
import { newEndpoint, newEvent, newMerchant } from '../../packages/server/test/suites/store-contract/fixtures.js';

const PENDING = Number(process.env.N ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'payhook-moves-'));
const store = new SqliteStore({ path: join(dir, 'moves.db'), checkpointThread: true });
await store.migrate();
const merchantId = await newMerchant(store);
const endpoints = [(await newEndpoint(store, merchantId)).id, (await newEndpoint(store, merchantId)).id];
const t0 = Date.now() - 600_000;
for (let b = 0; b < PENDING / 1000; b++)
  await store.appendEvents(Array.from({ length: 1000 }, () => newEvent(merchantId, 'order.success', t0 + b)));
const [down] = endpoints;
const allDue = store.db.prepare(
  `UPDATE deliveries SET status = 'pending', next_attempt_at = ${t0}, updated_at = ${t0} WHERE endpoint_id = ?`,
);

const now = Date.now();
const moves: Array<[string, EndpointMove, Record<string, number>]> = [
  [
    'pace',
    { kind: 'pace', now, stepMs: 5_000, perStep: 1, steps: 6 },
    { now, step_ms: 5_000, per_step: 1, steps: 6, offset: 0 },
  ],
  ['hold', { kind: 'hold', until: now + 60_000 }, { until: now + 60_000 }],
  ['park', { kind: 'park' }, {}],
  ['unpark', { kind: 'unpark', now: now - 1 }, { now: now - 1 }],
  ['release', { kind: 'release', now: now - 1 }, { now: now - 1 }],
  // Last: the deleted endpoint's rows end cancelled (each variant starts from them pending again).
  ['cancel', { kind: 'cancel', now }, { now }],
];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
console.log(`${PENDING} deliveries waiting for one endpoint`);
for (const [name, move, params] of moves) {
  for (const how of ['one statement', 'in steps']) {
    allDue.run(down);
    if (name === 'unpark')
      store.db.prepare('UPDATE deliveries SET next_attempt_at = NULL WHERE endpoint_id = ?').run(down);
    if (name === 'release')
      store.db.prepare(`UPDATE deliveries SET next_attempt_at = ${now + 60_000} WHERE endpoint_id = ?`).run(down);
    // The endpoint in the state each move is asked for (a step after the first checks it).
    store.db
      .prepare(
        'UPDATE endpoints SET disabled = ?, circuit_state = ?, circuit_next_probe_at = ?, deleted_at = ? WHERE id = ?',
      )
      .run(
        name === 'park' ? 1 : 0,
        name === 'hold' ? 'open' : 'closed',
        name === 'hold' ? (params.until as number) : null,
        name === 'cancel' ? now : null,
        down,
      );
    await tick();
    // The longest gap between two turns of a 1 ms timer: how long the thread was held at once.
    let last = performance.now();
    let held = 0;
    const ticker = setInterval(() => {
      const t = performance.now();
      held = Math.max(held, t - last);
      last = t;
    }, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const start = performance.now();
    let rows = 0;
    if (how === 'one statement') {
      const stmt = store.db.prepare(SQL[`endpoint_move_${name}`]);
      rows = (stmt.all({ endpoint_id: down, after: '', limit: -1, ...params }) as unknown[]).length;
    } else {
      store.db.transaction(() => store.moves.start(down, move)).immediate();
      while (store.moves.busy) await tick();
    }
    const ms = performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 5));
    clearInterval(ticker);
    if (how === 'in steps') {
      // Rows where the move puts them (the pace: anywhere after its now).
      const where =
        name === 'cancel'
          ? `status = 'cancelled'`
          : name === 'pace'
            ? `next_attempt_at > ${now}`
            : name === 'hold'
              ? `next_attempt_at = ${now + 60_000}`
              : name === 'park'
                ? 'next_attempt_at IS NULL'
                : `next_attempt_at = ${now - 1}`;
      rows = (
        store.db.prepare(`SELECT count(*) AS n FROM deliveries WHERE endpoint_id = ? AND ${where}`).get(down) as {
          n: number;
        }
      ).n;
    }
    console.log(
      `${name.padEnd(8)} ${how.padEnd(14)} ${String(rows).padStart(7)} rows  ${ms.toFixed(0).padStart(6)} ms in all, the thread held at most ${held.toFixed(1)} ms at once`,
    );
  }
}
await store.close();
rmSync(dir, { recursive: true, force: true });
