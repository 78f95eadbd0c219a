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
let loop: ClaimLoop | null = null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-loop-'));
  store = new SqliteStore({ path: join(dir, 'payhook.db') });
  await store.migrate();
  merchantId = await newMerchant(store);
  await newEndpoint(store, merchantId);
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

test('caught up (offers of new deliveries allowed) while SLEEPING and right after a short claim that left no endpoint out; not after a full batch, a saturated endpoint left out, or a kick', async () => {
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

test('not caught up after a claim that left saturated endpoints out, nor after a kick during the claim', async () => {
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
  assert.deepEqual(kicked.slice(0, 1), [false]);
});
