/**
 * Event types through the real API: payhook's own types cannot be posted by a merchant; merchants
 * register their own types (optionally with a JSON Schema that POST /v1/events then enforces), list
 * them beside the catalogue and delete them; endpoint filters must name known types.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './api-harness.js';

describe('event types', () => {
  let h: Harness;
  let key: string;
  let merchantId: string;
  let otherKey: string;

  before(async () => {
    h = await Harness.start();
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'Shop' } });
    key = m.body.api_key;
    merchantId = m.body.id;
    otherKey = (await h.call('POST', '/v1/merchants', { body: { name: 'Other' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
  });

  test('every catalogue type is refused on POST /v1/events, for merchant and admin keys alike; nothing is stored', async () => {
    const catalogue = (await h.call('GET', '/v1/event-types', { key: null })).body.data as {
      type: string;
      source: string;
    }[];
    const types = catalogue.map((t) => t.type);
    assert.ok(
      types.includes('order.success') && types.includes('transaction.success'),
      'the payment catalogue is listed',
    );
    assert.ok(catalogue.every((t) => t.source === 'payhook'));
    for (const type of types) {
      const r = await h.call('POST', '/v1/events', { key, body: { type, data: { order_id: 'ord_does_not_exist' } } });
      assert.equal(r.status, 400, `${type}: ${r.text}`);
      assert.equal(r.body.error.code, 'reserved_event_type');
      assert.equal(r.body.error.details.type, type);
    }
    const admin = await h.call('POST', `/v1/events?merchant_id=${merchantId}`, {
      body: { type: 'order.success', data: {} },
    });
    assert.equal(admin.body.error.code, 'reserved_event_type');
    assert.deepEqual((await h.call('GET', '/v1/events', { key })).body.data, [], 'no event was stored');
    const custom = await h.call('POST', '/v1/events', { key, body: { type: 'order.shipped_by_shop', data: {} } });
    assert.equal(custom.status, 202, 'an unregistered custom type is still accepted');
  });

  test('register, list beside the catalogue, refuse duplicates and reserved names, delete', async () => {
    const r = await h.call('POST', '/v1/event-types', {
      key,
      body: { name: 'shop.order_shipped', description: 'Shipped' },
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body, { type: 'shop.order_shipped', description: 'Shipped', schema: null, source: 'merchant' });
    assert.equal(
      (await h.call('POST', '/v1/event-types', { key, body: { name: 'shop.order_shipped' } })).body.error.code,
      'event_type_exists',
    );
    const dup = await h.call('POST', '/v1/event-types', { key: otherKey, body: { name: 'shop.order_shipped' } });
    assert.equal(dup.status, 201, 'names are per merchant');
    const reserved = await h.call('POST', '/v1/event-types', { key, body: { name: 'order.success' } });
    assert.equal(reserved.status, 400);
    assert.equal(reserved.body.error.code, 'reserved_event_type');
    for (const name of ['Shop.Shipped', 'shop..x', 'shop.x.', 'x'.repeat(129)]) {
      assert.equal((await h.call('POST', '/v1/event-types', { key, body: { name } })).status, 400, name);
    }

    const anonymous = (await h.call('GET', '/v1/event-types', { key: null })).body.data as { type: string }[];
    const mine = (await h.call('GET', '/v1/event-types', { key })).body.data as { type: string; source: string }[];
    assert.deepEqual(
      mine.slice(0, anonymous.length),
      anonymous.map((t) => ({ ...t })),
      'the catalogue first, unchanged',
    );
    assert.deepEqual(
      mine.slice(anonymous.length).map((t) => [t.type, t.source]),
      [['shop.order_shipped', 'merchant']],
    );
    const asAdmin = (await h.call('GET', `/v1/event-types?merchant_id=${merchantId}`)).body.data as { type: string }[];
    assert.equal(asAdmin.length, mine.length, 'the admin key names the merchant');
    assert.equal(
      (await h.call('GET', '/v1/event-types', { key: 'sk_wrong' })).status,
      401,
      'a key that is sent must be valid',
    );

    assert.equal((await h.call('DELETE', '/v1/event-types/shop.order_shipped', { key })).status, 204);
    assert.equal(
      (await h.call('DELETE', '/v1/event-types/shop.order_shipped', { key })).body.error.code,
      'event_type_not_found',
    );
    assert.equal(
      (await h.call('DELETE', '/v1/event-types/order.success', { key })).body.error.code,
      'reserved_event_type',
    );
    assert.equal(((await h.call('GET', '/v1/event-types', { key })).body.data as unknown[]).length, anonymous.length);
    assert.equal(
      ((await h.call('GET', '/v1/event-types', { key: otherKey })).body.data as unknown[]).length,
      anonymous.length + 1,
      'the other merchant keeps its own',
    );
  });

  test('a registered schema is enforced on POST /v1/events; invalid schemas are refused at registration', async () => {
    const schema = {
      type: 'object',
      required: ['order_id'],
      properties: { order_id: { type: 'string', pattern: '^ord_' }, weight_g: { type: 'integer' } },
    };
    assert.equal((await h.call('POST', '/v1/event-types', { key, body: { name: 'shop.parcel', schema } })).status, 201);
    const bad = await h.call('POST', '/v1/events', {
      key,
      body: { type: 'shop.parcel', data: { order_id: 'ord_1', weight_g: 'heavy' } },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.code, 'schema_mismatch');
    assert.equal(bad.body.error.details.path, '/weight_g');
    assert.equal(bad.body.error.details.keyword, 'type');
    assert.equal(
      (await h.call('POST', '/v1/events', { key, body: { type: 'shop.parcel', data: {} } })).body.error.details.keyword,
      'required',
    );
    assert.equal(
      (
        await h.call('POST', '/v1/events', {
          key,
          body: { type: 'shop.parcel', data: { order_id: 'ord_1', weight_g: 300 } },
        })
      ).status,
      202,
    );
    assert.equal(
      (
        await h.call('POST', '/v1/events', {
          key: otherKey,
          body: { type: 'shop.parcel', data: { weight_g: 'heavy' } },
        })
      ).status,
      202,
      "another merchant's schema does not apply",
    );

    const annotated = {
      type: 'object',
      properties: { at: { type: 'string', format: 'date-time' }, email: { type: ['string', 'null'], format: 'email' } },
      examples: [{}],
    };
    assert.equal(
      (await h.call('POST', '/v1/event-types', { key, body: { name: 'shop.annotated', schema: annotated } })).status,
      201,
      'formats are annotations, union types allowed',
    );
    assert.equal(
      (await h.call('POST', '/v1/events', { key, body: { type: 'shop.annotated', data: { email: 5 } } })).body.error
        .code,
      'schema_mismatch',
    );

    const draft7 = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['a'] };
    assert.equal(
      (await h.call('POST', '/v1/event-types', { key, body: { name: 'shop.draft7', schema: draft7 } })).status,
      201,
    );
    assert.equal(
      (await h.call('POST', '/v1/events', { key, body: { type: 'shop.draft7', data: {} } })).body.error.code,
      'schema_mismatch',
    );

    for (const invalid of [
      { type: 'objekt' },
      { $ref: 'https://example.com/remote.json' },
      { $schema: 'https://json-schema.org/draft/2019-09/schema' },
      { type: 'object', properties: { a: { minLength: -1 } } },
      { type: 'object', description: 'x'.repeat(20_000) },
    ]) {
      const r = await h.call('POST', '/v1/event-types', { key, body: { name: 'shop.invalid', schema: invalid } });
      assert.equal(r.status, 400, JSON.stringify(invalid).slice(0, 80));
      assert.equal(r.body.error.code, 'invalid_schema', r.text);
    }
    assert.equal((await h.call('DELETE', '/v1/event-types/shop.parcel', { key })).status, 204);
    assert.equal(
      (await h.call('POST', '/v1/events', { key, body: { type: 'shop.parcel', data: { weight_g: 'heavy' } } })).status,
      202,
      'deleted: no longer enforced',
    );
  });

  test('endpoint filters: exact types must be known, misspellings get suggestions, wildcards pass', async () => {
    const url = 'http://127.0.0.1:9/hook';
    const typo = await h.call('POST', '/v1/endpoints', { key, body: { url, event_types: ['order.sucess'] } });
    assert.equal(typo.status, 400, typo.text);
    assert.equal(typo.body.error.code, 'unknown_event_type');
    assert.equal(typo.body.error.details.suggestions[0], 'order.success');
    assert.ok(typo.body.error.details.suggestions.length <= 3);
    assert.equal(
      (await h.call('POST', '/v1/endpoints', { key, body: { url, event_types: ['shop.unregistered'] } })).body.error
        .code,
      'unknown_event_type',
    );
    const ok = await h.call('POST', '/v1/endpoints', {
      key,
      body: { url, event_types: ['order.success', 'order.*', 'shop.*', '*'] },
    });
    assert.equal(ok.status, 201, ok.text);
    assert.equal((await h.call('POST', '/v1/event-types', { key, body: { name: 'shop.refunded' } })).status, 201);
    const patched = await h.call('PATCH', `/v1/endpoints/${ok.body.id}`, {
      key,
      body: { event_types: ['shop.refunded'] },
    });
    assert.equal(patched.status, 200, 'a registered type is known');
    const badPatch = await h.call('PATCH', `/v1/endpoints/${ok.body.id}`, {
      key,
      body: { event_types: ['shop.refundd'] },
    });
    assert.equal(badPatch.body.error.code, 'unknown_event_type');
    assert.equal(badPatch.body.error.details.suggestions[0], 'shop.refunded');
    assert.equal(
      (await h.call('POST', '/v1/endpoints', { key: otherKey, body: { url, event_types: ['shop.refunded'] } })).body
        .error.code,
      'unknown_event_type',
      'registered per merchant',
    );
  });
});
