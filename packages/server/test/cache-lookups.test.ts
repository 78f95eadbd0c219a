/**
 * The per-process caches on the ingest path (API keys, registered event types) look a miss up once,
 * however many requests miss together: on PostgreSQL each lookup takes a pooled connection, and a
 * busy key's expiry used to send one per request in flight. A change made in this process (a key
 * revoked, a type registered) is never hidden by a lookup that started before it. Real SQLite store;
 * the wrapper only counts the calls.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypeRegistry } from '../src/events/event-types.js';
import { hashApiKey } from '../src/merchants/keys.js';
import { Authenticator, createMerchant } from '../src/merchants/service.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import type { Store } from '../src/store/types.js';
import { PayhookError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-lookups-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function countingStore(name: string): Promise<{ store: Store; calls: Map<string, number> }> {
  const real = new SqliteStore({ path: join(dir, `${name}.db`) });
  await real.migrate();
  after(() => real.close());
  const calls = new Map<string, number>();
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

test('requests that miss the key cache together share one lookup; after a revocation they look again', async () => {
  const { store, calls } = await countingStore('keys');
  const { merchant, apiKey } = await createMerchant(store, 'shop');
  const auth = new Authenticator(store, hashApiKey('ak_not_this_one'));
  const header = `Bearer ${apiKey}`;

  const principals = await Promise.all(Array.from({ length: 50 }, () => auth.authenticate(header)));
  assert.equal(calls.get('findApiKey'), 1);
  for (const p of principals) assert.deepEqual(p.kind === 'merchant' && p.merchantId, merchant.id);

  // A lookup in flight when the key is evicted (revoked) is not shared by the requests after it.
  auth.evict(hashApiKey(apiKey));
  const first = auth.authenticate(header);
  auth.evict(hashApiKey(apiKey));
  const second = auth.authenticate(header);
  await Promise.all([first, second]);
  assert.equal(calls.get('findApiKey'), 3, 'one lookup before the eviction, one after');
});

test('requests that miss the event-type cache together share one load; a type registered meanwhile counts', async () => {
  const { store, calls } = await countingStore('types');
  const { merchant } = await createMerchant(store, 'shop');
  const registry = new EventTypeRegistry(store, []);

  await Promise.all(Array.from({ length: 50 }, () => registry.checkEvent(merchant.id, 'shop.paid', { a: 1 })));
  assert.equal(calls.get('listEventTypes'), 1);

  // A load started before a registration must not stand for the registry after it.
  const cold = new EventTypeRegistry(store, []);
  const stale = cold.checkEvent(merchant.id, 'shop.refunded', { amount: 'ten' });
  await cold.create(merchant.id, {
    name: 'shop.refunded',
    schema: { type: 'object', properties: { amount: { type: 'integer' } }, required: ['amount'] },
  });
  await stale.catch(() => {});
  await assert.rejects(
    cold.checkEvent(merchant.id, 'shop.refunded', { amount: 'ten' }),
    (err: unknown) => err instanceof PayhookError && err.code === 'schema_mismatch',
  );
});
