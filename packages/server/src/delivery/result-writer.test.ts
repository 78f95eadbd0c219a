/**
 * The result writer against a real SQLite store: a backlog of results (the store slow while sends went
 * on) is written RESULT_BATCH at a time, oldest first, and every result is recorded; results of separate
 * turns share a transaction within the window, and one with an ordering key is written at its turn's end.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { newId, type MerchantId } from '../ids.js';
import { Metrics } from '../metrics.js';
import { newEndpoint, newEvent, newMerchant } from '../../test/suites/store-contract/fixtures.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { AttemptResult } from '../store/types.js';
import { RESULT_BATCH, ResultWriter } from './result-writer.js';

let dir: string;
let store: SqliteStore;
let merchantId: MerchantId;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-results-'));
  store = new SqliteStore({ path: join(dir, 'payhook.db') });
  await store.migrate();
  merchantId = await newMerchant(store);
  await newEndpoint(store, merchantId);
});

afterEach(async () => {
  await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function claimedResults(n: number): Promise<AttemptResult[]> {
  const start = Date.now() - n;
  await store.appendEvents(Array.from({ length: n }, (_, i) => newEvent(merchantId, 'order.success', start + i)));
  const claimed = await store.claimDue({ now: Date.now(), limit: n, leaseMs: 60_000, owner: 'writer-test' });
  assert.equal(claimed.length, n);
  return claimed.map((d) => ({
    attemptId: newId('att'),
    deliveryId: d.id,
    owner: 'writer-test',
    attemptNo: 1,
    startedAt: Date.now(),
    durationMs: 1,
    statusCode: 200,
    responseBody: null,
    errorClass: null,
    errorMessage: null,
    outcome: 'succeeded',
    nextAttemptAt: null,
  }));
}

test('a backlog of results is written a batch at a time, oldest first, none lost', async () => {
  const results = await claimedResults(RESULT_BATCH * 3 + 100);
  const batches: string[][] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  const record = store.recordResults.bind(store);
  // The first write waits (a slow database) while the rest of the results arrive behind it.
  store.recordResults = async (batch, policy) => {
    batches.push(batch.map((r) => r.deliveryId));
    if (batches.length === 1) await held;
    return record(batch, policy);
  };
  let written = 0;
  const writer = new ResultWriter({
    store,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    onWritten: () => written++,
  });
  writer.add(results[0]!);
  await new Promise((r) => setImmediate(r)); // the first write starts, and waits
  for (const r of results.slice(1)) writer.add(r);
  assert.equal(writer.buffered, results.length, 'waiting and being written both count as buffered');
  release();
  await writer.flush();
  assert.equal(writer.buffered, 0);
  assert.ok(
    batches.every((b) => b.length <= RESULT_BATCH),
    `no statement above ${RESULT_BATCH}: ${batches.map((b) => b.length)}`,
  );
  assert.deepEqual(
    batches.flat(),
    results.map((r) => r.deliveryId),
    'every result written once, in the order they came',
  );
  assert.equal(written, batches.length, 'the dispatcher hears of every batch written');
  assert.equal((await store.countDeliveries()).succeeded, results.length);
});

/** Counts the store's result transactions; the window is long, so no timer decides what a test sees. */
function countingWriter(windowMs = 60_000) {
  const calls: number[] = [];
  const record = store.recordResults.bind(store);
  store.recordResults = async (batch, policy) => {
    calls.push(batch.length);
    return record(batch, policy);
  };
  const writer = new ResultWriter({ store, logger: pino({ level: 'silent' }), metrics: new Metrics(), windowMs });
  return { writer, calls };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test('results that arrive in separate turns within the window share one transaction', async () => {
  const results = await claimedResults(3);
  const { writer, calls } = countingWriter();
  for (const r of results) {
    writer.add(r);
    await turns(3);
  }
  assert.deepEqual(calls, [], 'nothing written before the window ends');
  assert.equal(writer.buffered, 3);
  await writer.flush(); // what the window's end (or the dispatcher's stop) does
  assert.deepEqual(calls, [3]);
  assert.equal((await store.countDeliveries()).succeeded, 3);
});

test("a result with an ordering key is written at its turn's end, with whatever waits in the window", async () => {
  const [first, ordered] = await claimedResults(2);
  const { writer, calls } = countingWriter();
  writer.add(first!);
  await turns(3);
  writer.add({ ...ordered!, orderingKey: 'order-1' });
  await turns(3);
  assert.deepEqual(calls, [2], 'the next delivery of its key waits for this write: it does not wait for the window');
  assert.equal(writer.buffered, 0);
});

test('the window ends by itself', async () => {
  const results = await claimedResults(2);
  const { writer, calls } = countingWriter(1);
  writer.add(results[0]!);
  writer.add(results[1]!);
  for (let i = 0; i < 10_000 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(calls, [2]);
});
