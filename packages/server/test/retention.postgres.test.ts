/**
 * Retention on PostgreSQL (migration 0007): the day partitions, dropping a finished day whole, keeping a
 * day with a pending delivery, and upgrading a database made before 0007 with rows in it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { idFloor, newId } from '../src/ids.js';
import { claimAll, newEndpoint, newEvent, newMerchant, resultFor } from './suites/store-contract/fixtures.js';
import { runCli } from './helpers/cli.js';
import { admin, TEST_DATABASE_URL, TEST_MASTER_KEY, TestSchemas } from './helpers/test-db.js';
import { PAYMENT_MIGRATIONS } from '../src/payments/store/index.js';
import { Metrics } from '../src/metrics.js';
import { Pruner } from '../src/retention/pruner.js';
import { parsePrometheus, sampleOf } from './helpers/prometheus.js';
import { migrationsInOrder } from '../src/store/module-port.js';
import { CORE_MIGRATIONS, migrate } from '../src/store/postgres/migrate.js';
import type { PostgresStore } from '../src/store/postgres/store.js';

const DAY = 86_400_000;
const schemas = new TestSchemas();
const open: PostgresStore[] = [];
after(async () => {
  for (const s of open) await s.close();
  await schemas.dropAll();
});

function newStore(): PostgresStore {
  const s = schemas.store();
  open.push(s);
  return s;
}

async function partitionsOf(schema: string, table: string): Promise<string[]> {
  const rows = await admin<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [`"${schema}".${table}`],
  );
  return rows.map((r) => r.name);
}

async function count(schema: string, table: string): Promise<number> {
  const [r] = await admin<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`);
  return Number(r.n);
}

const dayName = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

describe('PostgreSQL retention', () => {
  test('id_time_chars writes the time part of ids as ids.ts does', async () => {
    const store = newStore();
    await store.migrate();
    for (const ms of [0, 1, Date.UTC(2026, 11, 5), Date.now(), 2 ** 48 - 1]) {
      const [r] = await admin<{ t: string }>(`SELECT "${store.schema}".id_time_chars($1) AS t`, [ms]);
      assert.equal(`evt_${r.t}`, idFloor('evt', ms).slice(0, 14), `at ${ms}`);
    }
  });

  test('a new database has day partitions from yesterday to a week ahead, and a default one', async () => {
    const store = newStore();
    await store.migrate();
    const parts = await partitionsOf(store.schema, 'events');
    assert.ok(parts.includes('events_default'));
    assert.ok(parts.includes(`events_p${dayName(Date.now())}`));
    assert.ok(parts.includes(`events_p${dayName(Date.now() + 6 * DAY)}`));
    assert.ok((await partitionsOf(store.schema, 'attempts')).includes(`attempts_p${dayName(Date.now())}`));
    assert.equal(await store.preparePartitions(Date.now(), Date.now() + DAY), 0, 'nothing to make twice');
    // One reading of the clock: two could straddle a millisecond and put `later` a millisecond before
    // midnight, making the range two days.
    const now = Date.now();
    const later = now + 20 * DAY - (now % DAY);
    assert.equal(await store.preparePartitions(later, later + DAY), 3, 'one day: three tables');
  });

  test('dropPartitions drops finished old days whole, keeps a day with a pending delivery, then the rows go', async () => {
    const store = newStore();
    await store.migrate();
    const now = Date.now();
    // Mid-day, so the two events of one day cannot straddle midnight.
    const old = now - 10 * DAY - (now % DAY) + DAY / 2;
    const older = old - 2 * DAY;
    await store.preparePartitions(older, old + 1);
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const done = [newEvent(a, 'order.success', old, 'k-1'), newEvent(a, 'order.success', old + 1)];
    const pending = newEvent(a, 'order.success', older);
    const recent = newEvent(a, 'order.success', now - 1000, 'k-2');
    await store.appendEvents([...done, pending, recent]);
    const claimed = await claimAll(store, now, 'w');
    const finished = claimed.filter((c) => c.eventId !== pending.id);
    await store.recordResults(finished.map((c) => resultFor(c, 'w', 'succeeded', { startedAt: now })));
    await store.releaseClaims(
      'w',
      claimed.filter((c) => c.eventId === pending.id).map((c) => c.id),
    );
    await store.resendEvent(a, done[0].id, { id: newId('rsd', old + 5), now: old + 5 });
    // The resend made the delivery due again: finish it.
    const again = await claimAll(store, now, 'w');
    await store.recordResults(
      again.filter((c) => c.eventId === done[0].id).map((c) => resultFor(c, 'w', 'succeeded', { startedAt: now })),
    );
    await store.releaseClaims(
      'w',
      again.filter((c) => c.eventId !== done[0].id).map((c) => c.id),
    );

    const drops = await store.dropPartitions(now - DAY);
    const oldDay = drops.find((d) => d.day === dayName(old));
    assert.deepEqual(oldDay, { day: dayName(old), dropped: true, events: 2, deliveries: 2, attempts: 3 });
    const olderDay = drops.find((d) => d.day === dayName(older));
    assert.equal(olderDay?.dropped, false, 'a day with a pending delivery stays');
    assert.ok(!drops.some((d) => d.day === dayName(now)), 'today is not looked at');
    assert.ok(!(await partitionsOf(store.schema, 'events')).includes(`events_p${dayName(old)}`));
    assert.ok(!(await partitionsOf(store.schema, 'attempts')).includes(`attempts_p${dayName(old)}`));
    assert.equal(await store.getEvent(a, done[0].id), null);
    assert.ok(await store.getEvent(a, pending.id), 'the pending event stays');
    assert.ok(await store.getEvent(a, recent.id));

    // The idempotency key and the resend of the dropped day are left over until pruneOrphans.
    assert.equal(await count(store.schema, 'event_idempotency'), 2);
    assert.equal(await store.pruneOrphans(now - DAY, 100), 2);
    assert.equal(await count(store.schema, 'event_idempotency'), 1);
    assert.equal(await count(store.schema, 'resends'), 0);
    // The key is free again for a new event; the recent one still deduplicates.
    const [reused] = await store.appendEvents([newEvent(a, 'order.success', now, 'k-1')]);
    assert.equal(reused.created, true);
    const [dup] = await store.appendEvents([newEvent(a, 'order.success', now, 'k-2')]);
    assert.equal(dup.created, false);
    assert.equal(dup.event.id, recent.id);

    // Row-wise prune never takes the pending one either.
    assert.equal((await store.pruneEvents(now - DAY, 100)).events, 0);
    assert.ok(await store.getEvent(a, pending.id));
  });

  test('upgrading a database made before 0007 copies every row into the partitioned tables', async () => {
    const store = newStore();
    const modules = [PAYMENT_MIGRATIONS];
    // The schema as the payhook before 0007 left it: every migration but 0007, and but 0019, which
    // replaces a function 0007 makes.
    await migrate(
      store.db.pool,
      store.schema,
      migrationsInOrder(
        CORE_MIGRATIONS.filter((m) => m.version !== 7 && m.version < 19),
        modules.map((m) => m.postgres),
      ),
    );
    const s = `"${store.schema}"`;
    const now = Date.now();
    const mer = newId('mer', now);
    const ep = newId('ep', now);
    await admin(`INSERT INTO ${s}.merchants (id, name, created_at) VALUES ($1, 'Old shop', $2)`, [mer, now]);
    await admin(
      `INSERT INTO ${s}.endpoints (id, merchant_id, url, created_at, updated_at) VALUES ($1, $2, 'https://example.com/hook', $3, $3)`,
      [ep, mer, now],
    );
    const rows: { evt: string; del: string; at: number; status: string; key: string | null }[] = [];
    const oldDay = now - 40 * DAY - (now % DAY) + DAY / 2;
    for (const [i, at] of [oldDay, oldDay + 5, now - 3 * DAY, now - 1000].entries()) {
      rows.push({
        evt: newId('evt', at),
        del: newId('del', at),
        at,
        status: i === 3 ? 'pending' : 'succeeded',
        key: i % 2 === 0 ? `key-${i}` : null,
      });
    }
    for (const r of rows) {
      await admin(
        `INSERT INTO ${s}.events (id, merchant_id, type, body, idempotency_key, created_at, traceparent)
         VALUES ($1, $2, 'order.success', $3, $4, $5, NULL)`,
        [r.evt, mer, JSON.stringify({ id: r.evt, type: 'order.success', timestamp: 0, data: {} }), r.key, r.at],
      );
      await admin(
        `INSERT INTO ${s}.deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'order.success', $5, 1, $6, $7, $7)`,
        [r.del, r.evt, ep, mer, r.status, r.status === 'pending' ? now : null, r.at],
      );
      await admin(
        `INSERT INTO ${s}.attempts (id, delivery_id, merchant_id, attempt_no, started_at, duration_ms, status_code, response_body)
         VALUES ($1, $2, $3, 1, $4, 12, 200, 'ok')`,
        [newId('att', r.at + 10), r.del, mer, r.at + 10],
      );
    }
    await admin(`INSERT INTO ${s}.resends (id, merchant_id, event_id, created_at) VALUES ($1, $2, $3, $4)`, [
      newId('rsd', now),
      mer,
      rows[0].evt,
      now,
    ]);

    await store.migrate(modules);

    const [kind] = await admin<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = '${s}.events'::regclass`);
    assert.equal(kind.relkind, 'p', 'events is partitioned');
    assert.equal(await count(store.schema, 'events'), 4);
    assert.equal(await count(store.schema, 'deliveries'), 4);
    assert.equal(await count(store.schema, 'attempts'), 4);
    assert.equal(await count(store.schema, 'event_idempotency'), 2);
    assert.equal(await count(store.schema, 'events_default'), 0, 'every old day got its partition');
    assert.ok((await partitionsOf(store.schema, 'events')).includes(`events_p${dayName(rows[0].at)}`));
    for (const r of rows) {
      const e = await store.getEvent(mer, r.evt);
      assert.equal(e?.idempotencyKey, r.key);
      assert.equal((await store.getDelivery(mer, r.del))?.status, r.status);
      assert.equal((await store.listAttempts(mer, r.del)).length, 1);
    }
    // An idempotency key stored before the upgrade still deduplicates.
    const [dup] = await store.appendEvents([{ ...newEvent(mer, 'order.success', now), idempotencyKey: 'key-2' }]);
    assert.equal(dup.created, false);
    assert.equal(dup.event.id, rows[2].evt);
    // The pending delivery is still claimed.
    const claimed = await claimAll(store, now + 1, 'w');
    assert.deepEqual(
      claimed.map((c) => c.id),
      [rows[3].del],
    );

    // And the old day is dropped whole by retention (30 days).
    const drops = await store.dropPartitions(now - 30 * DAY);
    assert.deepEqual(
      drops.filter((d) => d.dropped).map((d) => [d.day, d.events, d.deliveries, d.attempts]),
      [[dayName(rows[0].at), 2, 2, 2]],
    );
    assert.equal(await store.getEvent(mer, rows[0].evt), null);
    assert.equal(await store.pruneOrphans(now - 30 * DAY, 100), 2, 'its idempotency key and resend');
    assert.ok(await store.getEvent(mer, rows[2].evt));
  });

  test('payhook prune drops the finished old day and prints it', async () => {
    const store = newStore();
    await store.migrate([PAYMENT_MIGRATIONS]);
    const now = Date.now();
    const old = now - 45 * DAY - (now % DAY) + DAY / 2;
    await store.preparePartitions(old, old + 1);
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'order.success', old), newEvent(a, 'order.success', old + 1)]);
    const claimed = await claimAll(store, now, 'w');
    await store.recordResults(claimed.map((c) => resultFor(c, 'w', 'succeeded')));
    const run = await runCli(['prune', '--database-url', TEST_DATABASE_URL], {
      PAYHOOK_DATABASE_SCHEMA: store.schema,
      PAYHOOK_MASTER_KEY: TEST_MASTER_KEY,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`dropped partitions: ${dayName(old)} \\(2 events, 2 deliveries, 2 attempts\\)`),
    );
    assert.ok(!(await partitionsOf(store.schema, 'events')).includes(`events_p${dayName(old)}`));
  });

  test('the pruner drops the old day, deletes old rows of the default partition, clears the leftovers, and counts each', async () => {
    const store = newStore();
    await store.migrate();
    const now = Date.now();
    const old = now - 50 * DAY - (now % DAY) + DAY / 2;
    await store.preparePartitions(old, old + 1);
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    // Two events in their day's partition, one in the default partition (a day with no partition).
    const inDay = [newEvent(a, 'order.success', old, 'p-1'), newEvent(a, 'order.success', old + 1)];
    const inDefault = newEvent(a, 'order.success', old - 3 * DAY);
    await store.appendEvents([...inDay, inDefault]);
    const claimed = await claimAll(store, now, 'w');
    await store.recordResults(claimed.map((c) => resultFor(c, 'w', 'succeeded')));
    assert.equal(await count(store.schema, 'events_default'), 1);

    const metrics = new Metrics();
    const report = await new Pruner(store, { retentionDays: 30, batch: 10, pauseMs: 0 }, metrics).runOnce(now);
    assert.deepEqual(report.dropped, { events: 2, deliveries: 2, attempts: 2 });
    assert.deepEqual(report.deleted, { events: 1, deliveries: 1, attempts: 1 });
    assert.equal(report.leftovers, 1, 'the idempotency key of the dropped day');
    assert.equal(await count(store.schema, 'events'), 0);
    assert.equal(await count(store.schema, 'event_idempotency'), 0);
    const p = parsePrometheus(await metrics.render());
    assert.equal(sampleOf(p, 'payhook_pruned_rows_total', { table: 'events', how: 'partition' }), 2);
    assert.equal(sampleOf(p, 'payhook_pruned_rows_total', { table: 'events', how: 'row' }), 1);
  });
});
