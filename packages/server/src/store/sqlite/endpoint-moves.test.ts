/**
 * Moves of an endpoint's waiting deliveries in bounded steps (endpoint-moves.ts), on a real SQLite file:
 * a backlog larger than a step moves a step a turn of the event loop, the claim skips the endpoint's
 * rows not moved yet, the steps together move what one statement did, and moves started one after
 * another end as the last one asks.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MerchantId } from '../../ids.js';
import { newEndpoint, newEvent, newMerchant, resultFor } from '../../../test/suites/store-contract/fixtures.js';
import type { Endpoint } from '../types.js';
import { MIN_STEP_ROWS, MOVE_STEP, STEP_BUDGET_MS } from './endpoint-moves.js';
import { SqliteStore } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-moves-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const BACKLOG = 2 * MOVE_STEP + MOVE_STEP / 2;
const policy = { failures: 1, cooldownMs: 60_000, cooldownMaxMs: 120_000, disableAfterMs: 86_400_000 };
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Setup {
  store: SqliteStore;
  merchant: MerchantId;
  down: Endpoint;
  other: Endpoint;
  t0: number;
}

/**
 * Makes every step of the store's moves take `ms` by their clock (each step reads it before and after), so
 * the sizes of the steps after the first do not depend on this machine's speed.
 */
function stepsTake(store: SqliteStore, ms: number): void {
  let t = 0;
  store.moves.clock = () => (t += ms);
}

/**
 * A store with BACKLOG due deliveries for `down` (event types `down.*`) and 10 for `other`; each step of
 * its moves takes its budget, so every step moves MOVE_STEP rows.
 */
async function setup(): Promise<Setup> {
  const store = new SqliteStore({ path: join(dir, `m${n++}.db`) });
  stepsTake(store, STEP_BUDGET_MS);
  await store.migrate();
  const merchant = await newMerchant(store);
  const down = await newEndpoint(store, merchant, { eventTypes: ['down.*'] });
  const other = await newEndpoint(store, merchant, { eventTypes: ['up.*'] });
  const t0 = Date.now() - 60_000;
  for (let b = 0; b < BACKLOG; b += 500)
    await store.appendEvents(Array.from({ length: 500 }, (_, i) => newEvent(merchant, 'down.x', t0 + b + i)));
  await store.appendEvents(Array.from({ length: 10 }, (_, i) => newEvent(merchant, 'up.x', t0 + BACKLOG + i)));
  return { store, merchant, down, other, t0 };
}

/** The endpoint's unclaimed pending deliveries by due time (null: parked). */
function dueTimes(store: SqliteStore, endpointId: string): Map<number | null, number> {
  const rows = store.db
    .prepare(
      `SELECT next_attempt_at AS at, count(*) AS n FROM deliveries
       WHERE endpoint_id = ? AND status = 'pending' AND lease_owner IS NULL GROUP BY next_attempt_at`,
    )
    .all(endpointId) as { at: number | null; n: number }[];
  return new Map(rows.map((r) => [r.at, r.n]));
}

async function settled(store: SqliteStore): Promise<void> {
  for (let i = 0; store.moves.busy; i++) {
    assert.ok(i < 1000, 'the moves end');
    await turn();
  }
}

/** Opens `down`'s circuit: one of its deliveries claimed and failed. */
async function openCircuit(s: Setup): Promise<number> {
  const [c] = await s.store.claimDue({ now: Date.now(), limit: 1, leaseMs: 60_000, owner: 'w' });
  assert.equal(c.endpointId, s.down.id);
  const now = Date.now();
  const [t] = await s.store.recordResults(
    [resultFor(c, 'w', 'retry', { nextAttemptAt: now + 1_000, endpointId: s.down.id, circuit: 'failure' })],
    policy,
  );
  assert.equal(t.kind, 'circuit_opened');
  return t.nextProbeAt!;
}

describe('endpoint moves in steps (SQLite)', () => {
  it('a circuit that opens on a backlog holds it a step a turn, and the claim skips what is not held yet', async () => {
    const s = await setup();
    const probe = await openCircuit(s);
    assert.equal(dueTimes(s.store, s.down.id).get(probe), MOVE_STEP, 'the first step, in the transaction');
    assert.ok(s.store.moves.busy, 'the rest after it');
    const claimed = await s.store.claimDue({ now: Date.now(), limit: 50, leaseMs: 60_000, owner: 'w' });
    assert.deepEqual(
      [...new Set(claimed.map((c) => c.endpointId))],
      [s.other.id],
      'rows not held yet are not claimed: the circuit is open',
    );
    await turn();
    assert.equal(dueTimes(s.store, s.down.id).get(probe), 2 * MOVE_STEP, 'a step a turn of the event loop');
    await settled(s.store);
    assert.deepEqual(
      [...dueTimes(s.store, s.down.id)],
      [[probe, BACKLOG]],
      'every waiting delivery at the probe, the failed one (due again before it) too',
    );
    await s.store.close();
  });

  it('a step that takes longer than its budget makes the next ones smaller, down to a floor; quick steps grow back', async () => {
    const s = await setup();
    const held = async () => {
      await turn();
      return dueTimes(s.store, s.down.id).get(probe) ?? 0;
    };
    stepsTake(s.store, 5 * STEP_BUDGET_MS); // every step takes five times its budget
    const probe = await openCircuit(s);
    assert.equal(
      dueTimes(s.store, s.down.id).get(probe),
      MOVE_STEP,
      'the first step is whole: it is in the transaction',
    );
    assert.equal(await held(), MOVE_STEP + MOVE_STEP / 5, 'the next one a fifth of it');
    assert.equal(await held(), MOVE_STEP + MOVE_STEP / 5 + MIN_STEP_ROWS, 'then no fewer than the floor');
    assert.equal(await held(), MOVE_STEP + MOVE_STEP / 5 + 2 * MIN_STEP_ROWS);
    stepsTake(s.store, STEP_BUDGET_MS / 20); // quick again: the next step would fit 20 × its rows
    assert.equal(await held(), MOVE_STEP + MOVE_STEP / 5 + 3 * MIN_STEP_ROWS, 'the step sized before');
    assert.equal(await held(), 2 * MOVE_STEP + MOVE_STEP / 5 + 3 * MIN_STEP_ROWS, 'then at most MOVE_STEP');
    await settled(s.store);
    assert.deepEqual([...dueTimes(s.store, s.down.id)], [[probe, BACKLOG]], 'and the move ends with all of them held');
    await s.store.close();
  });

  it('moves started while another is in steps end as the last one asks: held, parked, then unparked is all due', async () => {
    const s = await setup();
    await openCircuit(s);
    const now = Date.now();
    // Disabled while the hold is in steps, then enabled while the park is: the unpark makes all due now.
    await s.store.updateEndpoint(s.merchant, s.down.id, { disabled: true }, now);
    assert.equal(dueTimes(s.store, s.down.id).get(null), MOVE_STEP, 'the park’s first step');
    await s.store.updateEndpoint(s.merchant, s.down.id, { disabled: false }, now);
    await settled(s.store);
    const after = dueTimes(s.store, s.down.id);
    assert.equal(after.get(null), undefined, 'nothing left parked');
    assert.equal([...after.entries()].filter(([at]) => at! > now).length, 0, 'nothing left held');
    assert.equal(
      [...after.values()].reduce((x, y) => x + y, 0),
      BACKLOG,
    );
    const due = await s.store.claimDue({ now: now + 1, limit: 5_000, leaseMs: 60_000, owner: 'x' });
    assert.equal(due.filter((c) => c.endpointId === s.down.id).length, BACKLOG);
    await s.store.close();
  });

  it('a pace while a hold is in steps, and a hold while a park is, leave the first move to finish', async () => {
    const s = await setup();
    const probe = await openCircuit(s);
    const now = Date.now();
    assert.equal(await s.store.deferEndpoint(s.down.id, { now, stepMs: 100, perStep: 1, steps: 3 }), 0);
    await settled(s.store);
    assert.deepEqual([...dueTimes(s.store, s.down.id)], [[probe, BACKLOG]], 'all held to the probe, none paced');

    await s.store.updateEndpoint(s.merchant, s.down.id, { disabled: true }, now);
    // As when a 410 disables the endpoint and the same results open its circuit: the hold must not stop the park.
    s.store.db.transaction(() => s.store.moves.start(s.down.id, { kind: 'hold', until: now + 60_000 })).immediate();
    await settled(s.store);
    assert.deepEqual([...dueTimes(s.store, s.down.id)], [[null, BACKLOG]], 'all parked');
    await s.store.close();
  });

  it('a hold whose endpoint is no longer in that state takes no further step', async () => {
    const s = await setup();
    const probe = await openCircuit(s);
    // As if the transaction that opened the circuit had rolled back after the first step.
    s.store.db
      .prepare(`UPDATE endpoints SET circuit_state = 'closed', circuit_next_probe_at = NULL WHERE id = ?`)
      .run(s.down.id);
    await settled(s.store);
    assert.equal(dueTimes(s.store, s.down.id).get(probe), MOVE_STEP, 'only the first step held');
    assert.equal(s.store.moves.lastError, null);
    await s.store.close();
  });

  it('a pace over several steps counts on from step to step', async () => {
    const s = await setup();
    const now = Date.now();
    const pace = { now, stepMs: 1_000, perStep: 700, steps: 5 };
    assert.equal(await s.store.deferEndpoint(s.down.id, pace), MOVE_STEP, 'the first step’s rows');
    await settled(s.store);
    assert.deepEqual(
      [...dueTimes(s.store, s.down.id)].sort(([x], [y]) => x! - y!),
      [
        [now + 1_000, 700],
        [now + 2_000, 700],
        [now + 3_000, 700],
        [now + 4_000, BACKLOG - 2_100],
      ],
    );
    const ordered = s.store.db
      .prepare(`SELECT next_attempt_at AS at FROM deliveries WHERE endpoint_id = ? ORDER BY id`)
      .all(s.down.id) as { at: number }[];
    assert.ok(
      ordered.every((r, i) => i === 0 || r.at >= ordered[i - 1].at),
      'the oldest first',
    );
    await s.store.close();
  });

  it('an unpace in steps makes all that was paced due, cutting the pace short; it never cuts a release short', async () => {
    const s = await setup();
    const now = Date.now();
    const pace = { now, stepMs: 1_000, perStep: 1, steps: 30 };
    assert.equal(await s.store.deferEndpoint(s.down.id, pace), MOVE_STEP);
    // Recovered while the pace is still in steps: the unpace takes over, and ends with all due at once.
    const later = now + 5;
    assert.equal(await s.store.undeferEndpoint(s.down.id, { now: later, until: now + 30_000 }), MOVE_STEP);
    await settled(s.store);
    const times = dueTimes(s.store, s.down.id);
    assert.equal(times.get(later), MOVE_STEP, 'what the pace had moved is due now');
    assert.equal([...times.keys()].filter((at) => at === null || at > later).length, 0, 'and the pace moved no more');
    assert.equal(
      [...times.values()].reduce((x, y) => x + y, 0),
      BACKLOG,
    );

    // A circuit closed by a probe releases everything held; an unpace asked for meanwhile (which would
    // move only up to its `until`) must not stop that release.
    const probe = await openCircuit(s);
    await settled(s.store);
    const [c] = await s.store.claimDue({ now: probe, limit: 1, leaseMs: 60_000, owner: 'w' });
    const closedAt = Date.now();
    const [t] = await s.store.recordResults(
      [resultFor(c, 'w', 'succeeded', { endpointId: s.down.id, circuit: 'success' })],
      policy,
    );
    assert.equal(t.kind, 'circuit_closed');
    assert.ok(s.store.moves.busy, 'the release in steps');
    assert.equal(await s.store.undeferEndpoint(s.down.id, { now: closedAt, until: closedAt + 1 }), 0);
    await settled(s.store);
    const after = dueTimes(s.store, s.down.id);
    assert.equal([...after.keys()].filter((at) => at === null || at > closedAt + 1_000).length, 0, 'nothing left held');
    await s.store.close();
  });

  it('a deleted endpoint has its backlog cancelled a step a turn; the claim never takes it; nothing supersedes the cancel', async () => {
    const s = await setup();
    const pendingOf = () =>
      (
        s.store.db
          .prepare(`SELECT count(*) AS n FROM deliveries WHERE endpoint_id = ? AND status = 'pending'`)
          .get(s.down.id) as { n: number }
      ).n;
    assert.equal(await s.store.deleteEndpoint(s.merchant, s.down.id, Date.now()), true);
    assert.equal(pendingOf(), BACKLOG - MOVE_STEP, 'the first step, in the deletion’s transaction');
    const claimed = await s.store.claimDue({ now: Date.now(), limit: 50, leaseMs: 60_000, owner: 'w' });
    assert.deepEqual(
      [...new Set(claimed.map((c) => c.endpointId))],
      [s.other.id],
      'rows not cancelled yet are not claimed: the endpoint is deleted',
    );
    // A result still in flight might open the deleted endpoint's circuit: its hold must not stop the cancel.
    s.store.db
      .transaction(() => s.store.moves.start(s.down.id, { kind: 'hold', until: Date.now() + 60_000 }))
      .immediate();
    await settled(s.store);
    assert.equal(pendingOf(), 0, 'every one cancelled');
    await s.store.close();
  });

  it('a cancel that a crash cut short is finished when the store next starts', async () => {
    const s = await setup();
    const path = s.store.db.name;
    await s.store.deleteEndpoint(s.merchant, s.down.id, Date.now());
    await s.store.close(); // the steps stop, as at a crash after the deletion's commit
    const again = new SqliteStore({ path });
    try {
      const pending = () =>
        (
          again.db
            .prepare(`SELECT count(*) AS n FROM deliveries WHERE endpoint_id = ? AND status = 'pending'`)
            .get(s.down.id) as { n: number }
        ).n;
      assert.equal(pending(), BACKLOG - MOVE_STEP, 'left pending by the crash');
      await again.migrate();
      await settled(again);
      assert.equal(pending(), 0, 'cancelled at the next start');
      const other = again.db
        .prepare(`SELECT count(*) AS n FROM deliveries WHERE endpoint_id = ? AND status = 'pending'`)
        .get(s.other.id) as { n: number };
      assert.equal(other.n, 10, 'another endpoint’s untouched');
    } finally {
      await again.close();
    }
  });

  it('closing the store stops the steps without an error', async () => {
    const s = await setup();
    await openCircuit(s);
    assert.ok(s.store.moves.busy);
    await s.store.close();
    await turn();
    await turn();
    assert.equal(s.store.moves.busy, false);
    assert.equal(s.store.moves.lastError, null);
  });
});
