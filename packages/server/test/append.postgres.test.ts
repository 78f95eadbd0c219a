/**
 * The PostgreSQL append as one call (migration 0014's `append_events`): it takes the merchants' shared
 * endpoint locks and only then reads the endpoints, in a statement of its own, so an append that waited
 * for a disable or a delete sees what that change committed; and the migration applies to a database
 * that already holds events, deliveries and idempotency keys.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { newId } from '../src/ids.js';
import { PAYMENT_MIGRATIONS } from '../src/payments/store/index.js';
import { migrationsInOrder } from '../src/store/module-port.js';
import { LOCK_SPACE, lockKey } from '../src/store/postgres/db.js';
import { CORE_MIGRATIONS, migrate } from '../src/store/postgres/migrate.js';
import type { PostgresStore } from '../src/store/postgres/store.js';
import { admin, TEST_DATABASE_URL, TestSchemas } from './helpers/test-db.js';
import { newEndpoint, newEvent, newMerchant } from './suites/store-contract/fixtures.js';

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

/** How many sessions wait for the advisory lock (LOCK_SPACE, key). */
async function waitingFor(key: number): Promise<number> {
  const [r] = await admin<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
     WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2`,
    [LOCK_SPACE, key >>> 0],
  );
  return r.n;
}

/** Returns once `n` sessions wait for the lock (a condition, polled: no timing is relied on). */
async function untilWaiting(key: number, n: number): Promise<void> {
  for (let i = 0; (await waitingFor(key)) < n; i++) {
    if (i > 2000) throw new Error(`${n} sessions never queued for the lock`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function deliveriesOf(store: PostgresStore, eventId: string) {
  return admin<{ endpoint_id: string; status: string; next_attempt_at: number | null }>(
    `SELECT endpoint_id, status, next_attempt_at::float8 AS next_attempt_at FROM "${store.schema}".deliveries WHERE event_id = $1 ORDER BY endpoint_id`,
    [eventId],
  );
}

describe('PostgreSQL append', () => {
  test('an append queued behind a disable or a delete sees the change: no due delivery to a disabled endpoint, none to a deleted one', async () => {
    const store = newStore();
    await store.migrate();
    const m = await newMerchant(store);
    const kept = await newEndpoint(store, m);
    const disabled = await newEndpoint(store, m);
    const deleted = await newEndpoint(store, m);
    // core.ts endpointLock
    const key = lockKey(`endpoints:${store.schema}:${m}`);

    // Another session holds the merchant's endpoint lock, so that the disable and the delete queue
    // behind it, and the append behind them. When it lets go, the disable and the delete commit
    // first; the append was already called (its statement's own snapshot is older than their commits)
    // and must still read the endpoints as they left them.
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, key]);
      const now = Date.now();
      const disabling = store.updateEndpoint(m, disabled.id, { disabled: true }, now);
      await untilWaiting(key, 1);
      const deleting = store.deleteEndpoint(m, deleted.id, now);
      await untilWaiting(key, 2);
      const event = newEvent(m, 'order.success', now);
      const appending = store.appendEvents([event]);
      await untilWaiting(key, 3);
      await holder.query('COMMIT');

      assert.equal((await disabling)?.disabled, true);
      assert.equal(await deleting, true);
      const [appended] = await appending;
      assert.equal(appended.created, true);
      assert.equal(appended.deliveries, 2, 'the kept endpoint and the disabled one; none to the deleted one');
      const rows = await deliveriesOf(store, event.id);
      const byEndpoint = new Map(rows.map((r) => [r.endpoint_id, r]));
      assert.equal(byEndpoint.has(deleted.id), false, 'no delivery to the deleted endpoint');
      assert.equal(byEndpoint.get(disabled.id)?.status, 'pending');
      assert.equal(byEndpoint.get(disabled.id)?.next_attempt_at, null, 'the disabled endpoint’s delivery waits');
      assert.equal(byEndpoint.get(kept.id)?.next_attempt_at, event.createdAt, 'the kept endpoint’s is due');
      const claimed = await store.claimDue({ now: Date.now() + 1000, limit: 10, leaseMs: 30_000, owner: 'w1' });
      assert.deepEqual(
        claimed.map((d) => d.endpointId),
        [kept.id],
      );
    } finally {
      await holder.end();
    }
  });

  test('migration 0014 applies to a database with data from 0001–0013, and appends after it keep their idempotency keys', async () => {
    const store = newStore();
    const modules = [PAYMENT_MIGRATIONS];
    // The schema as payhook left it before 0014, with a merchant, an endpoint and a keyed event.
    await migrate(
      store.db.pool,
      store.schema,
      migrationsInOrder(
        CORE_MIGRATIONS.filter((m) => m.version < 14),
        modules.map((m) => m.postgres),
      ),
    );
    const m = await newMerchant(store);
    const ep = await newEndpoint(store, m);
    const s = `"${store.schema}"`;
    const now = Date.now();
    const old = newEvent(m, 'order.success', now - 1000, 'key-old');
    await admin(
      `INSERT INTO ${s}.events (id, merchant_id, type, body, idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [old.id, m, old.type, old.body, old.idempotencyKey, old.createdAt],
    );
    await admin(`INSERT INTO ${s}.event_idempotency (merchant_id, idempotency_key, event_id) VALUES ($1, $2, $3)`, [
      m,
      'key-old',
      old.id,
    ]);
    await admin(
      `INSERT INTO ${s}.deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'succeeded', 1, NULL, $6, $6)`,
      [newId('del', old.createdAt), old.id, ep.id, m, old.type, old.createdAt],
    );
    const [before] = await admin<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n
      ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'append_events'`,
      [store.schema],
    );
    assert.equal(before.n, 0);

    await store.migrate(modules);

    const versions = await admin<{ version: number }>(`SELECT version FROM ${s}.schema_migrations WHERE version = 14`);
    assert.equal(versions.length, 1);
    const replayed = newEvent(m, 'order.success', now, 'key-old');
    const fresh = newEvent(m, 'order.success', now, 'key-new');
    const [r1, r2] = await store.appendEvents([replayed, fresh]);
    assert.equal(r1.created, false);
    assert.equal(r1.event.id, old.id, 'the key stored before 0014 still names its event');
    assert.equal(r2.created, true);
    assert.equal(r2.deliveries, 1);
    assert.equal((await deliveriesOf(store, fresh.id))[0].next_attempt_at, fresh.createdAt);
    assert.equal((await deliveriesOf(store, old.id))[0].status, 'succeeded', 'old rows are untouched');
  });
});
