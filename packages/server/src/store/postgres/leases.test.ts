/**
 * A claim's lease on PostgreSQL (migration 0019): the lease is written to columns no index holds
 * (`lease_owner`, `lease_until`), and `next_attempt_at` stays the time the delivery became due, so
 * PostgreSQL can write a leased row as a HOT update (same page, no new index entry). Before, the lease
 * end went into `next_attempt_at`, the first column of deliveries_due, and every claimed row got a new
 * entry in each index of `deliveries`: the largest cost of a delivery on PostgreSQL
 * (docs/performance.md). Checked here on PostgreSQL's own count of the claim's updates, and on what a
 * lease means to the other statements that read it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { idFloor, newId, type MerchantId } from '../../ids.js';
import { dayStart } from './retention.js';
import { valuesFor } from './statements.js';
import type { PostgresStore } from './store.js';
import { newEndpoint, newEvent, newMerchant, resultFor } from '../../../test/suites/store-contract/fixtures.js';
import { scansOf, withNestedPlans } from '../../../test/helpers/nested-plans.js';
import { TestSchemas } from '../../../test/helpers/test-db.js';

const EVENTS = 600;
const schemas = new TestSchemas();
let store: PostgresStore;
let merchant: MerchantId;
let t0: number;

before(async () => {
  store = schemas.store({ poolSize: 2 });
  await store.migrate();
  merchant = await newMerchant(store);
  await newEndpoint(store, merchant);
  await newEndpoint(store, merchant);
  t0 = Date.now() - 60_000;
  for (let i = 0; i < EVENTS; i += 300)
    await store.appendEvents(Array.from({ length: 300 }, (_, k) => newEvent(merchant, 'order.success', t0 + i + k)));
});
after(async () => {
  await store.close();
  await schemas.dropAll();
});

test('a claim writes its lease as HOT updates: no new entry in any index of deliveries', async () => {
  const s = store.db.statement('claim');
  const now = Date.now();
  const client = await store.db.pool.connect();
  try {
    await client.query('BEGIN');
    // Every delivery of the 600 events to both endpoints, in claims of 100 as a dispatcher makes them.
    let claimed = 0;
    for (;;) {
      const args = {
        now,
        limit: 100,
        owner: 'payhook-dispatcher-7d9f8b6c5d-x2k4q:123456:0a1b2c3d',
        until: now + 30_000,
        exclude: [],
        burst: 0,
        floor: '',
      };
      const { rows } = await client.query(s.text, valuesFor(s, args));
      if (rows.length === 0) break;
      claimed += rows.length;
    }
    // The statistics of this transaction, summed over the partitions of deliveries.
    const { rows } = await client.query<{ updated: number; hot: number }>(
      `SELECT sum(pg_stat_get_xact_tuples_updated(i.inhrelid))::int AS updated,
              sum(pg_stat_get_xact_tuples_hot_updated(i.inhrelid))::int AS hot
       FROM pg_inherits i WHERE i.inhparent = 'deliveries'::regclass`,
    );
    await client.query('ROLLBACK');
    assert.equal(claimed, EVENTS * 2);
    assert.equal(rows[0].updated, EVENTS * 2, 'one row version a claimed delivery');
    assert.equal(rows[0].hot, EVENTS * 2, 'each of them a HOT update');
  } finally {
    client.release();
  }
});

test('a lease leaves the delivery due where it was; its end, a release or a result ends it', async () => {
  const own = schemas.store({ poolSize: 2 });
  try {
    await own.migrate();
    const m = await newMerchant(own);
    await newEndpoint(own, m);
    const t0 = Date.now() - 10_000;
    await own.appendEvents([0, 1, 2].map((k) => newEvent(m, 'order.success', t0 + k)));
    const row = async (id: string) =>
      (
        await own.db.pool.query<{ next_attempt_at: number; lease_owner: string | null; lease_until: number | null }>(
          'SELECT next_attempt_at, lease_owner, lease_until FROM deliveries WHERE id = $1',
          [id],
        )
      ).rows[0];

    const now = Date.now();
    const [one, two] = await own.claimDue({ now, limit: 2, leaseMs: 30_000, owner: 'a' });
    assert.deepEqual(await row(one.id), { next_attempt_at: t0, lease_owner: 'a', lease_until: now + 30_000 });
    assert.deepEqual(await row(two.id), { next_attempt_at: t0 + 1, lease_owner: 'a', lease_until: now + 30_000 });
    assert.equal(await own.nextDueAt(), t0 + 2, 'the first delivery no one holds');
    assert.deepEqual(await own.queueStats(), { pending: 3, oldestDueAt: t0 + 2 }, 'the held ones are not waiting');

    const [three, ...none] = await own.claimDue({ now, limit: 10, leaseMs: 20_000, owner: 'b' });
    assert.deepEqual(none, [], 'a’s two are not taken again');
    assert.deepEqual(await row(three.id), { next_attempt_at: t0 + 2, lease_owner: 'b', lease_until: now + 20_000 });
    assert.equal(await own.nextDueAt(), now + 20_000, 'all held: the earliest lease end');
    assert.deepEqual(await own.queueStats(), { pending: 3, oldestDueAt: null });

    // b's lease ends first: its delivery is due again, and only it.
    const taken = await own.claimDue({ now: now + 20_000, limit: 10, leaseMs: 30_000, owner: 'c' });
    assert.deepEqual(
      taken.map((d) => [d.id, d.attempts]),
      [[three.id, 0]],
    );

    // A release by another owner changes nothing; a's own makes the delivery due as it was, first in line.
    await own.releaseClaims('b', [two.id]);
    assert.equal((await row(two.id)).lease_owner, 'a');
    await own.releaseClaims('a', [two.id]);
    assert.deepEqual(await row(two.id), { next_attempt_at: t0 + 1, lease_owner: null, lease_until: null });
    assert.equal(await own.nextDueAt(), t0 + 1);
    const [again] = await own.claimDue({ now, limit: 10, leaseMs: 30_000, owner: 'd' });
    assert.equal(again.id, two.id);

    // A result ends the lease: a retry is due at its own time, no longer held.
    await own.recordResults([resultFor(one, 'a', 'retry', { nextAttemptAt: now + 60_000 })]);
    assert.deepEqual(await row(one.id), { next_attempt_at: now + 60_000, lease_owner: null, lease_until: null });
  } finally {
    await own.close();
  }
});

test('a delivery leased before 0019 (its lease end in next_attempt_at) stays held until then', async () => {
  const own = schemas.store({ poolSize: 2 });
  try {
    await own.migrate();
    const m = await newMerchant(own);
    await newEndpoint(own, m);
    const now = Date.now();
    await own.appendEvents([newEvent(m, 'order.success', now - 1_000)]);
    // As a dispatcher of an earlier version left it.
    await own.db.pool.query("UPDATE deliveries SET lease_owner = 'old', next_attempt_at = $1, lease_until = NULL", [
      now + 5_000,
    ]);
    assert.deepEqual(await own.claimDue({ now, limit: 10, leaseMs: 30_000, owner: 'new' }), []);
    assert.equal(await own.nextDueAt(), now + 5_000);
    const [taken] = await own.claimDue({ now: now + 5_000, limit: 10, leaseMs: 30_000, owner: 'new' });
    assert.ok(taken, 'due once its lease has ended');
  } finally {
    await own.close();
  }
});

const DAY = 86_400_000;

/** The day partitions of deliveries the claim's plan reads, once PostgreSQL has pruned it for `args`. */
async function plannedPartitions(s: PostgresStore, args: Record<string, unknown>): Promise<string[]> {
  const st = s.db.statement('claim');
  const { plans } = await withNestedPlans(s.schema, /WITH due AS MATERIALIZED/, async (client) => {
    await client.query('BEGIN');
    await client.query(st.text, valuesFor(st, args));
    await client.query('ROLLBACK');
  });
  assert.equal(plans.length, 1);
  // Scans only: an UPDATE of a partitioned table names every partition as a target, pruned or not.
  return [...new Set(scansOf(plans[0].plan).map((x) => x.table))].filter((n) => /^deliveries_/.test(n)).sort();
}

test('the claim reads the days from the oldest that holds a pending or held delivery, and no others', async () => {
  const own = schemas.store({ poolSize: 2 });
  try {
    await own.migrate();
    const now = Date.now();
    // A month of days kept, a week made ahead, as a store in production has them.
    await own.preparePartitions(now - 30 * DAY, now + 7 * DAY);
    const m = await newMerchant(own);
    await newEndpoint(own, m);
    const floorOf = async () =>
      (await own.db.pool.query<{ floor: string }>('SELECT claim_floor($1) AS floor', [idFloor('del', now - 2 * DAY)]))
        .rows[0].floor;

    assert.equal(await floorOf(), idFloor('del', now - 2 * DAY), 'nothing older pending: the floor given');
    const args = (floor: string) => ({
      now,
      limit: 100,
      owner: 'o',
      until: now + 30_000,
      exclude: [],
      burst: 0,
      floor,
    });
    const floorDay = new Date(dayStart(now - 2 * DAY)).toISOString().slice(0, 10).replaceAll('-', '');
    const planned = await plannedPartitions(own, args(await floorOf()));
    const days = [...new Set(planned.map((n) => n.replace(/^deliveries_p?/, '')))];
    assert.deepEqual(
      days.filter((d) => d !== 'default' && d < floorDay),
      [],
      'no day before the floor is read',
    );
    assert.ok(days.includes(floorDay) && days.includes('default'), days.join(', '));
    const all = await plannedPartitions(own, args(''));
    assert.ok(all.length >= planned.length + 25, 'without the floor, every day kept is read');

    // A delivery of an event ten days old, still pending: its day is read again.
    const old = newEvent(m, 'order.success', now - 10 * DAY);
    await own.appendEvents([old]);
    const oldDay = dayStart(now - 10 * DAY);
    assert.equal(await floorOf(), idFloor('del', oldDay).slice(0, 14), 'the first id of its day partition');
    const [c] = await own.claimDue({ now, limit: 10, leaseMs: 30_000, owner: 'o' });
    assert.equal(c?.eventId, old.id, 'the store asks for the floor before its first claim');
    // Failed and held by its ordering key (ordering_on_failure hold): still read.
    await own.recordResults([resultFor(c, 'o', 'failed')]);
    await own.db.pool.query("UPDATE deliveries SET held = true, ordering_key = 'k' WHERE id = $1", [c.id]);
    assert.equal(await floorOf(), idFloor('del', oldDay).slice(0, 14), 'a held delivery keeps its day read');
    await own.db.pool.query('UPDATE deliveries SET held = false WHERE id = $1', [c.id]);
    assert.equal(await floorOf(), idFloor('del', now - 2 * DAY), 'finished: its day is no longer read');

    // Made pending again (a manual retry) once the store's floor is recent again: claimed all the same.
    await new Promise((r) => setTimeout(r, 1_100));
    assert.deepEqual(await own.claimDue({ now: Date.now(), limit: 10, leaseMs: 30_000, owner: 'o' }), []);
    await own.retryDelivery(m, c.id, now);
    let again: string | undefined;
    for (let i = 0; i < 50 && !again; i++) {
      again = (await own.claimDue({ now: Date.now(), limit: 10, leaseMs: 30_000, owner: 'o' }))[0]?.id;
      if (!again) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(again, c.id);

    // A replay's new delivery has today's id whatever its event's age: the event is read, whatever the floor.
    await own.recordResults([resultFor({ id: c.id, attempts: 1 }, 'o', 'succeeded')]);
    const replayed = newId('del', Date.now());
    await own.db.pool.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at,
                               created_at, updated_at)
       SELECT $1, event_id, endpoint_id, merchant_id, event_type, 'pending', 0, $2, $2, $2 FROM deliveries WHERE id = $3`,
      [replayed, Date.now() - 1, c.id],
    );
    const [out] = await own.claimDue({ now: Date.now(), limit: 10, leaseMs: 30_000, owner: 'o' });
    assert.equal(out?.id, replayed);
    assert.equal(out.eventId, old.id);
    assert.equal(JSON.parse(out.body).id, old.id, 'with its event’s body');
  } finally {
    await own.close();
  }
});
