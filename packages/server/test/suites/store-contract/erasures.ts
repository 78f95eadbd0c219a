/**
 * Erasures on every backend: the erasure service (erasures/service.ts) over the Store redacts one
 * merchant's customer and nothing else: not other customers, not the same e-mail at another merchant.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { eraseSubject } from '../../../src/erasures/service.js';
import type { EventId, MerchantId } from '../../../src/ids.js';
import type { Store } from '../../../src/store/types.js';
import { type Case, claimAll, newEndpoint, newEvent, newMerchant, resultFor } from './fixtures.js';

function payment(order: string, email: string, mobile: string, name: string) {
  return {
    order_id: order,
    amount: 10000,
    amount_decimal: '100.00',
    currency: 'AED',
    customer_email: email,
    customer_mobile: mobile,
    customer_name: name,
    billing_address: { line1: '1 Palm Street', city: 'Dubai' },
    card_holder: name,
    card_last_four: '1111',
  };
}

async function deliverAll(store: Store, answers: Record<string, string>): Promise<void> {
  const now = Date.now();
  const claimed = await claimAll(store, now + 1000, 'w');
  await store.recordResults(
    claimed.map((c) => resultFor(c, 'w', 'succeeded', { responseBody: answers[c.eventId] ?? 'ok' })),
  );
}

async function bodyOf(store: Store, m: MerchantId, id: string): Promise<string> {
  const e = await store.getEvent(m, id as EventId);
  assert.ok(e, `event ${id}`);
  return e.body;
}

async function attemptBodies(store: Store, m: MerchantId, eventId: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of (await store.listDeliveries({ merchantId: m, eventId: eventId as EventId, limit: 10 })).items) {
    for (const a of await store.listAttempts(m, d.id)) out.push(a.responseBody ?? '');
  }
  return out;
}

export function erasureCases(testCase: Case): void {
  testCase(
    "erasures: a customer's e-mail, name, phone, address and card holder go from the merchant's events and attempt answers; nothing else",
    async (store) => {
      const a = await newMerchant(store);
      const b = await newMerchant(store, 'Other shop');
      await newEndpoint(store, a);
      await newEndpoint(store, b);
      const now = Date.now();
      const ann1 = newEvent(
        a,
        'order.success',
        now - 3,
        null,
        payment('ord_ANN1', 'Ann@Example.com', '+971500000001', 'Ann Lee'),
      );
      const ann2 = newEvent(
        a,
        'order.success',
        now - 2,
        null,
        payment('ord_ANN2', 'ann@example.com', '+971500000001', 'Ann Lee'),
      );
      const bob = newEvent(
        a,
        'order.success',
        now - 1,
        null,
        payment('ord_BOB1', 'bob@example.com', '+971500000002', 'Bob Ray'),
      );
      const annAtB = newEvent(
        b,
        'order.success',
        now,
        null,
        payment('ord_ANNB', 'ann@example.com', '+971500000001', 'Ann Lee'),
      );
      await store.appendEvents([ann1, ann2, bob, annAtB]);
      await deliverAll(store, {
        [ann1.id]: '{"received":"ann@example.com","name":"Ann Lee"}',
        [bob.id]: '{"received":"bob@example.com"}',
        [annAtB.id]: '{"received":"ann@example.com"}',
      });
      const bobBefore = await bodyOf(store, a, bob.id);
      const annAtBBefore = await bodyOf(store, b, annAtB.id);

      const r = await eraseSubject(store, a, { kind: 'customer_email', value: ' ANN@example.com ' });
      assert.equal(r.eventsRedacted, 2);
      assert.equal(r.attemptsRedacted, 1, "only the answer that echoed Ann's data");
      assert.match(r.id, /^era_/);
      assert.equal(r.subjectHash, createHash('sha256').update('customer_email:ann@example.com').digest('hex'));

      for (const e of [ann1, ann2]) {
        const body = await bodyOf(store, a, e.id);
        for (const gone of [
          'ann@example.com',
          'Ann@Example.com',
          '+971500000001',
          'Ann Lee',
          '1 Palm Street',
          'Dubai',
        ]) {
          assert.ok(!body.includes(gone), `${gone} is gone from ${body}`);
        }
        const data = JSON.parse(body).data;
        assert.equal(data.customer_email, '[redacted]');
        assert.equal(data.order_id, e === ann1 ? 'ord_ANN1' : 'ord_ANN2', 'not personal: kept');
        assert.equal(data.amount, 10000);
        assert.equal(data.card_last_four, '1111');
        assert.deepEqual(data.billing_address, { line1: '[redacted]', city: '[redacted]' });
      }
      assert.deepEqual(await attemptBodies(store, a, ann1.id), ['{"received":"[redacted]","name":"[redacted]"}']);
      assert.equal(await bodyOf(store, a, bob.id), bobBefore, 'another customer stays');
      assert.deepEqual(await attemptBodies(store, a, bob.id), ['{"received":"bob@example.com"}']);
      assert.equal(await bodyOf(store, b, annAtB.id), annAtBBefore, 'the same customer at another merchant stays');
      assert.deepEqual(await attemptBodies(store, b, annAtB.id), ['{"received":"ann@example.com"}']);

      assert.deepEqual(await store.getErasure(a, r.id), r);
      assert.equal(await store.getErasure(b, r.id), null, "another merchant's erasure is not found");
      const again = await eraseSubject(store, a, { kind: 'customer_email', value: 'ann@example.com' });
      assert.deepEqual([again.eventsRedacted, again.attemptsRedacted], [0, 0], 'nothing left to erase');
    },
  );

  testCase("erasures: by order id, only that order's events", async (store) => {
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const now = Date.now();
    const one = newEvent(a, 'order.success', now - 1, null, payment('ord_ONE', 'c@example.com', '+971500000003', 'Cy'));
    const two = newEvent(a, 'order.success', now, null, payment('ord_TWO', 'c@example.com', '+971500000003', 'Cy'));
    const noPersonal = newEvent(a, 'order.noted', now, null, { order_id: 'ord_ONE', note: 'packed' });
    await store.appendEvents([one, two, noPersonal]);
    const r = await eraseSubject(store, a, { kind: 'order_id', value: 'ord_ONE' });
    assert.equal(r.subjectKind, 'order_id');
    assert.equal(r.eventsRedacted, 1, 'an event of the order with nothing personal is left as it is');
    assert.ok(!(await bodyOf(store, a, one.id)).includes('c@example.com'));
    assert.ok((await bodyOf(store, a, two.id)).includes('c@example.com'), "another order's event stays");
  });
}
