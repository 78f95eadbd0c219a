/** Contract cases: resending an event (its deliveries due again, the resend recorded for listen streams). */
import assert from 'node:assert/strict';
import { idFloor, newId, type EventId } from '../../../src/ids.js';
import type { Case } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, nextDue, resultFor } from './fixtures.js';

export function resendCases(test: Case): void {
  test('resendEvent: every delivery to a live endpoint is due again, whatever its status; scoped to the merchant', async (store) => {
    const a = await newMerchant(store);
    const ok = await newEndpoint(store, a);
    const broken = await newEndpoint(store, a);
    const disabled = await newEndpoint(store, a);
    const t0 = Date.now() - 60_000;
    const e = newEvent(a, 'order.success', t0);
    await store.appendEvents([e]);
    await store.updateEndpoint(a, disabled.id, { disabled: true }, t0 + 1);
    const claimed = await claimAll(store, t0 + 2, 'w');
    assert.equal(claimed.length, 2);
    await store.recordResults(
      claimed.map((c) => resultFor(c, 'w', c.endpointId === ok.id ? 'succeeded' : 'failed', { startedAt: t0 + 3 })),
    );

    assert.equal(
      await store.resendEvent(await newMerchant(store), e.id, { id: newId('rsd'), now: Date.now() }),
      null,
      "another merchant's event is not found",
    );
    assert.equal(await store.resendEvent(a, newId('evt') as EventId, { id: newId('rsd'), now: Date.now() }), null);

    const now = Date.now();
    const woken = nextDue(store);
    assert.deepEqual(await store.resendEvent(a, e.id, { id: newId('rsd', now), now }), { deliveries: 2 });
    await woken.fired;
    const byEndpoint = new Map(
      (await store.listDeliveries({ merchantId: a, eventId: e.id, limit: 10 })).items.map((d) => [d.endpointId, d]),
    );
    for (const ep of [ok, broken]) {
      const d = byEndpoint.get(ep.id)!;
      assert.equal(d.status, 'pending', ep === ok ? 'a succeeded delivery is sent again' : 'a failed one too');
      assert.equal(d.nextAttemptAt, now);
      assert.equal(d.attempts, 1, 'the attempts so far stay counted');
    }
    const waiting = byEndpoint.get(disabled.id)!;
    assert.deepEqual([waiting.status, waiting.nextAttemptAt], ['pending', null], "a disabled endpoint's keeps waiting");
    const again = await claimAll(store, now, 'w2');
    assert.equal(again.length, 2);

    // In flight: the claim stays (the delivery is being sent now).
    assert.deepEqual(await store.resendEvent(a, e.id, { id: newId('rsd'), now: Date.now() }), { deliveries: 0 });
    assert.equal((await claimAll(store, Date.now(), 'w3')).length, 0);
  });

  test('listResends: after a cursor, oldest first, with the event, by type, per merchant; pruned with the event', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const old = Date.now() - 10 * 86_400_000;
    const order = newEvent(a, 'order.success', old, null, { order: 1 });
    const shop = newEvent(a, 'shop.shipped', old + 1);
    const other = newEvent(b, 'order.success', old + 2);
    await store.appendEvents([order, shop, other]);
    const t = Date.now();
    const r1 = newId('rsd', t);
    const r2 = newId('rsd', t + 1);
    const r3 = newId('rsd', t + 2);
    assert.ok(await store.resendEvent(a, order.id, { id: r1, now: t }));
    assert.ok(await store.resendEvent(a, shop.id, { id: r2, now: t + 1 }));
    assert.ok(await store.resendEvent(a, order.id, { id: r3, now: t + 2 }));
    assert.ok(await store.resendEvent(b, other.id, { id: newId('rsd', t + 3), now: t + 3 }));

    const all = await store.listResends({ merchantId: a, afterId: idFloor('rsd', 0), limit: 10 });
    assert.deepEqual(
      all.map((r) => [r.id, r.event.id, r.createdAt]),
      [
        [r1, order.id, t],
        [r2, shop.id, t + 1],
        [r3, order.id, t + 2],
      ],
    );
    assert.equal(all[0].event.body, order.body, 'the exact envelope bytes');
    assert.equal(all[0].event.data, order.data);
    assert.deepEqual(
      (await store.listResends({ merchantId: a, afterId: r1, limit: 10 })).map((r) => r.id),
      [r2, r3],
    );
    assert.deepEqual(
      (await store.listResends({ merchantId: a, afterId: idFloor('rsd', 0), limit: 1 })).map((r) => r.id),
      [r1],
    );
    assert.deepEqual(
      (await store.listResends({ merchantId: a, afterId: idFloor('rsd', 0), types: ['shop.*'], limit: 10 })).map(
        (r) => r.id,
      ),
      [r2],
    );

    // Retention: delivered (no endpoint, so nothing pending) and old, the events go, their resends too.
    assert.equal((await store.pruneEvents(Date.now() - 86_400_000, 100)).events, 3);
    assert.deepEqual(await store.listResends({ merchantId: a, afterId: idFloor('rsd', 0), limit: 10 }), []);
    assert.deepEqual(await store.listResends({ merchantId: b, afterId: idFloor('rsd', 0), limit: 10 }), []);
  });
}
