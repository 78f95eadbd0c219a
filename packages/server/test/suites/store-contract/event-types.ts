/** Contract cases: event types a merchant registers (create once per name, list by name, delete). */
import assert from 'node:assert/strict';
import type { Case } from './fixtures.js';
import { newMerchant } from './fixtures.js';

export function eventTypeCases(test: Case): void {
  test('event types: a name is taken once per merchant; listed by name with its schema text; deleted once', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const schema = JSON.stringify({ type: 'object', required: ['id'], properties: { id: { type: 'string' } } });
    assert.equal(
      await store.createEventType({
        merchantId: a,
        name: 'shop.order_shipped',
        description: 'Shipped',
        schema,
        createdAt: t0,
      }),
      true,
    );
    assert.equal(
      await store.createEventType({
        merchantId: a,
        name: 'shop.order_shipped',
        description: 'Again',
        schema: null,
        createdAt: t0 + 1,
      }),
      false,
      'a duplicate changes nothing',
    );
    assert.equal(
      await store.createEventType({
        merchantId: a,
        name: 'invoice.paid',
        description: '',
        schema: null,
        createdAt: t0 + 2,
      }),
      true,
    );
    assert.equal(
      await store.createEventType({
        merchantId: b,
        name: 'shop.order_shipped',
        description: "B's own",
        schema: null,
        createdAt: t0 + 3,
      }),
      true,
      'another merchant may use the same name',
    );

    assert.deepEqual(await store.listEventTypes(a), [
      { merchantId: a, name: 'invoice.paid', description: '', schema: null, createdAt: t0 + 2 },
      { merchantId: a, name: 'shop.order_shipped', description: 'Shipped', schema, createdAt: t0 },
    ]);
    assert.deepEqual(
      (await store.listEventTypes(b)).map((t) => t.description),
      ["B's own"],
    );

    assert.equal(await store.deleteEventType(b, 'invoice.paid'), false, "not b's");
    assert.equal(await store.deleteEventType(a, 'invoice.paid'), true);
    assert.equal(await store.deleteEventType(a, 'invoice.paid'), false, 'deleted once');
    assert.deepEqual(
      (await store.listEventTypes(a)).map((t) => t.name),
      ['shop.order_shipped'],
    );
    assert.equal(
      await store.createEventType({
        merchantId: a,
        name: 'invoice.paid',
        description: 'back',
        schema: null,
        createdAt: t0 + 4,
      }),
      true,
      'a deleted name may be registered again',
    );
  });
}
