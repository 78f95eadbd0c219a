/**
 * The ingestor's group commit, against a real SQLite store: the events sent in one turn are written in
 * one transaction, at most `MAX_GROUP` (1,000) at a time, and a caller filling group after group lets
 * the rest of the process run between groups.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MerchantId } from '../ids.js';
import { Metrics } from '../metrics.js';
import { newEndpoint, newMerchant } from '../../test/suites/store-contract/fixtures.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { NewEvent } from '../store/types.js';
import { EventIngestor } from './ingest.js';

let dir: string;
let store: SqliteStore;
let merchantId: MerchantId;
/** The size of each `appendEvents` call, in order. */
let appends: number[];
let ingestor: EventIngestor;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-ingest-'));
  store = new SqliteStore({ path: join(dir, 'payhook.db') });
  await store.migrate();
  merchantId = await newMerchant(store);
  await newEndpoint(store, merchantId);
  appends = [];
  const counting = Object.create(store) as SqliteStore;
  counting.appendEvents = (events: NewEvent[]) => {
    appends.push(events.length);
    return store.appendEvents(events);
  };
  ingestor = new EventIngestor(counting, new Metrics());
});

afterEach(async () => {
  await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const send = (i: number) => ingestor.send({ merchantId, type: 'order.success', data: { i } });

test('the events of one turn are written together, at most 1,000 a transaction, none lost', async () => {
  const results = await Promise.all(Array.from({ length: 2_500 }, (_, i) => send(i)));
  assert.deepEqual(appends, [1_000, 1_000, 500]);
  assert.equal(new Set(results.map((r) => r.event.id)).size, 2_500);
  assert.ok(results.every((r) => r.created && r.deliveries === 1));
  assert.equal((await store.countDeliveries(merchantId)).pending, 2_500);

  // A lone event is written at the end of its own turn.
  await send(-1);
  assert.deepEqual(appends, [1_000, 1_000, 500, 1]);
});

test('a caller sending full group after full group lets the event loop turn between groups', async () => {
  // Scheduled before the import: it runs at the event loop's next turn. Without a turn between
  // groups, SQLite's synchronous appends and the promise callbacks would run all three groups first.
  let turns = 0;
  const tick = () => {
    turns++;
    if (turns < 10) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: number[] = [];
  for (let g = 0; g < 3; g++) {
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => send(g * 1_000 + i)));
    seen.push(turns);
  }
  assert.deepEqual(appends, [1_000, 1_000, 1_000]);
  assert.ok(seen[0] >= 1, `the event loop turned ${seen[0]} times during the first group`);
  assert.ok(seen[1] > seen[0] && seen[2] > seen[1], `turns seen after each group: ${seen.join(', ')}`);
});
