/**
 * Contract cases: the module port (module-port.ts), with a small module of its own ("widgets": one
 * table, a few statements per dialect) as the payment module uses it: migrations in the one version
 * space, the module's own statements and no others, and `withOutbox`, whose writes and appended events
 * commit together, fan out like `appendEvents`, and roll back together.
 */
import assert from 'node:assert/strict';
import { newId } from '../../../src/ids.js';
import type { ModuleMigrations, ModuleStatements, ModuleStore, Store } from '../../../src/store/types.js';
import type { Case, ContractOptions } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, nextDue, sorted, testOffer } from './fixtures.js';

const WIDGETS: ModuleMigrations = {
  sqlite: [
    {
      version: 9001,
      name: '9001_contract_widgets',
      sql: 'CREATE TABLE contract_widgets (id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, n INTEGER NOT NULL)',
    },
  ],
  postgres: [
    {
      version: 9001,
      name: '9001_contract_widgets',
      sql: 'CREATE TABLE contract_widgets (id text PRIMARY KEY, merchant_id text NOT NULL, n integer NOT NULL)',
    },
  ],
};

const STATEMENTS: ModuleStatements = {
  sqlite: {
    widget_insert: 'INSERT INTO contract_widgets (id, merchant_id, n) VALUES (@id, @merchant_id, @n)',
    widget_get: 'SELECT id, merchant_id, n FROM contract_widgets WHERE id = @id',
    widget_set: 'UPDATE contract_widgets SET n = @n WHERE id = @id',
    widget_migrations: 'SELECT version, name FROM schema_migrations ORDER BY version',
  },
  postgres: {
    widget_insert: 'INSERT INTO contract_widgets (id, merchant_id, n) VALUES (@id, @merchant_id, @n) RETURNING id',
    widget_get: 'SELECT id, merchant_id, n FROM contract_widgets WHERE id = @id',
    widget_set: 'UPDATE contract_widgets SET n = @n WHERE id = @id RETURNING n',
    widget_migrations: 'SELECT version, name FROM schema_migrations ORDER BY version',
  },
};

interface Widget {
  id: string;
  merchant_id: string;
  n: number;
}

async function widgets(store: Store): Promise<ModuleStore> {
  await store.migrate([WIDGETS]);
  return store.moduleStore(STATEMENTS);
}

async function getWidget(db: ModuleStore, id: string): Promise<Widget | undefined> {
  if (db.dialect === 'sqlite') return db.get<Widget>('widget_get', { id });
  return (await db.all<Widget>('widget_get', { id }, { idempotent: true }))[0];
}

async function insertWidget(db: ModuleStore, id: string, merchantId: string): Promise<void> {
  if (db.dialect === 'sqlite') db.run('widget_insert', { id, merchant_id: merchantId, n: 0 });
  else await db.all('widget_insert', { id, merchant_id: merchantId, n: 0 }, { idempotent: false });
}

export function moduleCases(test: Case, options: Pick<ContractOptions, 'claimsAtAppend'>): void {
  test('module port: withOutbox offers its new deliveries as appendEvents does, and hands over only what committed', async (store) => {
    const db = await widgets(store);
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    let offers = 0;
    const offer = testOffer('direct', 60_000);
    const withdraw = store.offerNewDeliveries(() => {
      offers++;
      return offer;
    });
    const t0 = Date.now();
    const paid = newEvent(a, 'order.success', t0);
    const lost = newEvent(a, 'order.cancel', t0 + 1);
    if (db.dialect === 'sqlite') {
      db.withOutbox((tx) => {
        tx.run('widget_insert', { id: 'w-paid', merchant_id: a, n: 1 });
        return tx.appendEvents([paid]);
      });
      assert.throws(() =>
        db.withOutbox((tx) => {
          tx.appendEvents([lost]);
          throw new Error('the state change failed');
        }),
      );
    } else {
      await db.withOutbox(
        async (tx) => {
          await tx.all('widget_insert', { id: 'w-paid', merchant_id: a, n: 1 });
          return tx.appendEvents([paid]);
        },
        { idempotent: false },
      );
      await assert.rejects(
        db.withOutbox(
          async (tx) => {
            await tx.appendEvents([lost]);
            throw new Error('the state change failed');
          },
          { idempotent: false },
        ),
      );
    }
    withdraw();
    const claimed = await claimAll(store, t0 + 2, 'loop');
    assert.equal(await store.getEvent(a, lost.id), null, 'the rolled-back event is gone');
    const accepted = offer.accepted.flatMap((x) => x.batch);
    if (options.claimsAtAppend) {
      assert.deepEqual(
        accepted.map((d) => [d.eventId, d.endpointId]),
        [[paid.id, ep.id]],
        'the committed delivery was handed over, the rolled-back one never',
      );
      assert.deepEqual(claimed, [], 'and it is leased: no claim finds it');
      assert.equal(offers, 2, 'asked once per transaction');
    } else {
      assert.deepEqual(accepted, []);
      assert.deepEqual(
        claimed.map((d) => d.eventId),
        [paid.id],
      );
    }
  });

  test("module port: migrations run once, in version order after the core's, recorded by version and name", async (store) => {
    const db = await widgets(store);
    await store.migrate([WIDGETS]);
    const rows =
      db.dialect === 'sqlite'
        ? db.all<{ version: number; name: string }>('widget_migrations')
        : await db.all<{ version: number; name: string }>('widget_migrations', {}, { idempotent: true });
    const recorded = rows.map((r) => [Number(r.version), r.name] as const);
    // The core's migrations first (0001_init, then whatever the core has added since), in order, then the module's.
    assert.deepEqual(recorded[0], [1, '0001_init']);
    assert.deepEqual(recorded.at(-1), [9001, '9001_contract_widgets']);
    assert.ok(
      recorded.slice(0, -1).every(([v, name]) => v < 9001 && name.startsWith(String(v).padStart(4, '0'))),
      JSON.stringify(recorded),
    );
    assert.deepEqual(
      recorded.map(([v]) => v),
      [...recorded.map(([v]) => v)].sort((a, b) => a - b),
      'in version order',
    );
    await insertWidget(db, 'w1', 'm');
    assert.equal((await getWidget(db, 'w1'))?.n, 0);
  });

  test('module port: a migration version taken twice is refused before anything runs', async (store) => {
    const clash: ModuleMigrations = {
      sqlite: [{ version: 1, name: '0001_other', sql: 'CREATE TABLE contract_clash (x INTEGER)' }],
      postgres: [{ version: 1, name: '0001_other', sql: 'CREATE TABLE contract_clash (x integer)' }],
    };
    await assert.rejects(store.migrate([clash]), /0001_init and 0001_other share version 1/);
    await assert.rejects(store.migrate([WIDGETS, WIDGETS]), /share version 9001/);
    const db = await widgets(store);
    await insertWidget(db, 'w1', 'm');
  });

  test('module port: a module runs its own statements and no others', async (store) => {
    const db = await widgets(store);
    if (db.dialect === 'sqlite')
      assert.throws(() => db.get('settings_get', { key: 'x' }), /settings_get is not one of this module's/);
    else
      await assert.rejects(
        async () => db.all('settings_get', { key: 'x' }, { idempotent: true }),
        /settings_get is not one of this module's/,
      );
    const core = { sqlite: { settings_get: 'SELECT 1' }, postgres: { settings_get: 'SELECT 1' } };
    assert.throws(() => store.moduleStore(core), /settings_get has the name of a core statement/);
    const changed = {
      sqlite: { ...STATEMENTS.sqlite, widget_get: 'SELECT 2' },
      postgres: { ...STATEMENTS.postgres, widget_get: 'SELECT 2' },
    };
    assert.throws(() => store.moduleStore(changed), /widget_get is registered twice with different SQL/);
    // The same statements again (a module attached to this store once more) are the same handle's.
    const again = store.moduleStore(STATEMENTS);
    await insertWidget(again, 'w1', 'm');
    assert.equal((await getWidget(db, 'w1'))?.id, 'w1');
  });

  test("module port: withOutbox commits the module's writes with the events it appends, fanned out like appendEvents", async (store) => {
    const db = await widgets(store);
    const a = await newMerchant(store);
    const all = await newEndpoint(store, a, { eventTypes: null });
    const orders = await newEndpoint(store, a, { eventTypes: ['order.*'] });
    await newEndpoint(store, a, { eventTypes: ['refund.*'] });
    const t0 = Date.now();
    const events = [newEvent(a, 'order.success', t0), newEvent(a, 'transaction.success', t0 + 1)];
    const woken = nextDue(store);
    const id = newId('evt', t0);
    const appended =
      db.dialect === 'sqlite'
        ? db.withOutbox((tx) => {
            tx.run('widget_insert', { id, merchant_id: a, n: 1 });
            return tx.appendEvents(events);
          })
        : await db.withOutbox(
            async (tx) => {
              await tx.all('widget_insert', { id, merchant_id: a, n: 1 });
              return tx.appendEvents(events);
            },
            { idempotent: false },
          );
    assert.deepEqual(
      appended.map((r) => [r.created, r.deliveries]),
      [
        [true, 2],
        [true, 1],
      ],
    );
    assert.deepEqual(
      appended.map((r) => r.event),
      events,
    );
    await woken.fired;
    assert.equal((await getWidget(db, id))?.n, 1);
    assert.deepEqual((await store.getEvent(a, events[0].id))?.body, events[0].body);
    const targets = sorted(
      (await store.listDeliveries({ merchantId: a, eventId: events[0].id, limit: 10 })).items.map((d) => d.endpointId),
    );
    assert.deepEqual(targets, sorted([all.id, orders.id]));
    assert.equal((await store.listDeliveries({ merchantId: a, eventId: events[1].id, limit: 10 })).items.length, 1);
  });

  test("module port: a throw inside withOutbox leaves neither the module's writes nor the events", async (store) => {
    const db = await widgets(store);
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const e = newEvent(a, 'order.success', Date.now());
    const fail = new Error('injected failure');
    if (db.dialect === 'sqlite') {
      assert.throws(
        () =>
          db.withOutbox((tx) => {
            tx.run('widget_insert', { id: 'w1', merchant_id: a, n: 1 });
            tx.appendEvents([e]);
            throw fail;
          }),
        /injected failure/,
      );
    } else {
      await assert.rejects(
        db.withOutbox(
          async (tx) => {
            await tx.all('widget_insert', { id: 'w1', merchant_id: a, n: 1 });
            await tx.appendEvents([e]);
            throw fail;
          },
          { idempotent: false },
        ),
        /injected failure/,
      );
    }
    assert.equal(await getWidget(db, 'w1'), undefined);
    assert.equal(await store.getEvent(a, e.id), null);
    assert.deepEqual(await store.countDeliveries(a), { pending: 0, succeeded: 0, failed: 0, cancelled: 0 });
  });

  test('module port: an idempotency key seen before returns the earlier event inside withOutbox too', async (store) => {
    const db = await widgets(store);
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    const t0 = Date.now();
    const [first] = await store.appendEvents([newEvent(a, 'order.success', t0, 'key-1')]);
    const again = newEvent(a, 'order.success', t0 + 1, 'key-1');
    const [r] =
      db.dialect === 'sqlite'
        ? db.withOutbox((tx) => tx.appendEvents([again]))
        : await db.withOutbox((tx) => tx.appendEvents([again]), { idempotent: false });
    assert.deepEqual([r.created, r.deliveries, r.event.id], [false, 0, first.event.id]);
    assert.equal(await store.getEvent(a, again.id), null);
  });

  test('module port: transactions do not interleave (SQLite: the body is synchronous; PostgreSQL: tx.lock)', async (store) => {
    const db = await widgets(store);
    await insertWidget(db, 'counter', 'm');
    const runs = 20;
    if (db.dialect === 'sqlite') {
      // An async body would let other requests' statements into the transaction: it is refused, unapplied.
      assert.throws(
        () =>
          db.withOutbox((async (tx: { run: (n: string, p: object) => number }) => {
            tx.run('widget_set', { id: 'counter', n: 99 });
          }) as never),
        /promise/i,
      );
      assert.equal((await getWidget(db, 'counter'))?.n, 0);
      await Promise.all(
        Array.from({ length: runs }, async () =>
          db.withOutbox((tx) => {
            const w = tx.get<Widget>('widget_get', { id: 'counter' })!;
            tx.run('widget_set', { id: 'counter', n: Number(w.n) + 1 });
          }),
        ),
      );
    } else {
      // Read, then write what was read plus one: without the lock, concurrent transactions lose updates.
      await Promise.all(
        Array.from({ length: runs }, () =>
          db.withOutbox(
            async (tx) => {
              await tx.lock('contract-counter', 'counter');
              const [w] = await tx.all<Widget>('widget_get', { id: 'counter' });
              await tx.all('widget_set', { id: 'counter', n: Number(w.n) + 1 });
            },
            { idempotent: false },
          ),
        ),
      );
    }
    assert.equal(Number((await getWidget(db, 'counter'))?.n), runs);
  });
}
