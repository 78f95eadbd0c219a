/** Contract cases: a merchant's keys (create, list, revoke, last use) and the endpoint quota. */
import assert from 'node:assert/strict';
import { newId } from '../../../src/ids.js';
import { isPayhookError } from '../../../src/errors.js';
import type { Store } from '../../../src/store/types.js';
import type { Case } from './fixtures.js';
import { newEndpoint, newMerchant, randomHash } from './fixtures.js';

async function newKey(store: Store, merchantId: string, name: string, scopes: ('read' | 'write')[], createdAt: number) {
  const id = newId('key', createdAt);
  const hash = randomHash();
  await store.createApiKey({ id, merchantId, hash, prefix: 'sk_Test', name, scopes, createdAt });
  return { id, hash };
}

async function quotaError(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return isPayhookError(err) ? { code: err.code, details: err.details } : err;
  }
  return 'created';
}

export function keyCases(test: Case): void {
  test("keys: list the merchant's live keys newest first, with name, scopes and last use", async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ci = await newKey(store, a, 'ci', ['read'], t0 + 1);
    const deploy = await newKey(store, a, 'deploy', ['read', 'write'], t0 + 2);
    await newKey(store, b, 'other', ['read'], t0 + 3);
    const seen: { id: string; name: string; scopes: string[]; merchantId: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listApiKeys(a, { limit: 2, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(
      seen.map((k) => k.name),
      ['deploy', 'ci', 'default'],
      'newest first, the first key last',
    );
    assert.deepEqual(seen[1], {
      id: ci.id,
      merchantId: a,
      prefix: 'sk_Test',
      name: 'ci',
      scopes: ['read'],
      createdAt: t0 + 1,
      lastUsedAt: null,
    });
    assert.deepEqual(seen[0].scopes, ['read', 'write']);
    assert.equal(seen[0].id, deploy.id);
    assert.ok(
      seen.every((k) => k.merchantId === a),
      "only the merchant's own keys",
    );
    assert.ok(!('hash' in seen[0]), 'a listed key carries no hash');
  });

  test('keys: revoking returns the hash once, scoped to the merchant; a revoked key is not found or listed', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const k = await newKey(store, a, 'ci', ['read'], t0);
    assert.equal(await store.revokeApiKey(b, k.id, t0 + 1), null, 'another merchant cannot revoke it');
    assert.equal(await store.revokeApiKey(a, newId('key'), t0 + 1), null);
    assert.ok(await store.findApiKey(k.hash));
    assert.equal(await store.revokeApiKey(a, k.id, t0 + 2), k.hash);
    assert.equal(await store.revokeApiKey(a, k.id, t0 + 3), null, 'revoked once');
    assert.equal(await store.findApiKey(k.hash), null);
    assert.deepEqual(
      (await store.listApiKeys(a, { limit: 10 })).items.map((x) => x.name),
      ['default'],
    );
  });

  test('keys: last use moves forward only', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const k = await newKey(store, a, 'ci', ['read', 'write'], t0);
    await store.touchApiKey(k.id, t0 + 60_000);
    assert.equal((await store.findApiKey(k.hash))?.lastUsedAt, t0 + 60_000);
    await store.touchApiKey(k.id, t0 + 1_000);
    assert.equal(
      (await store.findApiKey(k.hash))?.lastUsedAt,
      t0 + 60_000,
      'an earlier time does not replace a later one',
    );
    await store.touchApiKey(k.id, t0 + 120_000);
    assert.equal(
      (await store.listApiKeys(a, { limit: 10 })).items.find((x) => x.id === k.id)?.lastUsedAt,
      t0 + 120_000,
    );
  });

  test('endpoints: the quota counts live endpoints, not deleted ones, per merchant', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const first = await newEndpoint(store, a, { maxPerMerchant: 2 });
    await newEndpoint(store, a, { maxPerMerchant: 2 });
    assert.deepEqual(await quotaError(newEndpoint(store, a, { maxPerMerchant: 2 })), {
      code: 'endpoint_quota_exceeded',
      details: { limit: 2, retry_after_seconds: 60 },
    });
    await newEndpoint(store, b, { maxPerMerchant: 2 });
    await newEndpoint(store, a, { disabled: true }); // no quota asked: not checked
    assert.equal((await store.listEndpoints(a, { limit: 10 })).items.length, 3);
    assert.equal(
      await quotaError(newEndpoint(store, a, { maxPerMerchant: 4 })),
      'created',
      'disabled ones count, there is room for a fourth',
    );
    assert.equal(await store.deleteEndpoint(a, first.id, Date.now()), true);
    assert.equal(
      await quotaError(newEndpoint(store, a, { maxPerMerchant: 4 })),
      'created',
      'a deleted endpoint frees its place',
    );
    assert.equal(
      ((await quotaError(newEndpoint(store, a, { maxPerMerchant: 4 }))) as { code: string }).code,
      'endpoint_quota_exceeded',
    );
  });

  test('endpoints: concurrent creations cannot both take the last place', async (store) => {
    const a = await newMerchant(store);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => quotaError(newEndpoint(store, a, { maxPerMerchant: 3 }))),
    );
    assert.equal(results.filter((r) => r === 'created').length, 3);
    assert.equal((await store.listEndpoints(a, { limit: 10 })).items.length, 3);
  });
}
