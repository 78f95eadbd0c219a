/** Contract cases: claiming due deliveries (order, limit, leases, exclusions) and concurrent claimers. */
import assert from 'node:assert/strict';
import type { EndpointId, EventId } from '../../../src/ids.js';
import type { ClaimedDelivery } from '../../../src/store/types.js';
import type { Case } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, resultFor } from './fixtures.js';

export function claimCases(test: Case): void {
  test('claimDue: only due deliveries, oldest first, up to the limit, with everything a send needs', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a, {
      url: 'https://r.test/a',
      headers: { 'x-a': '1' },
      format: 'foloosi',
      apiVersion: '2026-12-05',
      payloadStyle: 'thin',
      timeoutMs: 3000,
    });
    const events = [
      newEvent(a, 'order.success', t0 + 30, null, { i: 3 }),
      newEvent(a, 'order.success', t0 + 10, null, { i: 1 }),
      newEvent(a, 'order.success', t0 + 20, null, { i: 2 }),
      newEvent(a, 'order.success', t0 + 5000),
    ];
    await store.appendEvents(events);
    assert.deepEqual(
      await store.claimDue({ now: t0 + 5, limit: 10, leaseMs: 1000, owner: 'w' }),
      [],
      'nothing is due yet',
    );
    const two = await store.claimDue({ now: t0 + 100, limit: 2, leaseMs: 1000, owner: 'w' });
    assert.deepEqual(
      two.map((c) => c.eventId),
      [events[1].id, events[2].id],
    );
    const c = two[0];
    assert.equal(c.eventType, 'order.success');
    assert.equal(c.eventCreatedAt, t0 + 10);
    assert.equal(c.body, events[1].body);
    assert.ok(c.data === '' || c.data === events[1].data, 'data is either left for the dispatcher or exact');
    assert.equal(c.attempts, 0);
    assert.equal(c.endpointId, ep.id);
    assert.equal(c.merchantId, a);
    assert.equal(c.url, 'https://r.test/a');
    assert.deepEqual(c.headers, { 'x-a': '1' });
    assert.equal(c.format, 'foloosi');
    assert.equal(c.apiVersion, '2026-12-05');
    assert.equal(c.payloadStyle, 'thin');
    assert.equal(c.data, events[1].data, 'a thin or non-standard delivery carries the data it reads');
    assert.equal(c.timeoutMs, 3000);
    assert.ok(c.id.startsWith('del_'));
    const rest = await store.claimDue({ now: t0 + 100, limit: 10, leaseMs: 1000, owner: 'w' });
    assert.deepEqual(
      rest.map((x) => x.eventId),
      [events[0].id],
      'the future one is not due',
    );
  });

  test("claimDue: a claim across endpoints gives each delivery its own endpoint's settings", async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const one = await newEndpoint(store, a, {
      url: 'https://r.test/one',
      headers: { 'x-n': '1' },
      retrySchedule: [1000, 60_000],
    });
    const two = await newEndpoint(store, a, {
      url: 'https://r.test/two',
      headers: { 'x-n': '2' },
      apiVersion: '2026-11-27',
      timeoutMs: 2500,
    });
    const events = [newEvent(a, 'order.success', t0), newEvent(a, 'order.success', t0 + 1)];
    await store.appendEvents(events);
    const claimed = await store.claimDue({ now: t0 + 100, limit: 10, leaseMs: 1000, owner: 'w' });
    const seen = claimed.map((c) => [
      c.eventId,
      c.endpointId === one.id ? 'one' : c.endpointId === two.id ? 'two' : '?',
      c.url,
      c.headers['x-n'],
      c.apiVersion,
      c.timeoutMs,
      c.retrySchedule,
      c.circuitDirty,
    ]);
    const expect = (e: number, which: 'one' | 'two') =>
      which === 'one'
        ? [events[e].id, 'one', 'https://r.test/one', '1', one.apiVersion, null, [1000, 60_000], false]
        : [events[e].id, 'two', 'https://r.test/two', '2', '2026-11-27', 2500, null, false];
    assert.deepEqual(
      [...seen].sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`)),
      [expect(0, 'one'), expect(0, 'two'), expect(1, 'one'), expect(1, 'two')],
    );
  });

  test('claimDue: a claim is held until its lease ends, then any owner may take it', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'order.success', t0)]);
    const [c] = await store.claimDue({ now: t0, limit: 10, leaseMs: 1000, owner: 'first' });
    assert.ok(c);
    const leased = await store.getDelivery(a, c.id);
    assert.equal(leased?.status, 'pending');
    assert.equal(leased?.nextAttemptAt, null, 'a leased delivery shows no next attempt time');
    assert.deepEqual(await store.claimDue({ now: t0 + 999, limit: 10, leaseMs: 1000, owner: 'second' }), []);
    assert.equal(await store.nextDueAt(), t0 + 1000, 'the lease end is when it is due again');
    const [again] = await store.claimDue({ now: t0 + 1000, limit: 10, leaseMs: 1000, owner: 'second' });
    assert.equal(again?.id, c.id);
    assert.equal(again.attempts, 0);
  });

  test('claimDue: skips excluded endpoints', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const busy = await newEndpoint(store, a);
    const idle = await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0), newEvent(a, 'x.y', t0 + 1)]);
    const got = await store.claimDue({
      now: t0 + 10,
      limit: 10,
      leaseMs: 1000,
      owner: 'w',
      excludeEndpoints: [busy.id],
    });
    assert.equal(got.length, 2);
    assert.deepEqual(new Set(got.map((c) => c.endpointId)), new Set([idle.id]));
    assert.equal(
      (await store.claimDue({ now: t0 + 10, limit: 10, leaseMs: 1000, owner: 'w', excludeEndpoints: [] })).length,
      2,
    );
  });

  test('claimDue: deliveries of a disabled endpoint are not claimed until it is enabled again', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0)]);
    await store.updateEndpoint(a, ep.id, { disabled: true }, t0 + 1);
    const [d] = (await store.listDeliveries({ merchantId: a, limit: 10 })).items;
    assert.deepEqual([d.status, d.nextAttemptAt], ['pending', null], 'it waits');
    const retried = await store.retryDelivery(a, d.id, t0 + 2);
    assert.equal(retried?.status, 'pending', 'a manual retry reopens it');
    assert.deepEqual(
      await store.claimDue({ now: t0 + 10, limit: 10, leaseMs: 1000, owner: 'w' }),
      [],
      'but a disabled endpoint gets nothing',
    );
    await store.updateEndpoint(a, ep.id, { disabled: false }, t0 + 3);
    assert.deepEqual(
      (await store.claimDue({ now: t0 + 10, limit: 10, leaseMs: 1000, owner: 'w' })).map((c) => c.id),
      [d.id],
    );
  });

  test('claimDue: concurrent claimers never get the same delivery', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await newEndpoint(store, a);
    await store.appendEvents(Array.from({ length: 100 }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    const batches = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        store.claimDue({ now: t0 + 1000, limit: 10, leaseMs: 60_000, owner: `w${i}` }),
      ),
    );
    const ids = batches.flat().map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'no delivery was handed to two claimers');
    const rest = await claimAll(store, t0 + 1000, 'last');
    const every = [...ids, ...rest.map((c) => c.id)];
    assert.equal(every.length, 300);
    assert.equal(new Set(every).size, 300);
  });

  test('releaseClaims: the owner’s claims are due again at once; others’ are untouched', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0), newEvent(a, 'x.y', t0 + 1)]);
    const [mine] = await store.claimDue({ now: t0 + 1, limit: 1, leaseMs: 600_000, owner: 'mine' });
    const [theirs] = await store.claimDue({ now: t0 + 1, limit: 1, leaseMs: 600_000, owner: 'theirs' });
    await store.releaseClaims('mine', [mine.id, theirs.id]);
    await store.releaseClaims('mine', []);
    const later = Date.now() + 1;
    const again = await store.claimDue({ now: later, limit: 10, leaseMs: 1000, owner: 'next' });
    assert.deepEqual(
      again.map((c) => c.id),
      [mine.id],
    );
    assert.equal(again[0].attempts, 0, 'a release is not an attempt');
  });

  test('deferEndpoint: that endpoint\u2019s unclaimed due deliveries are paced in their order; claimed, not yet due and other endpoints\u2019 ones are untouched', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const dead = await newEndpoint(store, a, { eventTypes: ['dead.*'] });
    const live = await newEndpoint(store, a, { eventTypes: ['live.*'] });
    const deadEvents = Array.from({ length: 6 }, (_, i) => newEvent(a, 'dead.x', t0 + i));
    const notYetDue = newEvent(a, 'dead.x', t0 + 100_000);
    await store.appendEvents([...deadEvents, notYetDue, newEvent(a, 'live.x', t0 + 6)]);
    const [inFlight] = await store.claimDue({ now: t0 + 10, limit: 1, leaseMs: 600_000, owner: 'w' });
    assert.equal(inFlight.eventId, deadEvents[0].id);

    // Five due and unclaimed: two at now + 1 s, then the other three at the horizon (two steps).
    const now = t0 + 10;
    assert.equal(await store.deferEndpoint(dead.id, { now, stepMs: 1000, perStep: 2, steps: 2 }), 5);
    assert.equal(await store.deferEndpoint(dead.id, { now, stepMs: 1000, perStep: 2, steps: 2 }), 0, 'none due now');
    const events = (claims: ClaimedDelivery[]) => claims.map((c) => c.eventId).sort();
    const atNow = await store.claimDue({ now, limit: 10, leaseMs: 600_000, owner: 'x' });
    assert.deepEqual(
      atNow.map((c) => c.endpointId),
      [live.id],
      'only the other endpoint is due now',
    );
    const step1 = await store.claimDue({ now: now + 999, limit: 10, leaseMs: 600_000, owner: 'y' });
    assert.deepEqual(step1, [], 'nothing before the first step');
    const first = await store.claimDue({ now: now + 1000, limit: 10, leaseMs: 600_000, owner: 'y' });
    assert.deepEqual(events(first), [deadEvents[1].id, deadEvents[2].id].sort(), 'the oldest two first');
    const rest = await store.claimDue({ now: now + 2000, limit: 10, leaseMs: 600_000, owner: 'y' });
    assert.deepEqual(
      events(rest),
      deadEvents
        .slice(3)
        .map((e) => e.id)
        .sort(),
      'the rest at the horizon',
    );
    assert.ok(
      [...first, ...rest].every((c) => c.attempts === 0),
      'pacing is not an attempt',
    );
    const late = await store.claimDue({ now: t0 + 100_000, limit: 10, leaseMs: 600_000, owner: 'z' });
    assert.deepEqual(events(late), [notYetDue.id], 'one not yet due keeps its own time');
  });

  test('undeferEndpoint: what the paces put off is due now, up to their last step; a later retry, one not yet due and other endpoints\u2019 keep their times', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const back = await newEndpoint(store, a, { eventTypes: ['back.*'] });
    const other = await newEndpoint(store, a, { eventTypes: ['other.*'] });
    const backEvents = Array.from({ length: 5 }, (_, i) => newEvent(a, 'back.x', t0 + i));
    const notYetDue = newEvent(a, 'back.x', t0 + 100_000);
    const otherEvents = [newEvent(a, 'other.x', t0 + 5), newEvent(a, 'other.x', t0 + 6)];
    await store.appendEvents([...backEvents, notYetDue, ...otherEvents]);
    const now = t0 + 10;
    // The oldest is tried and fails: its retry is due in a minute, past the pace's last step.
    const [tried] = await store.claimDue({ now, limit: 1, leaseMs: 600_000, owner: 'w' });
    assert.equal(tried.eventId, backEvents[0].id);
    await store.recordResults([resultFor(tried, 'w', 'retry', { startedAt: now, nextAttemptAt: now + 60_000 })]);
    // The other four paced to now + 1 s and now + 2 s (the last step); the other endpoint's two as well.
    const pace = { now, stepMs: 1000, perStep: 2, steps: 2 };
    assert.equal(await store.deferEndpoint(back.id, pace), 4);
    assert.equal(await store.deferEndpoint(other.id, pace), 2);

    const later = now + 5;
    assert.equal(await store.undeferEndpoint(back.id, { now: later, until: now + 2000 }), 4);
    assert.equal(await store.undeferEndpoint(back.id, { now: later, until: now + 2000 }), 0, 'nothing left to move');
    const due = await store.claimDue({ now: later, limit: 10, leaseMs: 600_000, owner: 'x' });
    assert.deepEqual(
      due.map((c) => c.eventId).sort(),
      backEvents
        .slice(1)
        .map((e) => e.id)
        .sort(),
      'the four paced, due now; not the other endpoint\u2019s',
    );
    assert.ok(
      due.every((c) => c.attempts === 0),
      'not an attempt',
    );
    const times = new Map(
      (await store.listDeliveries({ merchantId: a, limit: 20 })).items.map((d) => [d.eventId, d.nextAttemptAt]),
    );
    assert.equal(times.get(backEvents[0].id), now + 60_000, 'the retry keeps its own time');
    assert.equal(times.get(notYetDue.id), t0 + 100_000, 'one not yet due keeps its time');
    assert.deepEqual(
      otherEvents.map((e) => times.get(e.id)),
      [now + 1000, now + 1000],
      'the other endpoint stays paced',
    );
    // Past the last step: only up to `until` moves (the retry a minute out stays).
    assert.equal(await store.undeferEndpoint(back.id, { now: later, until: now + 59_999 }), 0);
  });

  test('appendEvents: behind a pace that left deliveries at its horizon, new ones wait there too, until undeferEndpoint; a pace within its steps leaves them due', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const slow = await newEndpoint(store, a, { eventTypes: ['slow.*'] });
    const fits = await newEndpoint(store, a, { eventTypes: ['fits.*'] });
    await store.appendEvents([
      ...Array.from({ length: 5 }, (_, i) => newEvent(a, 'slow.x', t0 + i)),
      newEvent(a, 'fits.x', t0 + 5),
      newEvent(a, 'fits.x', t0 + 6),
    ]);
    // Two steps of two: `slow` has one of its five left at the horizon, `fits` has both within the steps.
    const now = t0 + 10;
    const pace = { now, stepMs: 1000, perStep: 2, steps: 2 };
    assert.equal(await store.deferEndpoint(slow.id, pace), 5);
    assert.equal(await store.deferEndpoint(fits.id, pace), 2);

    const behind = newEvent(a, 'slow.x', now + 1);
    const fresh = newEvent(a, 'fits.x', now + 1);
    await store.appendEvents([behind, fresh]);
    const timeOf = async (eventId: EventId) =>
      (await store.listDeliveries({ merchantId: a, limit: 50 })).items.find((d) => d.eventId === eventId)
        ?.nextAttemptAt;
    assert.equal(await timeOf(behind.id), now + 2000, 'after the backlog, at the horizon');
    assert.equal(await timeOf(fresh.id), now + 1, 'nothing at the horizon: due at once');
    assert.deepEqual(
      (await store.claimDue({ now: now + 1, limit: 10, leaseMs: 600_000, owner: 'w' })).map((c) => c.eventId),
      [fresh.id],
      'the paced endpoint\u2019s new delivery is not claimable before its horizon',
    );

    // Recovered: what waited is due, and what comes next is due at once again.
    assert.equal(await store.undeferEndpoint(slow.id, { now: now + 5, until: now + 2000 }), 6);
    const after = newEvent(a, 'slow.x', now + 6);
    await store.appendEvents([after]);
    assert.equal(await timeOf(after.id), now + 6);
  });

  test('nextDueAt: the earliest due time of a pending delivery, or null', async (store) => {
    assert.equal(await store.nextDueAt(), null);
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0 + 50), newEvent(a, 'x.y', t0 + 20)]);
    assert.equal(await store.nextDueAt(), t0 + 20);
    const claimed = await claimAll(store, t0 + 100, 'w', 5000);
    assert.equal(await store.nextDueAt(), t0 + 5100);
    await store.recordResults(claimed.map((c) => resultFor(c, 'w', 'succeeded')));
    assert.equal(await store.nextDueAt(), null);
  });

  test('claimDue: each claim carries the trace context its event was stored with, or null', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const traced = { ...newEvent(a, 'x.y', t0), traceparent };
    const plain = newEvent(a, 'x.y', t0 + 1);
    await store.appendEvents([traced, plain]);
    const claimed = await claimAll(store, t0 + 10, 'w');
    assert.equal(claimed.find((c) => c.eventId === traced.id)?.traceparent, traceparent);
    assert.equal(claimed.find((c) => c.eventId === plain.id)?.traceparent, null);
  });

  test('queueStats: pending deliveries and the earliest due time, claimed and finished ones as they are', async (store) => {
    assert.deepEqual(await store.queueStats(), { pending: 0, oldestDueAt: null });
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0 + 20), newEvent(a, 'x.y', t0 + 50)]);
    assert.deepEqual(await store.queueStats(), { pending: 4, oldestDueAt: t0 + 20 }, 'two events × two endpoints');
    const first = await store.claimDue({ now: t0 + 30, limit: 10, leaseMs: 5000, owner: 'w' });
    assert.equal(first.length, 2, 'only the first event is due at t0 + 30');
    assert.deepEqual(
      await store.queueStats(),
      { pending: 4, oldestDueAt: t0 + 50 },
      'claimed ones are due at their lease end, after the second event',
    );
    await store.recordResults(first.map((c) => resultFor(c, 'w', 'succeeded')));
    assert.deepEqual(await store.queueStats(), { pending: 2, oldestDueAt: t0 + 50 });
    const rest = await claimAll(store, t0 + 100, 'w', 5000);
    await store.recordResults(rest.map((c) => resultFor(c, 'w', 'failed')));
    assert.deepEqual(await store.queueStats(), { pending: 0, oldestDueAt: null }, 'finished ones are not pending');
  });

  test('getDelivery and listDeliveries: scoped to the merchant, filtered, paged newest first', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const e1 = await newEndpoint(store, a);
    const e2 = await newEndpoint(store, a, { eventTypes: ['order.*'] });
    await newEndpoint(store, b);
    const events = Array.from({ length: 4 }, (_, i) => newEvent(a, i % 2 ? 'order.success' : 'refund.done', t0 + i));
    await store.appendEvents(events);
    await store.appendEvents([newEvent(b, 'order.success', t0 + 50)]);
    const page = async (
      f: { endpointId?: EndpointId; eventId?: EventId; status?: 'pending' | 'succeeded' },
      limit: number,
    ) => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const p = await store.listDeliveries({ merchantId: a, ...f, limit, cursor });
        out.push(...p.items.map((d) => d.id));
        cursor = p.nextCursor;
      } while (cursor !== null);
      return out;
    };
    const every = await page({}, 2);
    assert.equal(every.length, 6);
    assert.deepEqual(every, [...every].sort().reverse(), 'newest first');
    assert.equal((await page({ endpointId: e1.id }, 3)).length, 4);
    assert.equal((await page({ endpointId: e2.id }, 3)).length, 2);
    assert.equal((await page({ eventId: events[1].id }, 3)).length, 2);
    assert.equal((await page({ eventId: events[1].id, endpointId: e2.id }, 3)).length, 1);
    const [c] = await store.claimDue({ now: t0 + 100, limit: 1, leaseMs: 1000, owner: 'w' });
    await store.recordResults([resultFor(c, 'w', 'succeeded')]);
    assert.deepEqual(await page({ status: 'succeeded' }, 3), [c.id]);
    assert.equal((await page({ status: 'pending' }, 3)).length, 5);
    assert.equal((await store.getDelivery(a, c.id))?.status, 'succeeded');
    assert.equal(await store.getDelivery(b, c.id), null);
    assert.deepEqual(await store.listAttempts(b, c.id), [], "another merchant's attempts are not listed");
  });
}
