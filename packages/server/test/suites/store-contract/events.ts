/** Contract cases: appending events (fan-out, filters, idempotency), reading and listing them, pruning. */
import assert from 'node:assert/strict';
import { newId, type EventId } from '../../../src/ids.js';
import type { EventFilter, Store } from '../../../src/store/types.js';
import type { Case } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, nextDue, resultFor, sorted } from './fixtures.js';

async function allEvents(store: Store, f: Omit<EventFilter, 'limit' | 'cursor'>, limit: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listEvents({ ...f, limit, cursor });
    assert.ok(page.items.length <= limit);
    out.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

export function eventCases(test: Case): void {
  test('appendEvents: fans out to enabled endpoints whose filter matches (exact and prefix.*)', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const all = await newEndpoint(store, a, { eventTypes: null });
    const exact = await newEndpoint(store, a, { eventTypes: ['order.success'] });
    const prefix = await newEndpoint(store, a, { eventTypes: ['transaction.*'] });
    const star = await newEndpoint(store, a, { eventTypes: ['*'] });
    const none = await newEndpoint(store, a, { eventTypes: ['order.cancel', 'refund.*'] });
    // A wildcard that matches only as the filter's later element, after one that does not.
    const deep = await newEndpoint(store, a, { eventTypes: ['refund.*', 'transaction.card.*'] });
    await newEndpoint(store, b, { eventTypes: null });
    const events = [
      newEvent(a, 'order.success', t0),
      newEvent(a, 'transaction.success', t0 + 1),
      newEvent(a, 'transaction.card.declined', t0 + 2),
      newEvent(a, 'transaction', t0 + 3),
      newEvent(a, 'order.successful', t0 + 4),
    ];
    const out = await store.appendEvents(events);
    assert.deepEqual(
      out.map((r) => r.created),
      [true, true, true, true, true],
    );
    assert.deepEqual(
      out.map((r) => r.event),
      events,
    );
    assert.deepEqual(
      out.map((r) => r.deliveries),
      [3, 3, 4, 2, 2],
    );
    const endpointsOf = async (eventId: EventId) =>
      sorted((await store.listDeliveries({ merchantId: a, eventId, limit: 50 })).items.map((d) => d.endpointId));
    assert.deepEqual(await endpointsOf(events[0].id), sorted([all.id, exact.id, star.id]));
    assert.deepEqual(await endpointsOf(events[1].id), sorted([all.id, prefix.id, star.id]));
    assert.deepEqual(await endpointsOf(events[2].id), sorted([all.id, prefix.id, star.id, deep.id]));
    assert.deepEqual(
      await endpointsOf(events[3].id),
      sorted([all.id, star.id]),
      '`transaction.*` does not match `transaction`',
    );
    assert.deepEqual(await endpointsOf(events[4].id), sorted([all.id, star.id]));
    assert.equal((await store.listDeliveries({ merchantId: a, endpointId: none.id, limit: 50 })).items.length, 0);
    assert.equal(
      (await store.listDeliveries({ merchantId: b, limit: 50 })).items.length,
      0,
      "another merchant's endpoints get nothing",
    );
    const d = (await store.listDeliveries({ merchantId: a, eventId: events[0].id, endpointId: exact.id, limit: 1 }))
      .items[0];
    assert.equal(d.status, 'pending');
    assert.equal(d.attempts, 0);
    assert.equal(d.eventType, 'order.success');
    assert.equal(d.merchantId, a);
    assert.equal(d.nextAttemptAt, t0, 'due when the event was created');
    assert.equal(d.createdAt, t0);
    assert.equal(d.lastStatusCode, null);
    assert.equal(d.lastError, null);
  });

  test('appendEvents: deleted endpoints get no deliveries; disabled ones get deliveries that wait', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const live = await newEndpoint(store, a);
    const off = await newEndpoint(store, a, { disabled: true });
    const paused = await newEndpoint(store, a);
    const deleted = await newEndpoint(store, a);
    await store.updateEndpoint(a, paused.id, { disabled: true }, t0);
    await store.deleteEndpoint(a, deleted.id, t0);
    const [r] = await store.appendEvents([newEvent(a, 'order.success', t0 + 1)]);
    assert.equal(r.deliveries, 3);
    const ds = await store.listDeliveries({ merchantId: a, eventId: r.event.id, limit: 10 });
    assert.deepEqual(
      new Map(ds.items.map((d) => [d.endpointId, d.nextAttemptAt])),
      new Map([
        [live.id, t0 + 1],
        [off.id, null],
        [paused.id, null],
      ]),
    );
    const [none] = await store.appendEvents([newEvent(await newMerchant(store), 'order.success', t0 + 2)]);
    assert.equal(none.created, true);
    assert.equal(none.deliveries, 0, 'a merchant without endpoints still stores the event');
  });

  test('appendEvents: an operational event goes only to endpoints naming it, never to the one it is about', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const about = await newEndpoint(store, a, { eventTypes: ['endpoint.*'] });
    const exact = await newEndpoint(store, a, { eventTypes: ['endpoint.circuit_opened'] });
    const prefix = await newEndpoint(store, a, { eventTypes: ['endpoint.*', 'order.*'] });
    await newEndpoint(store, a, { eventTypes: null });
    await newEndpoint(store, a, { eventTypes: ['*'] });
    await newEndpoint(store, a, { eventTypes: ['endpoint.disabled'] });
    const e = { ...newEvent(a, 'endpoint.circuit_opened', t0), aboutEndpointId: about.id };
    const [r] = await store.appendEvents([e]);
    assert.equal(r.deliveries, 2);
    const ds = await store.listDeliveries({ merchantId: a, eventId: r.event.id, limit: 10 });
    assert.deepEqual(new Set(ds.items.map((d) => d.endpointId)), new Set([exact.id, prefix.id]));
  });

  test('appendEvents: the same idempotency key returns the first event, across calls and within one batch', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    await newEndpoint(store, a);
    const t0 = Date.now();
    const first = newEvent(a, 'order.success', t0, 'key-1', { n: 1 });
    const [r1] = await store.appendEvents([first]);
    assert.deepEqual(r1, { event: first, created: true, deliveries: 1 });
    const [r2] = await store.appendEvents([newEvent(a, 'order.success', t0 + 1, 'key-1', { n: 2 })]);
    assert.equal(r2.created, false);
    assert.equal(r2.deliveries, 0);
    assert.deepEqual(r2.event, first);
    const x = newEvent(a, 'order.cancel', t0 + 2, 'key-2');
    const batch = await store.appendEvents([
      x,
      newEvent(a, 'order.cancel', t0 + 3, 'key-2'),
      newEvent(a, 'order.cancel', t0 + 4, null),
      newEvent(a, 'order.cancel', t0 + 5, 'key-1'),
    ]);
    assert.deepEqual(
      batch.map((r) => r.created),
      [true, false, true, false],
    );
    assert.deepEqual(batch[1].event, x, 'a repeat within the batch returns the batch’s first');
    assert.deepEqual(batch[3].event, first);
    assert.deepEqual(
      batch.map((r) => r.deliveries),
      [1, 0, 1, 0],
    );
    const [other] = await store.appendEvents([newEvent(b, 'order.success', t0 + 6, 'key-1')]);
    assert.equal(other.created, true, 'keys are per merchant');
    assert.equal((await store.listDeliveries({ merchantId: a, limit: 50 })).items.length, 3);
    assert.equal((await allEvents(store, { merchantId: a }, 50)).length, 3);
  });

  test('appendEvents: concurrent appends with one idempotency key store one event', async (store) => {
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.appendEvents([newEvent(a, 'order.success', t0 + i, 'same')])),
    );
    const created = results.filter(([r]) => r.created);
    assert.equal(created.length, 1);
    const winner = created[0][0].event;
    for (const [r] of results) assert.deepEqual(r.event, winner);
    assert.equal((await store.listDeliveries({ merchantId: a, limit: 50 })).items.length, 1);
  });

  test('getEvent: returns data and body exactly, scoped to the merchant', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const e = newEvent(a, 'order.success', Date.now(), 'k', {
      amount: 10000,
      currency: 'AED',
      nested: { ü: 'é', list: [1, 2.5, null] },
    });
    await store.appendEvents([e]);
    assert.deepEqual(await store.getEvent(a, e.id), e);
    assert.equal(await store.getEvent(b, e.id), null);
    assert.equal(await store.getEvent(a, newId('evt')), null);
  });

  test('listEvents: pages desc and asc with cursors; afterId, beforeId; type filters with wildcards', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const types = [
      'order.success',
      'transaction.success',
      'order.cancel',
      'transaction.failed',
      'transaction.card.x',
      'transactions.y',
      'order.success',
    ];
    const events = types.map((type, i) => newEvent(a, type, t0 + i));
    await store.appendEvents(events);
    await store.appendEvents([newEvent(b, 'order.success', t0)]);
    const ids = events.map((e) => e.id);
    assert.deepEqual(await allEvents(store, { merchantId: a }, 3), [...ids].reverse(), 'newest first by default');
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'desc' }, 2), [...ids].reverse());
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'asc' }, 2), ids);
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'asc' }, 7), ids);
    const first = await store.listEvents({ merchantId: a, limit: 7 });
    assert.equal(first.nextCursor, null, 'an exactly full last page has no next cursor');
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'asc', afterId: ids[2] }, 2), ids.slice(3));
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'desc', beforeId: ids[4] }, 2),
      ids.slice(0, 4).reverse(),
    );
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'asc', afterId: ids[1], beforeId: ids[5] }, 2),
      ids.slice(2, 5),
    );
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'desc', afterId: ids[1], beforeId: ids[5] }, 2),
      ids.slice(2, 5).reverse(),
    );
    const pick = (...i: number[]) => i.map((n) => ids[n]);
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'asc', types: ['order.success'] }, 1), pick(0, 6));
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'asc', types: ['transaction.*'] }, 2),
      pick(1, 3, 4),
    );
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'asc', types: ['order.cancel', 'transaction.*'] }, 10),
      pick(1, 2, 3, 4),
    );
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'desc', types: ['transaction.*'], afterId: ids[1] }, 10),
      pick(4, 3),
    );
    assert.deepEqual(await allEvents(store, { merchantId: a, types: ['nothing.here'] }, 10), []);
    assert.deepEqual(
      await allEvents(store, { merchantId: a, types: [] }, 10),
      [...ids].reverse(),
      'an empty type list filters nothing',
    );
  });

  test('listEvents: a `*` in the type filter matches every type, alone or beside other names', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const events = ['order.success', 'transaction.failed', 'transaction', 'refund.card.x'].map((type, i) =>
      newEvent(a, type, t0 + i),
    );
    await store.appendEvents(events);
    await store.appendEvents([newEvent(await newMerchant(store), 'order.success', t0)]);
    const ids = events.map((e) => e.id);
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'asc', types: ['*'] }, 3), ids);
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'desc', types: ['*'] }, 3), [...ids].reverse());
    assert.deepEqual(await allEvents(store, { merchantId: a, order: 'asc', types: ['nothing.here', '*'] }, 10), ids);
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'asc', types: ['*'], afterId: ids[1] }, 10),
      ids.slice(2),
    );
    assert.deepEqual(
      await allEvents(store, { merchantId: a, order: 'asc', types: ['order.*'] }, 10),
      [ids[0]],
      'only a whole `*` is every type',
    );
  });

  test("countDeliveriesSince: the merchant's deliveries made since a time, by status; older ones and other merchants' are not counted", async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    await newEndpoint(store, a);
    await newEndpoint(store, b);
    const now = Date.now();
    const since = now - 3_600_000;
    const before = newEvent(a, 'order.success', since - 1);
    const atStart = newEvent(a, 'order.success', since);
    const recent = newEvent(a, 'order.success', now - 1000);
    await store.appendEvents([before, atStart, recent, newEvent(b, 'order.success', now - 1000)]);
    const claimed = await claimAll(store, now, 'w');
    assert.equal(claimed.length, 4);
    const done = claimed.filter((c) => c.eventId === recent.id || c.eventId === before.id);
    await store.recordResults(done.map((c) => resultFor(c, 'w', 'succeeded')));
    await store.releaseClaims(
      'w',
      claimed.filter((c) => !done.includes(c)).map((c) => c.id),
    );
    assert.deepEqual(await store.countDeliveriesSince(a, since), { pending: 1, succeeded: 1, failed: 0, cancelled: 0 });
    assert.deepEqual(await store.countDeliveries(a), { pending: 1, succeeded: 2, failed: 0, cancelled: 0 });
    assert.deepEqual(await store.countDeliveriesSince(b, since), { pending: 1, succeeded: 0, failed: 0, cancelled: 0 });
    assert.deepEqual(await store.countDeliveriesSince(a, now), { pending: 0, succeeded: 0, failed: 0, cancelled: 0 });
  });

  test('pruneEvents: removes old events whose deliveries are all finished, with their deliveries and attempts', async (store) => {
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const now = Date.now();
    const old = now - 10 * 86_400_000;
    const oldDone = [newEvent(a, 'order.success', old), newEvent(a, 'order.success', old + 1)];
    const oldPending = newEvent(a, 'order.success', old + 2);
    const recentDone = newEvent(a, 'order.success', now - 1000);
    const noDeliveries = newEvent(await newMerchant(store), 'order.success', old + 3);
    await store.appendEvents([...oldDone, oldPending, recentDone, noDeliveries]);
    const claimed = await claimAll(store, now, 'w');
    assert.equal(claimed.length, 4);
    const doneIds = new Set([...oldDone, recentDone].map((e) => e.id));
    const finished = claimed.filter((c) => doneIds.has(c.eventId));
    await store.recordResults(
      finished.map((c) => resultFor(c, 'w', 'succeeded', { startedAt: c.eventCreatedAt + 10 })),
    );
    await store.releaseClaims(
      'w',
      claimed.filter((c) => !doneIds.has(c.eventId)).map((c) => c.id),
    );
    const before = now - 86_400_000;
    assert.deepEqual(
      await store.pruneEvents(before, 1),
      { events: 1, deliveries: 1, attempts: 1 },
      'the limit is honoured',
    );
    assert.deepEqual(await store.pruneEvents(before, 100), { events: 2, deliveries: 1, attempts: 1 });
    assert.deepEqual(await store.pruneEvents(before, 100), { events: 0, deliveries: 0, attempts: 0 });
    for (const e of oldDone) {
      assert.equal(await store.getEvent(a, e.id), null);
      const d = finished.find((c) => c.eventId === e.id)!;
      assert.equal(await store.getDelivery(a, d.id), null);
      assert.deepEqual(await store.listAttempts(a, d.id), []);
    }
    assert.ok(await store.getEvent(a, oldPending.id), 'an event with a pending delivery stays');
    assert.ok(await store.getEvent(a, recentDone.id), 'a recent event stays');
    const recent = finished.find((c) => c.eventId === recentDone.id)!;
    assert.equal((await store.listAttempts(a, recent.id)).length, 1);
    assert.equal((await store.countDeliveries(a)).pending, 1);
  });

  test('onDue: fires after appendEvents creates due deliveries, and after a manual retry', async (store) => {
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const t0 = Date.now();
    const first = nextDue(store);
    await store.appendEvents([newEvent(a, 'order.success', t0)]);
    await first.fired;
    const [d] = await claimAll(store, t0 + 1, 'w');
    await store.recordResults([resultFor(d, 'w', 'failed')]);
    const second = nextDue(store);
    assert.ok(await store.retryDelivery(a, d.id, Date.now()));
    await second.fired;
    let calls = 0;
    const unsubscribe = store.onDue(() => {
      calls++;
    });
    assert.equal(typeof unsubscribe, 'function');
    unsubscribe();
    const third = nextDue(store);
    await store.appendEvents([newEvent(a, 'order.success', Date.now())]);
    await third.fired;
    assert.equal(calls, 0, 'an unsubscribed listener is not called');
  });
}
