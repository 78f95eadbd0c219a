/**
 * Pacing an endpoint in trouble, against a real SQLite store: the unclaimed due deliveries of a
 * saturated endpoint in trouble leave the claim's range and come due again at its pace, in their order,
 * none lost; claimed ones, and other endpoints', are untouched; and it is done once per timeout. Once
 * the endpoint has recovered, what was paced is due at once, at most once per horizon.
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
import type { DeferralPace, Store } from '../store/types.js';
import { TroubledDeferral } from './deferral.js';

const TIMEOUT_MS = 5_000;
const HORIZON_MS = 3_000;
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

test("a saturated endpoint in trouble has its unclaimed due deliveries paced, its limit a step, once per timeout; others' stay due", async () => {
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
  const runs: DeferralPace[] = [];
  const deferral = new TroubledDeferral({
    // The real store's deferEndpoint, counted: the deferral calls nothing else.
    store: {
      deferEndpoint: (ep: EndpointId, pace: DeferralPace) => {
        runs.push(pace);
        return store.deferEndpoint(ep, pace);
      },
    } as unknown as Store,
    logger: pino({ level: 'silent' }),
    timeoutMs: TIMEOUT_MS,
    horizonMs: HORIZON_MS,
    saturated: () => [stuck, healthy],
    troubled: (ep) => troubled && ep === stuck,
    // Two requests at a time, answering in 1.5 s on average.
    limitOf: () => 2,
    averageMs: () => 1_500,
    recovered: () => false,
  });
  const now = Date.now();
  const before = await pending();
  await deferral.run(now);
  assert.deepEqual(
    runs,
    [{ now, stepMs: 1_500, perStep: 2, steps: 2 }],
    'steps of its average, up to the horizon (3 s)',
  );

  const after = await pending();
  assert.deepEqual(
    after.map((d) => d.id),
    before.map((d) => d.id),
    'none lost, none finished',
  );
  // In their order: two after one step, the other three at the horizon.
  const paced = after.filter((d) => d.endpointId === stuck && d.id !== inFlight.id);
  assert.deepEqual(
    paced.map((d) => d.nextAttemptAt),
    [now + 1_500, now + 1_500, now + 3_000, now + 3_000, now + 3_000],
  );
  for (const d of after) {
    if (d.id === inFlight.id) assert.equal(d.nextAttemptAt, before.find((b) => b.id === d.id)?.nextAttemptAt);
    else if (d.endpointId !== stuck)
      assert.ok((d.nextAttemptAt ?? Infinity) <= now, `${d.id} of the healthy endpoint still due`);
  }
  // A claim now takes only the healthy endpoint's deliveries.
  const claimed = await store.claimDue({ now, limit: 100, leaseMs: 60_000, owner: 'test' });
  assert.deepEqual(new Set(claimed.map((d) => d.endpointId)), new Set([healthy]));

  // Within the timeout it is not done again; after it, it is (while the endpoint is still in trouble).
  await deferral.run(now + TIMEOUT_MS - 1);
  assert.equal(runs.length, 1);
  await deferral.run(now + TIMEOUT_MS);
  assert.equal(runs.length, 2);
  // Out of trouble: not paced.
  troubled = false;
  await deferral.run(now + 3 * TIMEOUT_MS);
  assert.equal(runs.length, 2);
  // The second run paced them again from its own time (they were due by then); at their new times they
  // are claimed again, oldest first.
  const again = now + TIMEOUT_MS;
  const ids = (claims: { id: string }[]) => claims.map((d) => d.id).sort();
  const step = await store.claimDue({ now: again + 1_500, limit: 100, leaseMs: 60_000, owner: 'test' });
  assert.deepEqual(ids(step), ids(paced.slice(0, 2)));
  const rest = await store.claimDue({ now: again + HORIZON_MS, limit: 100, leaseMs: 60_000, owner: 'test' });
  assert.deepEqual(ids(rest), ids(paced.slice(2)));
});

test('the step is never longer than the timeout nor shorter than 100 ms, and an endpoint never heard from steps by the timeout', async () => {
  const ep = (await newEndpoint(store, merchantId, { eventTypes: ['order.*'] })).id as EndpointId;
  const runs: DeferralPace[] = [];
  let average: number | undefined;
  const deferral = () =>
    new TroubledDeferral({
      store: { deferEndpoint: async (_: EndpointId, pace: DeferralPace) => runs.push(pace) && 0 } as unknown as Store,
      logger: pino({ level: 'silent' }),
      timeoutMs: TIMEOUT_MS,
      horizonMs: 30_000,
      saturated: () => [ep],
      troubled: () => true,
      limitOf: () => 1,
      averageMs: () => average,
      recovered: () => false,
    });
  average = 60_000;
  await deferral().run(1);
  average = 3;
  await deferral().run(1);
  average = undefined;
  await deferral().run(1);
  assert.deepEqual(
    runs.map((r) => [r.stepMs, r.steps]),
    [
      [TIMEOUT_MS, 6],
      [100, 300],
      [TIMEOUT_MS, 6],
    ],
  );
});

test('a run paces until its budget is spent and leaves the other endpoints in trouble to the next runs, each once', async () => {
  const eps = ['ep_a', 'ep_b', 'ep_c'] as EndpointId[];
  const paced: EndpointId[][] = [];
  let clock = 0;
  const deferral = new TroubledDeferral({
    // Each pace takes 15 ms of the clock: the budget (20 ms) is spent after the second.
    store: {
      deferEndpoint: async (ep: EndpointId) => {
        clock += 15;
        paced[paced.length - 1].push(ep);
        return 1;
      },
    } as unknown as Store,
    logger: pino({ level: 'silent' }),
    timeoutMs: TIMEOUT_MS,
    horizonMs: HORIZON_MS,
    saturated: () => eps,
    troubled: () => true,
    limitOf: () => 1,
    averageMs: () => undefined,
    recovered: () => false,
    clock: () => clock,
  });
  for (let run = 0; run < 3; run++) {
    paced.push([]);
    await deferral.run(1_000 + run);
  }
  assert.deepEqual(paced, [['ep_a', 'ep_b'], ['ep_c'], []]);
});

test('an endpoint that recovers has what was paced made due at once; one that flaps, at most once per horizon', async () => {
  const back = (await newEndpoint(store, merchantId, { eventTypes: ['order.*'] })).id as EndpointId;
  const t0 = Date.now() - 1_000;
  await store.appendEvents(Array.from({ length: 6 }, (_, i) => newEvent(merchantId, 'order.success', t0 + i)));
  const [inFlight] = await store.claimDue({ now: t0 + 1, limit: 1, leaseMs: 60_000, owner: 'test' });
  const waiting = async () => (await pending()).filter((d) => d.id !== inFlight.id).map((d) => d.nextAttemptAt);
  let troubled = true;
  let recovered = false;
  const releases: { ep: EndpointId; now: number; until: number }[] = [];
  // A timeout shorter than the horizon, so the endpoint can be paced again within one.
  const deferral = new TroubledDeferral({
    // The real store, its releases counted.
    store: {
      deferEndpoint: (ep: EndpointId, pace: DeferralPace) => store.deferEndpoint(ep, pace),
      undeferEndpoint: (ep: EndpointId, r: { now: number; until: number }) => {
        releases.push({ ep, ...r });
        return store.undeferEndpoint(ep, r);
      },
    } as unknown as Store,
    logger: pino({ level: 'silent' }),
    timeoutMs: 1_000,
    horizonMs: 3_000,
    saturated: () => [back],
    troubled: () => troubled,
    limitOf: () => 1,
    averageMs: () => 1_000,
    recovered: () => recovered,
  });
  const now = Date.now();
  await deferral.run(now);
  assert.deepEqual(
    await waiting(),
    [now + 1_000, now + 2_000, now + 3_000, now + 3_000, now + 3_000],
    'paced: one a second, the rest at the horizon',
  );
  // Out of trouble but not recovered yet (fewer quick answers in a row than it takes): still paced.
  troubled = false;
  await deferral.run(now + 10);
  assert.deepEqual(releases, []);
  // Recovered: all that was paced is due now, in one release up to the pace's last step.
  recovered = true;
  await deferral.run(now + 20);
  assert.deepEqual(releases, [{ ep: back, now: now + 20, until: now + 3_000 }]);
  assert.deepEqual(await waiting(), Array(5).fill(now + 20), 'all five due now');
  await deferral.run(now + 30);
  assert.equal(releases.length, 1, 'released once');

  // It flaps: in trouble again a timeout later, paced again, and recovered again soon after.
  troubled = true;
  recovered = false;
  await deferral.run(now + 1_000);
  assert.deepEqual(await waiting(), [now + 2_000, now + 3_000, now + 4_000, now + 4_000, now + 4_000], 'paced again');
  troubled = false;
  recovered = true;
  await deferral.run(now + 1_100);
  await deferral.run(now + 3_019);
  assert.equal(releases.length, 1, 'within a horizon of the last release: left at its pace');
  await deferral.run(now + 3_020);
  assert.deepEqual(releases[1], { ep: back, now: now + 3_020, until: now + 4_000 }, 'a horizon on: released');
  assert.deepEqual(
    await waiting(),
    [now + 2_000, now + 3_000, now + 3_020, now + 3_020, now + 3_020],
    'those already due by then keep their times; the rest are due now',
  );
});
