/**
 * Putting off an endpoint in trouble, against a real SQLite store: the unclaimed due deliveries of a
 * saturated endpoint in trouble leave the claim's range until one timeout from now, in their order,
 * none lost; claimed ones, and other endpoints', are untouched; and it is done once per timeout.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { EndpointId, MerchantId } from '../ids.js';
import { newEndpoint, newEvent, newMerchant } from '../../test/suites/store-contract/fixtures.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { Store } from '../store/types.js';
import { TroubledDeferral } from './deferral.js';

const TIMEOUT_MS = 5_000;
let dir: string;
let store: SqliteStore;
let merchantId: MerchantId;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-deferral-'));
  store = new SqliteStore({ path: join(dir, 'payhook.db') });
  await store.migrate();
  merchantId = await newMerchant(store);
});

afterEach(async () => {
  await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** Every pending delivery of the merchant: endpoint, due time, in id order. */
async function pending(): Promise<{ id: string; endpointId: string; nextAttemptAt: number | null }[]> {
  const page = await store.listDeliveries({ merchantId, limit: 100 });
  return page.items
    .filter((d) => d.status === 'pending')
    .map((d) => ({ id: d.id, endpointId: d.endpointId, nextAttemptAt: d.nextAttemptAt }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

test("a saturated endpoint in trouble has its unclaimed due deliveries put off by one timeout, once per timeout; others' stay due", async () => {
  const stuck = (await newEndpoint(store, merchantId, { eventTypes: ['order.*'] })).id as EndpointId;
  const healthy = (await newEndpoint(store, merchantId, { eventTypes: ['transaction.*'] })).id as EndpointId;
  const t0 = Date.now() - 1_000;
  await store.appendEvents([
    ...Array.from({ length: 6 }, (_, i) => newEvent(merchantId, 'order.success', t0 + i)),
    ...Array.from({ length: 3 }, (_, i) => newEvent(merchantId, 'transaction.success', t0 + i)),
  ]);
  // The stuck endpoint's oldest delivery is claimed (its one request in flight).
  const [inFlight] = await store.claimDue({ now: t0 + 1, limit: 1, leaseMs: 60_000, owner: 'test' });
  assert.equal(inFlight.endpointId, stuck);

  let troubled = true;
  const runs: number[] = [];
  const deferral = new TroubledDeferral({
    // The real store's deferEndpoint, counted: the deferral calls nothing else.
    store: {
      deferEndpoint: (ep: EndpointId, until: number) => {
        runs.push(until);
        return store.deferEndpoint(ep, until);
      },
    } as unknown as Store,
    logger: pino({ level: 'silent' }),
    timeoutMs: TIMEOUT_MS,
    saturated: () => [stuck, healthy],
    troubled: (ep) => troubled && ep === stuck,
  });
  const now = Date.now();
  const before = await pending();
  await deferral.run(now);

  const after = await pending();
  assert.deepEqual(
    after.map((d) => d.id),
    before.map((d) => d.id),
    'none lost, none finished',
  );
  for (const d of after) {
    if (d.id === inFlight.id) assert.equal(d.nextAttemptAt, before.find((b) => b.id === d.id)?.nextAttemptAt);
    else if (d.endpointId === stuck) assert.equal(d.nextAttemptAt, now + TIMEOUT_MS, `${d.id} put off`);
    else assert.ok((d.nextAttemptAt ?? Infinity) <= now, `${d.id} of the healthy endpoint still due`);
  }
  // A claim now takes only the healthy endpoint's deliveries.
  const claimed = await store.claimDue({ now, limit: 100, leaseMs: 60_000, owner: 'test' });
  assert.deepEqual(new Set(claimed.map((d) => d.endpointId)), new Set([healthy]));

  // Within the timeout it is not done again; after it, it is (while the endpoint is still in trouble).
  await deferral.run(now + TIMEOUT_MS - 1);
  assert.equal(runs.length, 1);
  await deferral.run(now + TIMEOUT_MS);
  assert.equal(runs.length, 2);
  // Out of trouble: not put off.
  troubled = false;
  await deferral.run(now + 3 * TIMEOUT_MS);
  assert.equal(runs.length, 2);
  // Due at their new time, the stuck endpoint's deliveries are claimed again, oldest first.
  const later = await store.claimDue({ now: now + 2 * TIMEOUT_MS, limit: 100, leaseMs: 60_000, owner: 'test' });
  assert.deepEqual(
    later.map((d) => d.id),
    after.filter((d) => d.endpointId === stuck && d.id !== inFlight.id).map((d) => d.id),
  );
});
