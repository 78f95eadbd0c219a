/**
 * The payment module's migrations keep the ids older payhooks recorded. `0002_payments` was the core's
 * second migration until the module moved to payments/; `schema_migrations` keys on the version, and
 * older payhooks recorded (2, '0002_payments'). The module declares the same version and name, so on a
 * database an older payhook migrated it is already recorded and never runs again.
 *
 * Checked two ways on each backend: a fresh database records exactly those ids, and a database made by
 * the payhook of before the move (fixtures/, each made by running it) opens with the payment module,
 * migrates nothing, serves its orders, carries on with the pay-back it left pending, and takes payments.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPayhook, type Payhook } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { defaultModules } from '../../src/default-modules.js';
import { paymentsOf } from '../../src/payments/module.js';
import { admin, randomSchema, TEST_DATABASE_URL, TEST_MASTER_KEY } from '../helpers/test-db.js';

const ADMIN_KEY = 'ak_fixture_admin_key_before_the_module_split';
const FIXTURES = {
  sqlite: { sql: 'sqlite-before-module-split.sql', merchantKey: 'sk_ELqN_CVugHaat11XQmS7dWH0DChujCiwvKqa3egOF5A' },
  postgres: { sql: 'postgres-before-module-split.sql', merchantKey: 'sk_UAYH2ddMwB0Yn61DN3Wrl8CfDyud3ENOUI2b8jzTWK0' },
} as const;
type Backend = keyof typeof FIXTURES;

const dir = mkdtempSync(join(tmpdir(), 'payhook-migrations-'));
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await admin(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
});

interface Db {
  backend: Backend;
  path: string;
  schema: string;
}

function newDb(backend: Backend): Db {
  const schema = randomSchema();
  if (backend === 'postgres') schemas.push(schema);
  return { backend, path: join(dir, `${schema}.db`), schema };
}

/** Restores a fixture as it was dumped (onto the test's own schema name, on PostgreSQL). */
async function restore(db: Db): Promise<void> {
  const sql = readFileSync(new URL(`fixtures/${FIXTURES[db.backend].sql}`, import.meta.url), 'utf8');
  if (db.backend === 'sqlite') {
    const file = new Database(db.path);
    try {
      file.exec(sql);
    } finally {
      file.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql.replaceAll('payhook_before_split', db.schema));
  } finally {
    await client.end();
  }
}

async function recorded(db: Db): Promise<[number, string, number][]> {
  if (db.backend === 'sqlite') {
    const file = new Database(db.path, { readonly: true });
    try {
      return (
        file.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as {
          version: number;
          name: string;
          applied_at: number;
        }[]
      ).map((r) => [r.version, r.name, r.applied_at]);
    } finally {
      file.close();
    }
  }
  const rows = await admin<{ version: number; name: string; applied_at: string }>(
    `SELECT version, name, applied_at FROM "${db.schema}".schema_migrations ORDER BY version`,
  );
  return rows.map((r) => [r.version, r.name, Number(r.applied_at)]);
}

/** payhook with the default modules on `db`, API only (the test runs the payment workers itself). */
async function open(db: Db): Promise<Payhook> {
  const config = loadConfig(
    {},
    {
      server: { port: 0, adminKey: ADMIN_KEY, logLevel: 'silent', role: 'api' },
      store:
        db.backend === 'postgres'
          ? { databaseUrl: TEST_DATABASE_URL, masterKey: TEST_MASTER_KEY }
          : { dbPath: db.path },
      ...(db.backend === 'postgres' ? { postgres: { schema: db.schema } } : {}),
    },
  );
  const app = await createPayhook(config, { modules: defaultModules({}) });
  await app.start();
  return app;
}

async function call(app: Payhook, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(app.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`payment migrations on ${backend}`, () => {
    test('a fresh database records the ids older payhooks recorded: (1, 0001_init) and (2, 0002_payments)', async () => {
      const db = newDb(backend);
      const app = await open(db);
      await app.stop();
      // The core's later migrations (0003_…) come after; the first two keep the ids older payhooks recorded.
      assert.deepEqual(
        (await recorded(db)).slice(0, 2).map(([v, n]) => [v, n]),
        [
          [1, '0001_init'],
          [2, '0002_payments'],
        ],
      );
    });

    test('a database made before the module split: nothing migrates again, its orders are served, its pay-back goes on, payments work', async () => {
      const db = newDb(backend);
      await restore(db);
      const before = await recorded(db);
      assert.deepEqual(
        before.map(([v, n]) => [v, n]),
        [
          [1, '0001_init'],
          [2, '0002_payments'],
        ],
        'the fixture is what an older payhook recorded',
      );
      const app = await open(db);
      try {
        const migrated = await recorded(db);
        assert.deepEqual(migrated.slice(0, before.length), before, 'no migration ran again');
        assert.ok(
          migrated.slice(before.length).every(([v]) => Number(v) > 2),
          'only migrations newer than the fixture were added',
        );
        const key = FIXTURES[backend].merchantKey;
        const orders = (await call(app, key, 'GET', '/v1/orders')).data as {
          id: string;
          reference: string;
          status: string;
          sequence: number;
        }[];
        assert.deepEqual(orders.map((o) => [o.reference, o.status, o.sequence]).sort(), [
          ['INV-debited', 'cancelled', 2],
          ['INV-paid', 'paid', 2],
        ]);
        const [endpoint] = (await call(app, key, 'GET', '/v1/endpoints')).data;
        assert.equal(endpoint.format, 'foloosi');
        // Made before event versions: migration 0008 gave it the oldest, so nothing it receives changed.
        assert.deepEqual([endpoint.api_version, endpoint.payload_style], ['2026-11-27', 'snapshot']);

        // The pay-back the older payhook left pending is paid back by this one's workers, with its event.
        const debited = orders.find((o) => o.reference === 'INV-debited')!;
        assert.equal(
          (await call(app, key, 'GET', `/v1/orders/${debited.id}`)).transactions[0].payback.status,
          'pending',
        );
        assert.equal(await paymentsOf(app).workers.runPaybacks(), 1);
        const after = await call(app, key, 'GET', `/v1/orders/${debited.id}`);
        assert.equal(after.transactions[0].status, 'paid_back');
        assert.deepEqual(
          after.events.map((e: { type: string; sequence: number }) => [e.type, e.sequence]),
          [
            ['transaction.failed', 1],
            ['order.cancel', 2],
            ['transaction.paid_back', 3],
          ],
        );

        const order = await call(app, key, 'POST', '/v1/orders', {
          reference: 'INV-after',
          amount: 2500,
          currency: 'AED',
        });
        const paid = await call(app, key, 'POST', `/v1/orders/${order.id}/transactions`, {
          card: { number: '4111111111111111', expiry: '12/30', cvc: '123' },
        });
        assert.deepEqual([paid.outcome, paid.order.status, paid.order.sequence], ['success', 'paid', 2]);

        // Modes (migration 0013): the key and the data of before are test mode, and the merchant has a
        // live mode, empty, whose first key the admin makes.
        assert.equal(paid.order.livemode, false);
        const merchantId = paid.order.merchant_id as string;
        const liveKey = await call(app, ADMIN_KEY, 'POST', `/v1/api-keys?merchant_id=${merchantId}&livemode=true`, {
          name: 'default',
          scopes: ['read', 'write'],
        });
        assert.match(liveKey.key, /^sk_live_/);
        assert.deepEqual((await call(app, liveKey.key, 'GET', '/v1/orders')).data, [], 'live mode starts empty');
        assert.equal((await call(app, key, 'GET', '/v1/orders')).data.length, 3, 'test mode keeps all it had');
      } finally {
        await app.stop();
      }
    });
  });
}
