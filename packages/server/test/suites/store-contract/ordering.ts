/** Contract cases: ordered delivery (keys claimed one at a time in event order, hold and skip) and replays. */
import assert from 'node:assert/strict';
import { newId, type EventId } from '../../../src/ids.js';
import type { ClaimedDelivery, LeasedReplay, NewEvent, Store } from '../../../src/store/types.js';
import type { Case } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, resultFor } from './fixtures.js';

function keyed(e: NewEvent, orderingKey: string | null): NewEvent {
  return { ...e, orderingKey };
}

async function succeed(store: Store, c: ClaimedDelivery, owner = 'sweeper'): Promise<void> {
  await store.recordResults([resultFor(c, owner, 'succeeded', { orderingKey: c.orderingKey })]);
}

const ids = (claims: ClaimedDelivery[]): EventId[] => claims.map((c) => c.eventId).sort();

/**
 * A claim time for what a recorded result promoted: recordResults makes the next delivery of a key due
 * at the real clock's now, which a slow machine can put past the test's own `t0 + n` (a claim at that
 * time would then miss it).
 */
const after = (t: number): number => Math.max(t, Date.now());

export function orderingCases(test: Case): void {
  test('ordering: one delivery of a key at a time, in event order; other keys and unkeyed ones go at once', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a, { ordered: true });
    const k1a = keyed(newEvent(a, 'order.success', t0), 'ord_1');
    const k1b = keyed(newEvent(a, 'order.success', t0 + 1), 'ord_1');
    const k2 = keyed(newEvent(a, 'order.success', t0 + 2), 'ord_2');
    const none = newEvent(a, 'order.success', t0 + 3);
    const k1c = keyed(newEvent(a, 'order.success', t0 + 4), 'ord_1');
    const appended = await store.appendEvents([k1a, k1b, k2, none, k1c]);
    assert.equal(appended[0].event.orderingKey, 'ord_1');
    assert.equal((await store.getEvent(a, k1a.id))?.orderingKey, 'ord_1');
    const now = t0 + 100;
    const first = await claimAll(store, now);
    assert.deepEqual(ids(first), [k1a.id, k2.id, none.id].sort());
    assert.equal(first.find((c) => c.eventId === k1a.id)?.orderingKey, 'ord_1');
    assert.equal(first.find((c) => c.eventId === none.id)?.orderingKey, null);
    assert.deepEqual(await claimAll(store, now), [], 'the rest of ord_1 waits for its first');
    await succeed(store, first.find((c) => c.eventId === k1a.id)!);
    const second = await claimAll(store, after(now));
    assert.deepEqual(ids(second), [k1b.id]);
    // A retry keeps the key: the next waits through the delay.
    await store.recordResults([
      resultFor(second[0], 'sweeper', 'retry', { orderingKey: 'ord_1', nextAttemptAt: now + 1000 }),
    ]);
    assert.deepEqual(await claimAll(store, now + 500), []);
    const again = await claimAll(store, now + 1000);
    assert.deepEqual(ids(again), [k1b.id], 'the retried one goes again, before the next');
    await succeed(store, again[0]);
    assert.deepEqual(ids(await claimAll(store, after(now + 1000))), [k1c.id]);
  });

  test('ordering: hold keeps a key blocked after a failure until the delivery is skipped or retried', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a, { ordered: true, orderingOnFailure: 'hold' });
    const e1 = keyed(newEvent(a, 'order.success', t0), 'k');
    const e2 = keyed(newEvent(a, 'order.success', t0 + 1), 'k');
    const e3 = keyed(newEvent(a, 'order.success', t0 + 2), 'k');
    await store.appendEvents([e1, e2, e3]);
    const [c1] = await claimAll(store, t0 + 10);
    assert.equal(c1.eventId, e1.id);
    await store.recordResults([resultFor(c1, 'sweeper', 'failed', { orderingKey: 'k' })]);
    const failed = await store.getDelivery(a, c1.id);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.held, true);
    assert.deepEqual(await claimAll(store, t0 + 10), [], 'held: nothing of the key goes');
    // A manual retry reopens it; it still comes first.
    await store.retryDelivery(a, c1.id, t0 + 20);
    const [retried] = await claimAll(store, t0 + 20);
    assert.equal(retried.id, c1.id);
    await store.recordResults([resultFor(retried, 'sweeper', 'failed', { orderingKey: 'k' })]);
    assert.deepEqual(await claimAll(store, t0 + 30), []);
    assert.equal(await store.skipDelivery(b, c1.id, t0 + 40), null, "another merchant's delivery is not found");
    const skipped = await store.skipDelivery(a, c1.id, t0 + 40);
    assert.equal(skipped?.skipped, true);
    assert.equal(skipped?.delivery.held, false);
    assert.equal(skipped?.delivery.status, 'failed');
    assert.equal(skipped?.delivery.skippedAt, t0 + 40);
    const [c2] = await claimAll(store, t0 + 50);
    assert.equal(c2.eventId, e2.id, 'skipped: the next one goes');
    assert.equal((await store.skipDelivery(a, c2.id, t0 + 60))?.skipped, false, 'one in flight is not skippable');
    await succeed(store, c2);
    assert.equal((await store.skipDelivery(a, c2.id, t0 + 60))?.skipped, false, 'a succeeded one is not skippable');
    assert.equal(await store.skipDelivery(a, newId('del'), t0 + 60), null);
    assert.deepEqual(ids(await claimAll(store, after(t0 + 60))), [e3.id]);
  });

  test('ordering: skip lets the next go after a failure; turning ordering off releases waiting deliveries', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a, { ordered: true });
    const evs = [0, 1, 2, 3].map((i) => keyed(newEvent(a, 'order.success', t0 + i), 'k'));
    await store.appendEvents(evs);
    const [c0] = await claimAll(store, t0 + 10);
    await store.recordResults([resultFor(c0, 'sweeper', 'failed', { orderingKey: 'k' })]);
    assert.equal((await store.getDelivery(a, c0.id))?.held, false);
    const [c1] = await claimAll(store, after(t0 + 10));
    assert.equal(c1.eventId, evs[1].id, 'skip (the default): the failure lets the next go');
    const off = await store.updateEndpoint(a, ep.id, { ordered: false }, t0 + 20);
    assert.equal(off?.ordered, false);
    assert.equal((await store.getEndpoint(a, ep.id))?.ordered, false);
    assert.deepEqual(ids(await claimAll(store, t0 + 20)), [evs[2].id, evs[3].id].sort(), 'unordered now: all go');
  });

  test('ordering: an endpoint that is not ordered ignores keys; one that holds releases its keys when set to skip', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    const evs = [0, 1].map((i) => keyed(newEvent(a, 'order.success', t0 + i), 'k'));
    await store.appendEvents(evs);
    const claims = await claimAll(store, t0 + 10);
    assert.deepEqual(ids(claims), evs.map((e) => e.id).sort());
    assert.ok(claims.every((c) => c.orderingKey === null));

    const b = await newMerchant(store);
    const held = await newEndpoint(store, b, { ordered: true, orderingOnFailure: 'hold' });
    const more = [0, 1, 2].map((i) => keyed(newEvent(b, 'order.success', t0 + 20 + i), 'k'));
    await store.appendEvents(more);
    const [c] = await claimAll(store, t0 + 30);
    await store.recordResults([resultFor(c, 'sweeper', 'failed', { orderingKey: 'k' })]);
    assert.deepEqual(await claimAll(store, t0 + 30), []);
    await store.updateEndpoint(b, held.id, { orderingOnFailure: 'skip' }, t0 + 40);
    const next = await claimAll(store, t0 + 40);
    assert.deepEqual(ids(next), [more[1].id], 'released: the next goes, the one after it still waits');
    await succeed(store, next[0]);
    assert.deepEqual(ids(await claimAll(store, after(t0 + 40))), [more[2].id]);
  });

  test('ordering: the sweep makes due a parked delivery that nothing blocks any more', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a, { ordered: true });
    const e1 = keyed(newEvent(a, 'order.success', t0), 'k');
    const e2 = keyed(newEvent(a, 'order.success', t0 + 1), 'k');
    await store.appendEvents([e1]);
    await store.appendEvents([e2]);
    const [c1] = await claimAll(store, t0 + 10);
    assert.equal(c1.eventId, e1.id);
    // A result recorded without its key (as by an older dispatcher) does not promote: the sweep does.
    await store.recordResults([resultFor(c1, 'sweeper', 'succeeded')]);
    assert.equal(await store.nextDueAt(), null, 'the second is parked, outside the due index');
    assert.equal(await store.unparkOrdered(t0 - 60_000, t0 + 20), 1);
    assert.deepEqual(ids(await claimAll(store, t0 + 20)), [e2.id]);
  });

  test('replays: created with their total for the merchant only, leased once, run to completion', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a);
    const evs = [0, 1, 2].map((i) => newEvent(a, 'order.success', t0 + i));
    await store.appendEvents(evs);
    const claims = await claimAll(store, t0 + 10);
    await store.recordResults(claims.map((c) => resultFor(c, 'sweeper', 'failed')));
    const base = { since: t0, until: t0 + 2, types: null, status: 'failed' as const, recipients: 'original' as const };
    assert.equal(
      await store.createReplay({ id: newId('rpl'), merchantId: b, endpointId: ep.id, now: t0 + 20, ...base }),
      null,
    );
    const r = await store.createReplay({ id: newId('rpl'), merchantId: a, endpointId: ep.id, now: t0 + 20, ...base });
    assert.equal(r?.state, 'queued');
    assert.equal(r?.total, 2, 'until is exclusive');
    assert.equal(await store.getReplay(b, r!.id), null);
    const leased = await store.leaseReplay('w1', t0 + 30, 60_000);
    assert.equal(leased?.id, r!.id);
    assert.equal(await store.leaseReplay('w2', t0 + 31, 60_000), null, 'leased: nobody else takes it');
    let cur: LeasedReplay | null = leased;
    while (cur && cur.state === 'running') cur = await store.runReplayBatch(cur, 1, t0 + 40, 60_000);
    assert.equal(cur?.state, 'completed');
    const done = await store.getReplay(a, r!.id);
    assert.deepEqual([done?.state, done?.done, done?.requeued], ['completed', 2, 2]);
    assert.deepEqual(ids(await claimAll(store, t0 + 40)), [evs[0].id, evs[1].id].sort());
    assert.equal(await store.leaseReplay('w2', t0 + 50, 60_000), null);
  });

  test('replays: a batch whose endpoint is disabled or deleted ends the replay failed, saying which', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const disabled = await newEndpoint(store, a);
    const deleted = await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'order.success', t0)]);
    const claims = await claimAll(store, t0 + 10);
    await store.recordResults(claims.map((c) => resultFor(c, 'sweeper', 'failed')));
    const base = { since: t0, until: t0 + 1, types: null, status: 'failed' as const, recipients: 'original' as const };
    for (const [ep, error] of [
      [disabled, 'the endpoint is disabled'],
      [deleted, 'the endpoint was deleted'],
    ] as const) {
      const r = await store.createReplay({ id: newId('rpl'), merchantId: a, endpointId: ep.id, now: t0 + 20, ...base });
      assert.equal(r?.total, 1);
      if (ep === disabled) await store.updateEndpoint(a, ep.id, { disabled: true }, t0 + 21);
      else assert.equal(await store.deleteEndpoint(a, ep.id, t0 + 21), true);
      const leased = await store.leaseReplay('w1', t0 + 30, 60_000);
      assert.equal(leased?.id, r!.id);
      const ended = await store.runReplayBatch(leased!, 10, t0 + 40, 60_000);
      assert.deepEqual([ended?.state, ended?.error, ended?.done, ended?.requeued], ['failed', error, 0, 0]);
      assert.equal((await store.getReplay(a, r!.id))?.completedAt, t0 + 40);
    }
  });
}
