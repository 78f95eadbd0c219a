/**
 * The pruner on SQLite: batches until nothing old is left, never a pending event, the pruned-rows
 * counter, and `payhook prune` printing what it removed from a real file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../test/helpers/cli.js';
import { parsePrometheus, sampleOf } from '../../test/helpers/prometheus.js';
import { claimAll, newEndpoint, newEvent, newMerchant, resultFor } from '../../test/suites/store-contract/fixtures.js';
import { Metrics } from '../metrics.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { EventId, MerchantId } from '../ids.js';
import { Pruner } from './pruner.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'payhook-prune-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `old` finished events 40 days old, one old event still pending, one recent finished event. */
async function fill(store: SqliteStore, old: number): Promise<{ m: MerchantId; pending: EventId; recent: EventId }> {
  await store.migrate();
  const m = await newMerchant(store);
  await newEndpoint(store, m);
  const now = Date.now();
  const events = Array.from({ length: old }, (_, i) => newEvent(m, 'order.success', now - 40 * DAY + i));
  const pending = newEvent(m, 'order.success', now - 40 * DAY + old);
  const recent = newEvent(m, 'order.success', now - 1000);
  await store.appendEvents([...events, pending, recent]);
  const claimed = await claimAll(store, now, 'w');
  await store.recordResults(claimed.filter((c) => c.eventId !== pending.id).map((c) => resultFor(c, 'w', 'succeeded')));
  await store.releaseClaims(
    'w',
    claimed.filter((c) => c.eventId === pending.id).map((c) => c.id),
  );
  return { m, pending: pending.id, recent: recent.id };
}

test('runOnce removes old finished events in batches, keeps a pending one, and counts the rows', async () => {
  const store = new SqliteStore({ path: join(dir, 'a.db') });
  try {
    const { m, pending, recent } = await fill(store, 5);
    const metrics = new Metrics();
    const report = await new Pruner(store, { retentionDays: 30, batch: 2, pauseMs: 0 }, metrics).runOnce();
    assert.deepEqual(report.deleted, { events: 5, deliveries: 5, attempts: 5 });
    assert.deepEqual(report.partitions, [], 'SQLite has no partitions');
    assert.equal(report.complete, true);
    assert.ok(await store.getEvent(m, pending), 'still being delivered: kept');
    assert.ok(await store.getEvent(m, recent));
    const p = parsePrometheus(await metrics.render());
    assert.equal(sampleOf(p, 'payhook_pruned_rows_total', { table: 'events', how: 'row' }), 5);
    assert.equal(sampleOf(p, 'payhook_pruned_rows_total', { table: 'attempts', how: 'row' }), 5);
    const again = await new Pruner(store, { retentionDays: 30, batch: 2, pauseMs: 0 }).runOnce();
    assert.equal(again.deleted.events, 0);
  } finally {
    await store.close();
  }
});

test('stop() ends a run between two batches', async () => {
  const store = new SqliteStore({ path: join(dir, 'b.db') });
  try {
    await fill(store, 4);
    const pruner = new Pruner(store, { retentionDays: 30, batch: 1, pauseMs: 60_000 });
    const run = pruner.runOnce();
    await new Promise((r) => setTimeout(r, 50));
    await pruner.stop();
    const report = await run;
    assert.equal(report.complete, false);
    assert.ok(report.deleted.events < 4, `${report.deleted.events}`);
  } finally {
    await store.close();
  }
});

test('payhook prune prints what it removed', async () => {
  const path = join(dir, 'cli.db');
  const store = new SqliteStore({ path });
  await fill(store, 3);
  await store.close();
  const run = await runCli(['prune', '--db', path], {});
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /deleted in batches: 3 events, 3 deliveries, 3 attempts/);
  const json = await runCli(['prune', '--db', path, '--days', '1', '--json'], {});
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).deleted.events, 0, 'the pending one stays; nothing else is old');
});
