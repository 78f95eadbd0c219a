/**
 * Contract cases: new deliveries claimed as they are appended, for a dispatcher's offer
 * (`Store.offerNewDeliveries`, `DirectClaim`): what is taken, within which room, and what is left to
 * `claimDue`.
 */
import assert from 'node:assert/strict';
import type { Case, ContractOptions } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, resultFor, sorted as sortedIds, testOffer } from './fixtures.js';

export function offerCases(test: Case, options: Pick<ContractOptions, 'claimsAtAppend'>): void {
  test('offerNewDeliveries: what the offer takes is leased to it; the rest is left to claimDue', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const plain = await newEndpoint(store, a, {
      url: 'https://r.test/plain',
      headers: { 'x-a': '1' },
      timeoutMs: 3000,
    });
    const refused = await newEndpoint(store, a, { url: 'https://r.test/refused' });
    const limited = await newEndpoint(store, a, { url: 'https://r.test/limited', rateLimit: 5 });
    const ordered = await newEndpoint(store, a, { url: 'https://r.test/ordered', ordered: true });
    const paused = await newEndpoint(store, a, { url: 'https://r.test/paused', disabled: true });
    // The refused endpoint has no room: one in trouble, or at its allowance.
    const claim = testOffer('direct', 60_000, { rooms: { [refused.id]: 0 } });
    let offers = 0;
    const withdraw = store.offerNewDeliveries(() => {
      offers++;
      return claim;
    });
    const keyed = { ...newEvent(a, 'order.success', t0, null, { i: 1 }), orderingKey: 'ord_1' };
    const [appended] = await store.appendEvents([keyed]);
    assert.equal(appended.deliveries, 5);
    withdraw();
    const later = newEvent(a, 'order.success', t0 + 1);
    await store.appendEvents([later]);
    assert.equal(offers, options.claimsAtAppend ? 1 : 0, 'asked once per transaction, and not once withdrawn');
    const all = await claimAll(store, t0 + 1, 'loop');
    assert.ok(
      all.some((x) => x.eventId === later.id && x.endpointId === plain.id),
      'once withdrawn, new deliveries are left to claimDue',
    );
    const rest = all.filter((x) => x.eventId === keyed.id);
    const { asked, accepted } = claim;
    if (!options.claimsAtAppend) {
      assert.deepEqual(asked, [], 'a backend without direct claims never asks');
      assert.equal(claim.budgets, 0);
      assert.deepEqual(accepted, []);
      assert.deepEqual(
        sortedIds(rest.map((d) => d.endpointId)),
        sortedIds([plain.id, refused.id, limited.id, ordered.id]),
      );
      return;
    }
    // Only endpoints with nothing to apply are offered: not the rate-limited, the ordered (keyed) or the
    // disabled one. A backend asks `take` for each, or for the budget once.
    if (claim.budgets === 0) assert.deepEqual(sortedIds(asked), sortedIds([plain.id, refused.id]));
    else assert.deepEqual([asked, claim.budgets], [[], 1], 'one budget');
    assert.equal(accepted.length, 1, 'accepted once, after the commit');
    const [{ batch, leaseEnd }] = accepted;
    assert.equal(batch.length, 1);
    const d = batch[0];
    assert.ok(leaseEnd >= t0 + 60_000 && leaseEnd <= Date.now() + 60_000);
    assert.equal(d.endpointId, plain.id);
    assert.equal(d.eventId, keyed.id);
    assert.equal(d.body, keyed.body);
    assert.equal(d.url, 'https://r.test/plain');
    assert.deepEqual(d.headers, { 'x-a': '1' });
    assert.equal(d.timeoutMs, 3000);
    assert.equal(d.attempts, 0);
    assert.equal(d.orderingKey, null, 'an unordered endpoint sends without the key');
    assert.equal(d.circuitDirty, false);
    // Leased: no other claimer gets it, and it shows no next attempt time, as a claimed one does.
    assert.deepEqual(sortedIds(rest.map((x) => x.endpointId)), sortedIds([refused.id, limited.id, ordered.id]));
    assert.equal((await store.getDelivery(a, d.id))?.nextAttemptAt, null);
    // Its owner's result applies.
    await store.recordResults([resultFor(d, 'direct', 'succeeded')]);
    assert.equal((await store.getDelivery(a, d.id))?.status, 'succeeded');
    assert.ok(paused, 'the disabled endpoint was never offered');
  });

  test('offerNewDeliveries: a delivery the offer took is due again when its lease ends', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    const offer = testOffer('gone', 1000);
    const withdraw = store.offerNewDeliveries(() => offer);
    await store.appendEvents([newEvent(a, 'order.success', t0)]);
    withdraw();
    const due = await store.nextDueAt();
    assert.ok(due !== null);
    const [again] = await claimAll(store, due + 1000, 'next');
    assert.ok(again, 'claimable by anyone once the lease (if any) has ended');
    assert.equal(again.attempts, 0);
    if (options.claimsAtAppend) assert.equal(again.id, offer.accepted[0]?.batch[0]?.id);
    else assert.deepEqual(offer.accepted, []);
  });

  test("offerNewDeliveries: the offer's room, in all and per endpoint, takes events in order", async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const one = await newEndpoint(store, a, { url: 'https://r.test/one' });
    const none = await newEndpoint(store, a, { url: 'https://r.test/none' });
    const other = await newEndpoint(store, a, { url: 'https://r.test/other' });
    const offer = testOffer('direct', 60_000, { room: 4, rooms: { [one.id]: 1, [none.id]: 0 }, otherRoom: 2 });
    let withdraw = store.offerNewDeliveries(() => offer);
    const events = [0, 1, 2].map((i) => newEvent(a, 'order.success', t0 + i, null, { i }));
    const appended = await store.appendEvents(events);
    withdraw();
    assert.deepEqual(
      appended.map((x) => x.deliveries),
      [3, 3, 3],
    );
    const taken = offer.accepted.flatMap((x) => x.batch).map((d) => `${d.eventId} ${d.endpointId}`);
    const rest = (await claimAll(store, t0 + 10, 'loop')).map((d) => `${d.eventId} ${d.endpointId}`);
    if (!options.claimsAtAppend) {
      assert.deepEqual(taken, []);
      assert.equal(rest.length, 9);
      return;
    }
    // `one` has room for one, `none` for none, `other` the other room (2): three of the four in all.
    const expected = [`${events[0].id} ${one.id}`, `${events[0].id} ${other.id}`, `${events[1].id} ${other.id}`];
    assert.deepEqual(sortedIds(taken), sortedIds(expected));
    assert.equal(offer.accepted.length, 1, 'handed over once');
    assert.deepEqual(
      sortedIds(rest),
      sortedIds(
        events.flatMap((e) => [one, none, other].map((p) => `${e.id} ${p.id}`)).filter((x) => !expected.includes(x)),
      ),
    );

    // The room in all: two events for one slot, the first in input order.
    const b = await newMerchant(store);
    await newEndpoint(store, b);
    const single = testOffer('direct', 60_000, { room: 1 });
    withdraw = store.offerNewDeliveries(() => single);
    const pair = [newEvent(b, 'order.success', t0 + 20), newEvent(b, 'order.success', t0 + 21)];
    await store.appendEvents(pair);
    withdraw();
    assert.deepEqual(
      single.accepted.flatMap((x) => x.batch).map((d) => d.eventId),
      [pair[0].id],
    );
    assert.deepEqual(
      (await claimAll(store, t0 + 30, 'loop')).map((d) => d.eventId),
      [pair[1].id],
    );
  });
}
