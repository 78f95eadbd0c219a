/**
 * Faults on PostgreSQL, each against the real server and a real receiver: sessions killed mid-run, a
 * pool too small for its load, a dispatcher process killed with SIGKILL while holding claims, and two
 * stores claiming from one schema at once. The shared server is never restarted (other test files use
 * it); killing every session of a store with pg_terminate_backend is what a restart looks like to it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEndpoint } from '../../endpoints/service.js';
import { createMerchant } from '../../merchants/service.js';
import { EventIngestor } from '../../events/ingest.js';
import { Metrics } from '../../metrics.js';
import { eventually, Receiver } from '../../../test/helpers/receiver.js';
import { startEngine } from '../../../test/helpers/engine.js';
import { runPayhook, waitForOutput } from '../../../test/helpers/spawn.js';
import { claimAll, newEndpoint, newEvent, newMerchant } from '../../../test/suites/store-contract/fixtures.js';
import {
  admin,
  randomSchema,
  terminateSessions,
  TestSchemas,
  TEST_DATABASE_URL,
  TEST_MASTER_KEY,
} from '../../../test/helpers/test-db.js';

const schemas = new TestSchemas();
let rx: Receiver;
before(async () => {
  rx = await new Receiver().start();
});
after(async () => {
  await rx.close();
  await schemas.dropAll();
});

const idsAt = (path: string) => new Set(rx.for(path).map((r) => String(r.headers['webhook-id'])));

// The test's own timeout is above the sum of its waits (the producing phase, whose appends retry through
// the kills, then 30 s for the arrivals and 30 s for the counts), so a failure names the wait that failed:
// at 60 s a clean-clone CI run, building other Node versions beside the suite, once timed the test out.
test('sessions killed mid-run: the store reconnects by itself and every accepted event is delivered', {
  timeout: 150_000,
}, async () => {
  const schema = randomSchema();
  const app = `payhook-${schema}`;
  const store = schemas.store({ schema, poolSize: 4, applicationName: app });
  const engine = await startEngine({ pollIntervalMs: 50 }, store);
  try {
    await createEndpoint(store, engine.merchantId, { url: `${rx.url}/killed` });
    const accepted: string[] = [];
    let refused = 0;
    let killed = 0;
    let producing = true;
    const killer = (async () => {
      while (producing) {
        await sleep(60);
        killed += await terminateSessions(app);
      }
    })();
    for (let i = 0; i < 30; i++) {
      const batch = await Promise.allSettled(
        Array.from({ length: 20 }, (_, k) =>
          engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.success', data: { n: i * 20 + k } }),
        ),
      );
      for (const r of batch) {
        if (r.status === 'fulfilled') accepted.push(r.value.event.id);
        else refused++;
      }
      await sleep(10);
    }
    producing = false;
    await killer;
    assert.ok(killed >= 5, `sessions were killed during the run (${killed})`);
    // Retries absorb nearly every kill; an append that still failed was refused to its caller (who
    // retries with its idempotency key), so only accepted events must arrive.
    assert.ok(accepted.length >= 500, `most appends were accepted (${accepted.length} accepted, ${refused} refused)`);
    await rx.waitFor(() => accepted.every((id) => idsAt('/killed').has(id)), 30_000, 'every accepted event');
    const counts = await eventually(
      async () => {
        const c = await store.countDeliveries();
        return c.pending === 0 ? c : null;
      },
      30_000,
      'no pending deliveries',
    );
    assert.equal(counts.succeeded, accepted.length);
    assert.ok((store.dueListener?.connects ?? 0) >= 2, 'the LISTEN session came back after being killed');
  } finally {
    await engine.close();
  }
});

test('pool exhausted: hundreds of concurrent operations on two connections all complete; a bounded wait fails cleanly', {
  timeout: 60_000,
}, async () => {
  const store = schemas.store({ poolSize: 2 });
  await store.migrate();
  try {
    const m = await newMerchant(store);
    await newEndpoint(store, m);
    const t0 = Date.now();
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 0) ops.push(store.appendEvents([newEvent(m, 'order.success', t0 + i)]));
      else if (i % 3 === 1) ops.push(store.countDeliveries(m));
      else ops.push(store.claimDue({ now: t0 + 1000, limit: 5, leaseMs: 60_000, owner: `w${i}` }));
    }
    const settled = await Promise.allSettled(ops);
    assert.deepEqual(
      settled.filter((s) => s.status === 'rejected'),
      [],
    );
    assert.equal(
      Object.values(await store.countDeliveries(m)).reduce((a, b) => a + b, 0),
      100,
    );

    // Past its bounded wait an operation fails with an error the caller can handle (the API turns it
    // into a 5xx, the dispatcher backs off) and the store keeps working once a connection is free.
    const tiny = schemas.store({ poolSize: 1, connectionTimeoutMs: 200 });
    await tiny.migrate();
    const held = await tiny.db.pool.connect();
    await assert.rejects(tiny.getSetting('x'), /timeout/i);
    held.release();
    assert.equal(await tiny.getSetting('x'), null);
    await tiny.close();
  } finally {
    await store.close();
  }
});

test('a dispatcher killed with SIGKILL holding claims: another one takes them once their lease ends', {
  timeout: 180_000,
}, async () => {
  const schema = randomSchema();
  const store = schemas.store({ schema });
  await store.migrate();
  try {
    const { merchant } = await createMerchant(store, 'sigkill');
    await createEndpoint(store, merchant.id, { url: `${rx.url}/sigkill` });
    rx.on('/sigkill', { kind: 'hang' });
    const ingestor = new EventIngestor(store, new Metrics());
    const events = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        ingestor.send({ merchantId: merchant.id, type: 'order.success', data: { n } }),
      ),
    );
    const doomed = runPayhook(['serve', '--database-url', TEST_DATABASE_URL, '--role', 'dispatcher'], {
      PAYHOOK_DATABASE_SCHEMA: schema,
      PAYHOOK_MASTER_KEY: TEST_MASTER_KEY,
      PAYHOOK_ADMIN_KEY: 'ak_test',
      PAYHOOK_LEASE: '35s',
      PAYHOOK_TIMEOUT: '2s',
      PAYHOOK_POLL_INTERVAL: '50ms',
    });
    await waitForOutput(doomed, /dispatching \(role dispatcher, store PostgreSQL\)/);
    // Claims held (leased into the future) and requests in flight: kill it now. The dispatcher's
    // adaptive limit keeps a hanging endpoint to a few claims, so not every delivery is held.
    const held = await eventually(
      async () => {
        const rows = await admin<{ id: string }>(`SELECT id FROM "${schema}".deliveries WHERE lease_owner IS NOT NULL`);
        return rows.length > 0 && rx.for('/sigkill').length > 0 ? rows.map((r) => r.id) : null;
      },
      20_000,
      'the claims',
    ).catch(async (err: Error) => {
      const attempts = await admin(
        `SELECT error_class, error_message, count(*)::int AS n FROM "${schema}".attempts GROUP BY 1, 2`,
      );
      throw new Error(
        `${err.message}; attempts so far ${JSON.stringify(attempts)}; payhook said:\n${doomed.output().slice(-2000)}`,
      );
    });
    doomed.child.kill('SIGKILL');
    assert.equal((await doomed.exited).signal, 'SIGKILL');
    const early = await store.claimDue({ now: Date.now(), limit: 100, leaseMs: 1000, owner: 'too-early' });
    assert.ok(
      early.every((d) => !held.includes(d.id)),
      'the dead claims are still leased',
    );
    await store.releaseClaims(
      'too-early',
      early.map((d) => d.id),
    );
    rx.on('/sigkill', { kind: 'ok' });
    const healedAt = Date.now();
    const heir = await startEngine({ pollIntervalMs: 50 }, schemas.store({ schema }));
    try {
      await rx.waitFor(
        () =>
          events.every((e) =>
            rx.for('/sigkill').some((r) => r.headers['webhook-id'] === e.event.id && r.at >= healedAt),
          ),
        90_000,
        'every event, from the heir',
      );
      const counts = await eventually(
        async () => {
          const c = await store.countDeliveries(merchant.id);
          return c.pending === 0 ? c : null;
        },
        20_000,
        'no pending deliveries',
      );
      assert.deepEqual(counts, { pending: 0, succeeded: 40, failed: 0, cancelled: 0 });
    } finally {
      await heir.close();
    }
  } finally {
    await store.close();
  }
});

test('two stores on one schema claiming at once take disjoint sets that cover every delivery', {
  timeout: 60_000,
}, async () => {
  const schema = randomSchema();
  const a = schemas.store({ schema, poolSize: 4 });
  const b = schemas.store({ schema, poolSize: 4 });
  await a.migrate();
  try {
    const m = await newMerchant(a);
    for (let i = 0; i < 4; i++) await newEndpoint(a, m);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++)
      await a.appendEvents(Array.from({ length: 30 }, (_, k) => newEvent(m, 'order.success', t0 + i * 30 + k)));
    const now = t0 + 10_000;
    // Both pools connected before either claims: otherwise `a` (connected by the migration) can drain
    // everything while `b` is still opening its first connection.
    await Promise.all([a, b].flatMap((s) => Array.from({ length: 4 }, () => s.nextDueAt())));
    const drain = async (store: typeof a, owner: string) => {
      const got: string[] = [];
      const workers = Array.from({ length: 4 }, async (_, w) => {
        for (;;) {
          const batch = await store.claimDue({ now, limit: 7, leaseMs: 60_000, owner: `${owner}-${w}` });
          if (batch.length === 0) return;
          got.push(...batch.map((c) => c.id));
        }
      });
      await Promise.all(workers);
      return got;
    };
    const [fromA, fromB] = await Promise.all([drain(a, 'a'), drain(b, 'b')]);
    const all = [...fromA, ...fromB];
    assert.equal(new Set(all).size, all.length, 'no delivery went to both');
    assert.equal(all.length, 600);
    assert.ok(fromA.length > 0 && fromB.length > 0, 'both took a share');
    assert.deepEqual(await claimAll(a, now), []);
  } finally {
    await a.close();
    await b.close();
  }
});
