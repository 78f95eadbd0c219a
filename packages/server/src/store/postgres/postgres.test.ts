/** PostgreSQL-only behaviour: concurrent migrations, the version check, and wake-ups across processes. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { newEndpoint, newEvent, newMerchant, nextDue } from '../../../test/suites/store-contract/fixtures.js';
import { checkServerVersion, migrationNames, UnsupportedServerError } from './migrate.js';
import { PostgresStore } from './store.js';
import {
  admin,
  randomSchema,
  terminateSessions,
  TestSchemas,
  TEST_DATABASE_URL,
} from '../../../test/helpers/test-db.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('migrations', () => {
  test('several processes starting at once apply each migration exactly once', async () => {
    const schema = randomSchema();
    const stores = Array.from({ length: 5 }, () => schemas.store({ schema, poolSize: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await admin<{ name: string }>(`SELECT name FROM "${schema}".schema_migrations ORDER BY version`);
      assert.deepEqual(
        rows.map((r) => r.name),
        migrationNames(),
      );
      const tables = await admin<{ n: number }>('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [
        schema,
      ]);
      assert.ok(tables[0].n >= 8);
      await stores[0].migrate();
      assert.equal((await admin(`SELECT 1 FROM "${schema}".schema_migrations`)).length, migrationNames().length);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('a server older than PostgreSQL 13 is refused with a clear message', async () => {
    const old = { query: async () => ({ rows: [{ num: '120015', version: '12.15' }] }) } as unknown as Parameters<
      typeof checkServerVersion
    >[0];
    await assert.rejects(
      checkServerVersion(old),
      (err: Error) =>
        err instanceof UnsupportedServerError && /PostgreSQL 13 or newer; this server is 12\.15/.test(err.message),
    );
    const store = schemas.store();
    try {
      await store.migrate();
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        assert.ok((await checkServerVersion(client)) >= 130000);
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
    }
  });

  test('bad options fail when the store is made, not later', () => {
    assert.throws(() => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema: 'Robert"; DROP' }), /schema/);
    assert.throws(
      () => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema: 'ok', poolSize: 0 }),
      /pool size/,
    );
  });
});

describe('wake-ups across processes (LISTEN/NOTIFY)', () => {
  test("another process's appends wake a listener, including ones whose NOTIFY was coalesced", async () => {
    const schema = randomSchema();
    // A wide window makes the second append certainly fall inside it and go out as the trailing NOTIFY.
    const api = schemas.store({ schema, notifyWindowMs: 300, applicationName: `payhook-${schema}-api` });
    const dispatcher = schemas.store({ schema, applicationName: `payhook-${schema}-dispatcher` });
    try {
      await api.migrate();
      const m = await newMerchant(api);
      await newEndpoint(api, m);
      dispatcher.onDue(() => {});
      await waitFor('the LISTEN session', () => dispatcher.dueListener?.listening === true);
      const first = nextDue(dispatcher);
      await api.appendEvents([newEvent(m, 'order.success', Date.now())]);
      await first.fired;
      const second = nextDue(dispatcher);
      await api.appendEvents([newEvent(m, 'order.success', Date.now())]);
      await second.fired;
      const none = await api.appendEvents([newEvent(await newMerchant(api), 'order.success', Date.now())]);
      assert.equal(none[0].deliveries, 0);
    } finally {
      await api.close();
      await dispatcher.close();
    }
  });

  test('the LISTEN session comes back by itself after it is killed', async () => {
    const schema = randomSchema();
    const api = schemas.store({ schema, applicationName: `payhook-${schema}-api` });
    const dispatcher = schemas.store({ schema, applicationName: `payhook-${schema}-dispatcher` });
    try {
      await api.migrate();
      const m = await newMerchant(api);
      await newEndpoint(api, m);
      dispatcher.onDue(() => {});
      await waitFor('the LISTEN session', () => dispatcher.dueListener?.connects === 1);
      assert.equal(await terminateSessions(`payhook-${schema}-dispatcher:listen`), 1);
      await waitFor(
        'the LISTEN session to reconnect',
        () => dispatcher.dueListener?.connects === 2 && dispatcher.dueListener.listening,
      );
      const woken = nextDue(dispatcher);
      await api.appendEvents([newEvent(m, 'order.success', Date.now())]);
      await woken.fired;
    } finally {
      await api.close();
      await dispatcher.close();
    }
  });
});
