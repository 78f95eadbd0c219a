/** Contract cases: settings, merchants and keys, endpoints (CRUD, merchant scoping) and secrets. */
import assert from 'node:assert/strict';
import { newId, type EndpointId, type MerchantId } from '../../../src/ids.js';
import { liveScopeOf } from '../../../src/modes.js';
import type { Case } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, randomHash, secret } from './fixtures.js';

export function accountCases(test: Case): void {
  test('settings: put-if-absent keeps the first value', async (store) => {
    assert.equal(await store.getSetting('admin_key_hash'), null);
    assert.equal(await store.putSettingIfAbsent('admin_key_hash', 'first'), 'first');
    assert.equal(await store.putSettingIfAbsent('admin_key_hash', 'second'), 'first');
    assert.equal(await store.getSetting('admin_key_hash'), 'first');
    const racing = await Promise.all(['a', 'b', 'c', 'd'].map((v) => store.putSettingIfAbsent('raced', v)));
    assert.equal(new Set(racing).size, 1, 'concurrent callers all see the one stored value');
  });

  test('merchants: create, get, list newest first with cursors', async (store) => {
    const t0 = Date.now();
    const ids: MerchantId[] = [];
    for (let i = 0; i < 5; i++) ids.push(await newMerchant(store, `Shop ${i}`, t0 + i));
    assert.deepEqual(await store.getMerchant(ids[2]), { id: ids[2], name: 'Shop 2', createdAt: t0 + 2 });
    assert.equal(await store.getMerchant(newId('mer')), null);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await store.listMerchants({ limit: 2, cursor });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal(pages, 3);
  });

  test('keys: a merchant key and an admin key are found by hash only', async (store) => {
    const t0 = Date.now();
    const merchantId = newId('mer', t0);
    const firstHash = randomHash();
    await store.createMerchant(
      { id: merchantId, name: 'Shop', createdAt: t0 },
      { id: newId('key', t0), hash: firstHash, prefix: 'sk_AbCd' },
    );
    const first = await store.findApiKey(firstHash);
    assert.equal(first?.merchantId, merchantId);
    assert.equal(first?.prefix, 'sk_AbCd');
    assert.equal(first?.createdAt, t0);
    assert.equal(first?.name, 'default', 'a merchant\'s first key is "default"');
    assert.deepEqual(first?.scopes, ['read', 'write']);
    assert.equal(first?.lastUsedAt, null);
    const adminHash = randomHash();
    const adminId = newId('key', t0);
    await store.createApiKey({
      id: adminId,
      merchantId: null,
      hash: adminHash,
      prefix: 'ak_XyZw',
      name: 'ops',
      scopes: ['read', 'write'],
      createdAt: t0,
    });
    assert.deepEqual(await store.findApiKey(adminHash), {
      id: adminId,
      merchantId: null,
      prefix: 'ak_XyZw',
      name: 'ops',
      scopes: ['read', 'write'],
      createdAt: t0,
      lastUsedAt: null,
    });
    assert.equal(await store.findApiKey(randomHash()), null);
  });

  test('modes: a merchant is made with its live scope and its first live key; lists show merchants only', async (store) => {
    const t0 = Date.now();
    const merchantId = newId('mer', t0);
    const testHash = randomHash();
    const liveHash = randomHash();
    await store.createMerchant(
      { id: merchantId, name: 'Two modes', createdAt: t0 },
      { id: newId('key', t0), hash: testHash, prefix: 'sk_test_AbCd' },
      { id: newId('key', t0), hash: liveHash, prefix: 'sk_live_AbCd' },
    );
    const live = liveScopeOf(merchantId);
    assert.equal((await store.findApiKey(testHash))?.merchantId, merchantId, 'the test key is in the merchant scope');
    assert.equal((await store.findApiKey(liveHash))?.merchantId, live, 'the live key is in the live scope');
    assert.deepEqual(await store.getMerchant(live), { id: live, name: 'Two modes', createdAt: t0 });
    const listed = (await store.listMerchants({ limit: 250 })).items.map((m) => m.id);
    assert.ok(listed.includes(merchantId));
    assert.ok(!listed.includes(live), 'a live scope is not a merchant of its own');
    // Each scope owns its own objects: the live scope takes endpoints (its row satisfies the foreign key).
    const ep = await newEndpoint(store, live);
    assert.equal(await store.getEndpoint(merchantId, ep.id), null, 'the test scope does not see it');
    assert.equal((await store.getEndpoint(live, ep.id))?.id, ep.id);
  });

  test('endpoints: create and get round-trip every field; another merchant gets null', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const now = Date.now();
    const created = await newEndpoint(store, a, {
      url: 'https://shop.test/wh?x=1',
      description: 'orders',
      eventTypes: ['order.success', 'transaction.*'],
      headers: { 'x-shop': 'one', 'x-two': 'two' },
      format: 'foloosi',
      apiVersion: '2026-12-05',
      payloadStyle: 'thin',
      timeoutMs: 5000,
      rateLimit: 7,
      retrySchedule: [1000, 60_000],
      now,
    });
    const expected = {
      id: created.id,
      merchantId: a,
      url: 'https://shop.test/wh?x=1',
      description: 'orders',
      eventTypes: ['order.success', 'transaction.*'],
      disabled: false,
      disabledReason: null,
      headers: { 'x-shop': 'one', 'x-two': 'two' },
      format: 'foloosi',
      apiVersion: '2026-12-05',
      payloadStyle: 'thin',
      timeoutMs: 5000,
      ordered: false,
      orderingOnFailure: 'skip',
      rateLimit: 7,
      retrySchedule: [1000, 60_000],
      circuit: { state: 'closed', failingSince: null, nextProbeAt: null },
      createdAt: now,
      updatedAt: now,
    };
    assert.deepEqual(created, expected);
    assert.deepEqual(await store.getEndpoint(a, created.id), expected);
    assert.equal(await store.getEndpoint(b, created.id), null);
    assert.equal(await store.getEndpoint(a, newId('ep')), null);
    const all = await newEndpoint(store, a, { eventTypes: null, disabled: true });
    const got = await store.getEndpoint(a, all.id);
    assert.equal(got?.eventTypes, null);
    assert.equal(got?.disabled, true);
    assert.equal(got?.disabledReason, 'merchant');
    assert.equal(got?.timeoutMs, null);
    // Without a version or style: the oldest version as a snapshot, what endpoints made before versions got.
    assert.deepEqual([got?.apiVersion, got?.payloadStyle], ['2026-11-27', 'snapshot']);
  });

  test('endpoints: list pages newest first, scoped to the merchant, without deleted ones', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ids: EndpointId[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newEndpoint(store, a, { now: t0 + i })).id);
    await newEndpoint(store, b);
    assert.equal(await store.deleteEndpoint(a, ids[1], t0 + 10), true);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listEndpoints(a, { limit: 3, cursor });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [ids[4], ids[3], ids[2], ids[0]]);
  });

  test('endpoints: update applies a patch, scoped to the merchant', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a, { now: t0, eventTypes: ['a.b'] });
    assert.equal(await store.updateEndpoint(b, ep.id, { url: 'https://evil.test/' }, t0 + 1), null);
    assert.equal(await store.updateEndpoint(a, newId('ep'), { url: 'https://x.test/' }, t0 + 1), null);
    const patched = await store.updateEndpoint(
      a,
      ep.id,
      {
        url: 'https://new.test/h',
        description: 'd',
        eventTypes: null,
        headers: { 'x-k': 'v' },
        format: 'foloosi',
        apiVersion: '2026-12-05',
        payloadStyle: 'thin',
        timeoutMs: 2000,
      },
      t0 + 5,
    );
    const expected = {
      ...ep,
      url: 'https://new.test/h',
      description: 'd',
      eventTypes: null,
      headers: { 'x-k': 'v' },
      format: 'foloosi' as const,
      apiVersion: '2026-12-05',
      payloadStyle: 'thin' as const,
      timeoutMs: 2000,
      updatedAt: t0 + 5,
    };
    assert.deepEqual(patched, expected);
    assert.deepEqual(await store.getEndpoint(a, ep.id), expected);
    const partial = await store.updateEndpoint(a, ep.id, { description: 'only this' }, t0 + 6);
    assert.equal(partial?.url, 'https://new.test/h');
    assert.equal(partial?.description, 'only this');
    const other = await store.getEndpoint(a, ep.id);
    assert.deepEqual(other, partial);
  });

  test('endpoints: disabling makes pending deliveries wait; enabling clears the reason and sends them', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a, { now: t0 });
    const keep = await newEndpoint(store, a, { now: t0 });
    await store.appendEvents([newEvent(a, 'order.success', t0), newEvent(a, 'order.success', t0 + 1)]);
    const disabled = await store.updateEndpoint(a, ep.id, { disabled: true }, t0 + 2);
    assert.equal(disabled?.disabled, true);
    assert.equal(disabled?.disabledReason, 'merchant');
    const waiting = await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 10 });
    assert.deepEqual(
      waiting.items.map((d) => [d.status, d.nextAttemptAt]),
      [
        ['pending', null],
        ['pending', null],
      ],
      'they wait, with no due time',
    );
    assert.deepEqual(
      new Set((await claimAll(store, t0 + 5)).map((c) => c.endpointId)),
      new Set([keep.id]),
      'nothing of the disabled endpoint is claimed',
    );
    await store.appendEvents([newEvent(a, 'order.success', t0 + 6)]);
    assert.equal(
      (await store.listDeliveries({ merchantId: a, endpointId: ep.id, status: 'pending', limit: 10 })).items.length,
      3,
      'a new event makes a delivery that waits too',
    );
    const enabled = await store.updateEndpoint(a, ep.id, { disabled: false }, t0 + 7);
    assert.equal(enabled?.disabled, false);
    assert.equal(enabled?.disabledReason, null);
    const claimed = await claimAll(store, t0 + 10);
    assert.equal(claimed.filter((c) => c.endpointId === ep.id).length, 3, 'everything that waited, once each');
  });

  test('endpoints: delete cancels pending deliveries and hides the endpoint', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a, { now: t0 });
    await store.appendEvents([newEvent(a, 'order.success', t0)]);
    assert.equal(await store.deleteEndpoint(b, ep.id, t0 + 1), false, "another merchant's endpoint is not deleted");
    assert.ok(await store.getEndpoint(a, ep.id));
    assert.equal(await store.deleteEndpoint(a, ep.id, t0 + 1), true);
    assert.equal(await store.deleteEndpoint(a, ep.id, t0 + 2), false);
    assert.equal(await store.getEndpoint(a, ep.id), null);
    assert.equal(await store.updateEndpoint(a, ep.id, { description: 'x' }, t0 + 3), null);
    const ds = await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 10 });
    assert.deepEqual(
      ds.items.map((d) => d.status),
      ['cancelled'],
    );
    assert.deepEqual(await store.claimDue({ now: t0 + 10, limit: 10, leaseMs: 1000, owner: 'o' }), []);
  });

  test('secrets: the current one first; a rotated-out one signs until it expires', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const first = secret();
    const ep = await newEndpoint(store, a, { now: t0, secret: first });
    assert.deepEqual(await store.getSigningSecrets(ep.id, t0), [{ secret: first, createdAt: t0, expiresAt: null }]);
    const second = secret();
    assert.equal(
      await store.rotateSecret(b, ep.id, secret(), t0 + 10, t0 + 1000),
      false,
      "another merchant's endpoint",
    );
    assert.equal(await store.rotateSecret(a, newId('ep'), secret(), t0 + 10, t0 + 1000), false);
    assert.equal(await store.rotateSecret(a, ep.id, second, t0 + 10, t0 + 1000), true);
    assert.deepEqual(await store.getSigningSecrets(ep.id, t0 + 20), [
      { secret: second, createdAt: t0 + 10, expiresAt: null },
      { secret: first, createdAt: t0, expiresAt: t0 + 1000 },
    ]);
    const third = secret();
    assert.equal(await store.rotateSecret(a, ep.id, third, t0 + 30, t0 + 2000), true);
    assert.deepEqual(
      (await store.getSigningSecrets(ep.id, t0 + 40)).map((s) => s.secret),
      [third, second, first],
    );
    assert.deepEqual(
      (await store.getSigningSecrets(ep.id, t0 + 1000)).map((s) => s.secret),
      [third, second],
      'expired at its expiry time',
    );
    assert.deepEqual(
      (await store.getSigningSecrets(ep.id, t0 + 5000)).map((s) => s.secret),
      [third],
    );
  });

  test('secrets: concurrent rotations leave exactly one current secret', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a, { now: t0 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.rotateSecret(a, ep.id, secret(), t0 + 1 + i, t0 + 100_000)),
    );
    assert.deepEqual(results, Array(8).fill(true));
    const signing = await store.getSigningSecrets(ep.id, t0 + 50);
    assert.equal(signing.length, 9);
    assert.equal(signing.filter((s) => s.expiresAt === null).length, 1);
    assert.equal(signing[0].expiresAt, null, 'the current secret comes first');
  });
}
