/**
 * The claim loop's modes and transitions (claim-loop.ts's table) on a real SQLite store. The poll
 * interval is a minute, so every transition seen here was caused by what the test did (a kick from an
 * appended event, a freed slot, stop), never by a timer.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { EndpointId, MerchantId } from '../ids.js';
import { Metrics } from '../metrics.js';
import { newEndpoint, newEvent, newMerchant } from '../../test/suites/store-contract/fixtures.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { ClaimLoop, type ClaimLoopMode } from './claim-loop.js';

let dir: string;
let store: SqliteStore;
let merchantId: MerchantId;
/** The merchant's endpoint made before each test (every event type). */
let firstEndpoint: EndpointId;
let loop: ClaimLoop | null = null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-loop-'));
  store = new SqliteStore({ path: join(dir, 'payhook.db') });
  await store.migrate();
  merchantId = await newMerchant(store);
  firstEndpoint = (await newEndpoint(store, merchantId)).id as EndpointId;
});

afterEach(async () => {
  await loop?.stop();
  loop = null;
  await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function startLoop(
  held: { claimed: number },
  maxClaimed = 100,
  saturated: () => EndpointId[] = () => [],
  onAccept?: (l: ClaimLoop) => void,
) {
  const batches: number[] = [];
  const l: ClaimLoop = new ClaimLoop({
    store,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    owner: 'loop-test',
    leaseMs: 60_000,
    pollIntervalMs: 60_000,
    claimBatch: 2,
    maxClaimed,
    claimed: () => held.claimed,
    saturated,
    accept: (batch) => {
      batches.push(batch.length);
      held.claimed += batch.length;
      onAccept?.(l);
    },
  });
  loop = l;
  l.start();
  return { loop: l, batches };
}

/**
 * A started loop over `on` (the store, or a wrapper of it that counts or races its calls), with room
 * for everything and batches of 10; each claimed batch's size goes to `batches`.
 */
function startLoopOn(on: SqliteStore, saturated: () => EndpointId[], batches: number[]): ClaimLoop {
  const l = new ClaimLoop({
    store: on,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    owner: 'loop-test',
    leaseMs: 60_000,
    pollIntervalMs: 60_000,
    claimBatch: 10,
    maxClaimed: 100,
    claimed: () => 0,
    saturated,
    accept: (batch) => batches.push(batch.length),
  });
  loop = l;
  l.start();
  return l;
}

/** The store, its claims counted (`claims.n`): the loop's other calls go straight through. */
function countingClaims(): { counting: SqliteStore; claims: { n: number } } {
  const claims = { n: 0 };
  const counting = {
    claimDue: (o: Parameters<SqliteStore['claimDue']>[0]) => {
      claims.n++;
      return store.claimDue(o);
    },
    nextDueAt: () => store.nextDueAt(),
    onDue: (listener: () => void) => store.onDue(listener),
  } as unknown as SqliteStore;
  return { counting, claims };
}

/** Lets the loop run until it reaches `mode` (no timing: it gives up after many event-loop turns). */
async function reach(l: ClaimLoop, mode: ClaimLoopMode): Promise<void> {
  for (let i = 0; i < 10_000 && l.mode !== mode; i++) await new Promise((r) => setImmediate(r));
  assert.equal(l.mode, mode);
}

async function appendEvents(n: number): Promise<void> {
  // Created in the past (a millisecond apart, oldest first), so every delivery is already due when claimed.
  const start = Date.now() - n;
  await store.appendEvents(Array.from({ length: n }, (_, i) => newEvent(merchantId, 'order.success', start + i)));
}

test('IDLE until started; with nothing due it SLEEPS; new events wake it, a full batch is claimed again at once, a short one ends in SLEEPING', async () => {
  const held = { claimed: 0 };
  const l = new ClaimLoop({
    store,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    owner: 'idle',
    leaseMs: 60_000,
    pollIntervalMs: 60_000,
    claimBatch: 2,
    maxClaimed: 100,
    claimed: () => held.claimed,
    saturated: () => [],
    accept: () => {},
  });
  assert.equal(l.mode, 'IDLE');

  const { loop: running, batches } = startLoop(held);
  await reach(running, 'SLEEPING');
  assert.deepEqual(batches, []);
  await appendEvents(5);
  await reach(running, 'SLEEPING');
  assert.deepEqual(batches, [2, 2, 1], 'two full batches claimed back to back, then the short one');
});

test('without room it WAITS_FOR_ROOM and claims nothing; a finished send wakes it to claim', async () => {
  const held = { claimed: 100 };
  await appendEvents(3);
  const { loop: l, batches } = startLoop(held, 100);
  await reach(l, 'WAITING_FOR_ROOM');
  assert.deepEqual(batches, [], 'no room, no claim, although work is due');
  l.kick();
  await reach(l, 'WAITING_FOR_ROOM');
  assert.deepEqual(batches, [], 'a kick re-checks the room; still none');
  held.claimed = 0;
  l.roomFreed();
  await reach(l, 'SLEEPING');
  assert.deepEqual(batches, [2, 1]);
});

test('it claims once there is room for a full batch or half the claim slots, not for a few', async () => {
  await appendEvents(12);
  const held = { claimed: 5 };
  const batches: number[] = [];
  // 8 claim slots, batches of 10: it waits for 4 free slots (half of them); 3 are not enough.
  const l: ClaimLoop = new ClaimLoop({
    store,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    owner: 'room-test',
    leaseMs: 60_000,
    pollIntervalMs: 60_000,
    claimBatch: 10,
    maxClaimed: 8,
    claimed: () => held.claimed,
    saturated: () => [],
    accept: (batch) => {
      batches.push(batch.length);
      held.claimed += batch.length;
    },
  });
  loop = l;
  l.start();
  await reach(l, 'WAITING_FOR_ROOM');
  assert.deepEqual(batches, [], '3 free slots of 8: no claim');
  held.claimed = 4;
  l.roomFreed();
  await reach(l, 'WAITING_FOR_ROOM');
  assert.deepEqual(batches, [4], 'half the slots free: one claim fills them');
});

test('after a claim that took nothing because the endpoints with due work were saturated, a kick does not claim again; a finished send does', async () => {
  const endpoint = firstEndpoint;
  await appendEvents(3);
  const { counting, claims } = countingClaims();
  let saturated: EndpointId[] = [endpoint];
  const batches: number[] = [];
  const l = startLoopOn(counting, () => saturated, batches);
  await reach(l, 'WAITING_FOR_ROOM');
  assert.equal(claims.n, 1);
  assert.deepEqual(batches, []);

  // New events (a real kick from the store) and a kick by hand: the endpoint is still saturated.
  await appendEvents(2);
  l.kick();
  for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  assert.equal(l.mode, 'WAITING_FOR_ROOM');
  assert.equal(claims.n, 1, 'no claim while every endpoint with due work is left out');

  // A send ends: the endpoint has room; the claim takes everything, the kicked work included.
  saturated = [];
  l.roomFreed();
  await reach(l, 'SLEEPING');
  assert.deepEqual(batches, [5]);
});

for (const during of ['claimDue', 'nextDueAt'] as const) {
  test(`a send that ends during ${during}, after the claim left its endpoint out, wakes the loop: it claims again instead of waiting for the poll`, async () => {
    const endpoint = firstEndpoint;
    await appendEvents(3);
    let saturated: EndpointId[] = [endpoint];
    let claims = 0;
    let l!: ClaimLoop;
    // The send in flight for the saturated endpoint ends while the loop is still CLAIMING: between the
    // claim's look at the saturated endpoints and the wait that follows a fruitless claim.
    const sendEnds = () => {
      if (saturated.length === 0) return;
      saturated = [];
      l.roomFreed();
    };
    const racing = {
      claimDue: async (o: Parameters<SqliteStore['claimDue']>[0]) => {
        claims++;
        const batch = await store.claimDue(o);
        if (during === 'claimDue') sendEnds();
        return batch;
      },
      nextDueAt: async () => {
        const next = await store.nextDueAt();
        if (during === 'nextDueAt') sendEnds();
        return next;
      },
      onDue: (listener: () => void) => store.onDue(listener),
    } as unknown as SqliteStore;
    const batches: number[] = [];
    l = startLoopOn(racing, () => saturated, batches);
    await reach(l, 'SLEEPING');
    assert.equal(claims, 2, 'the fruitless claim, then one more once the endpoint had room');
    assert.deepEqual(batches, [3]);
  });
}

test('due work the store holds back with no endpoint saturated (an open circuit): it SLEEPS; a finished send does not claim again, a kick does', async () => {
  await appendEvents(3);
  // The circuit opened after these were appended and its hold has not reached them yet (a hold in steps).
  store.db
    .prepare(`UPDATE endpoints SET circuit_state = 'open', circuit_next_probe_at = ? WHERE id = ?`)
    .run(Date.now() + 3_600_000, firstEndpoint);
  const { counting, claims } = countingClaims();
  const batches: number[] = [];
  const l = startLoopOn(counting, () => [], batches);
  await reach(l, 'SLEEPING');
  assert.equal(claims.n, 1);
  assert.ok(((await store.nextDueAt()) ?? Infinity) <= Date.now(), 'work is due, and not claimable');
  for (let i = 0; i < 3; i++) l.roomFreed();
  for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  assert.equal(claims.n, 1, 'sends that end free nothing that work needs: no claim reads past it again');
  // The circuit closes (its store wakes the claimers): claimed at once.
  store.db
    .prepare(`UPDATE endpoints SET circuit_state = 'closed', circuit_next_probe_at = NULL WHERE id = ?`)
    .run(firstEndpoint);
  l.kick();
  await reach(l, 'SLEEPING');
  assert.equal(claims.n, 2);
  assert.deepEqual(batches, [3]);
});

test('after a fruitless claim with nothing left due, a kick still claims at once', async () => {
  const { loop: l, batches } = startLoop({ claimed: 0 }, 100, () => [firstEndpoint]);
  await reach(l, 'SLEEPING');
  // A second endpoint, not saturated, and an event for both: the new one's delivery is claimed at once.
  await newEndpoint(store, merchantId);
  await store.appendEvents([newEvent(merchantId, 'refund.success', Date.now() - 1)]);
  await reach(l, 'WAITING_FOR_ROOM');
  assert.deepEqual(batches, [1], "the saturated endpoint's delivery waits for room");
});

test('a failing claim BACKS OFF; stop() from any wait ends in STOPPED and later kicks do nothing', async () => {
  const held = { claimed: 0 };
  const { loop: l, batches } = startLoop(held);
  await reach(l, 'SLEEPING');
  await store.close();
  l.kick();
  await reach(l, 'BACKING_OFF');
  await l.stop();
  assert.equal(l.mode, 'STOPPED');
  l.kick();
  l.roomFreed();
  assert.equal(l.mode, 'STOPPED');
  assert.deepEqual(batches, []);
});

test('caught up (offers of new deliveries allowed) while SLEEPING and right after a short claim that left no endpoint out; not after a full batch or a saturated endpoint left out', async () => {
  // `accept` runs right after the claim, before the loop's next turn: what it sees is what an append
  // running in that turn would be told (Dispatcher.directClaim).
  const seen: Array<[number, boolean]> = [];
  const held = { claimed: 0 };
  const { loop: l } = startLoop(
    held,
    100,
    () => [],
    (it) => seen.push([held.claimed, it.caughtUp]),
  );
  assert.equal(l.caughtUp, false, 'not before it has looked');
  await reach(l, 'SLEEPING');
  assert.equal(l.caughtUp, true);
  await appendEvents(3);
  await reach(l, 'SLEEPING');
  assert.deepEqual(
    seen,
    [
      [2, false],
      [3, true],
    ],
    'a full batch may have left work behind; the short one took the rest',
  );

  seen.length = 0;
  await appendEvents(1);
  await reach(l, 'SLEEPING');
  assert.deepEqual(seen, [[4, true]]);
});

test('not caught up after a claim that left saturated endpoints out; still caught up after a kick during a short claim', async () => {
  const held = { claimed: 0 };
  const seen: boolean[] = [];
  const other = 'ep_saturated' as EndpointId;
  const { loop: l } = startLoop(
    held,
    100,
    () => [other],
    (it) => seen.push(it.caughtUp),
  );
  await reach(l, 'SLEEPING');
  await appendEvents(1);
  await reach(l, 'SLEEPING');
  assert.deepEqual(seen, [false], 'work of the endpoint left out may be due: new events must not pass it');

  // A kick is work appended since the look and not handed over: the claim that follows takes it, so
  // new deliveries may still be offered meanwhile (PostgreSQL: appends commit during every claim).
  await loop?.stop();
  const kicked: boolean[] = [];
  const { loop: k } = startLoop(
    held,
    100,
    () => [],
    (it) => {
      it.kick(); // new work committed while the batch is handed over
      kicked.push(it.caughtUp);
    },
  );
  await reach(k, 'SLEEPING');
  await appendEvents(1);
  await reach(k, 'SLEEPING');
  assert.deepEqual(kicked.slice(0, 1), [true]);
});
