/**
 * Storage faults, made for real: a SQLite file that hits its size limit (SQLITE_FULL), a connection
 * switched to read-only, a database file the process may not write, a PostgreSQL role whose sessions
 * are read-only. Writes answer 503 storage_unavailable with Retry-After (never a bare 500), /readyz
 * says not ready while /healthz stays the liveness probe, what was accepted before is kept, and a
 * database that cannot take writes at start is refused with the reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createPayhook } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { SqliteStore } from '../src/store/sqlite/store.js';
import { admin, randomSchema, TEST_DATABASE_URL, TEST_MASTER_KEY } from './helpers/test-db.js';
import { ADMIN_KEY, Harness } from './api-harness.js';
import { runPayhook } from './helpers/spawn.js';

const event = (n: number) => ({ type: 'shop.order', data: { n, pad: 'x'.repeat(2000) } });

describe('storage faults on SQLite', () => {
  let h: Harness;
  let key: string;
  let db: SqliteStore['db'];

  before(async () => {
    h = await Harness.start({ server: { role: 'api' } });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
    db = (h.app.store as SqliteStore).db;
  });
  after(async () => {
    await h?.close();
  });

  test('a full database answers 503 storage_unavailable with Retry-After, and loses nothing accepted', async () => {
    const accepted = await h.call('POST', '/v1/events', { key, body: event(0) });
    assert.equal(accepted.status, 202);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = Number(db.pragma('page_count', { simple: true }));
    db.pragma(`max_page_count = ${pages}`);
    try {
      let full = null;
      for (let n = 1; n <= 200 && !full; n++) {
        const r = await h.call('POST', '/v1/events', { key, body: event(n) });
        if (r.status !== 202) full = r;
      }
      assert.ok(full, 'the database filled up');
      assert.equal(full.status, 503);
      assert.equal(full.body.error.code, 'storage_unavailable');
      assert.equal(full.body.error.details.reason, 'the disk is full');
      assert.equal(full.headers.get('retry-after'), '5');
      assert.doesNotMatch(full.text, /SQLITE|payhook\.db/);
      const health = await h.call('GET', '/healthz', { key: null });
      assert.equal(health.status, 200, 'liveness is not readiness');
    } finally {
      db.pragma('max_page_count = 4294967294');
    }
    const again = await h.call('POST', '/v1/events', { key, body: event(999) });
    assert.equal(again.status, 202);
    const first = await h.call('GET', `/v1/events/${accepted.body.id}`, { key });
    assert.equal(first.status, 200, 'the event accepted before the fault is still there');
  });

  test('/readyz reports not ready while the database refuses writes, and ready again after', async () => {
    assert.deepEqual((await h.call('GET', '/readyz', { key: null })).body, { status: 'ready' });
    db.pragma('query_only = ON');
    try {
      await new Promise((r) => setTimeout(r, 1100)); // past the probe's one-second sharing window
      const ready = await h.call('GET', '/readyz', { key: null });
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, { status: 'not_ready', reason: 'the database is read-only' });
      assert.equal(ready.headers.get('retry-after'), '5');
      const write = await h.call('POST', '/v1/events', { key, body: event(1) });
      assert.equal(write.status, 503);
      assert.equal(write.body.error.details.reason, 'the database is read-only');
      assert.equal((await h.call('GET', '/healthz', { key: null })).status, 200);
    } finally {
      db.pragma('query_only = OFF');
    }
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await h.call('GET', '/readyz', { key: null })).status, 200);
  });

  test('a database file the process cannot write is refused at start, with the reason', async (t) => {
    // As root the child runs as nobody, who must be able to reach the checkout to load payhook at all
    // (a clone inside a 0700 directory such as `mktemp -d` makes it fail for that reason, not this one).
    if (process.getuid?.() === 0 && !reachableByOthers(fileURLToPath(new URL('.', import.meta.url)))) {
      t.skip('the checkout is not reachable by an unprivileged user (a parent directory lacks o+x)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'payhook-ro-'));
    try {
      const path = join(dir, 'payhook.db');
      const app = await createPayhook(
        loadConfig({}, { server: { port: 0, adminKey: ADMIN_KEY, logLevel: 'silent' }, store: { dbPath: path } }),
      );
      await app.stop();
      chmodSync(path, 0o444);
      chmodSync(dir, 0o555);
      // root ignores file modes: run the child as an unprivileged user so the modes hold.
      const asNobody = process.getuid?.() === 0;
      // The master key file belongs to the user payhook runs as (only the database is read-only here).
      if (asNobody) {
        chownSync(dir, 65534, 65534);
        chownSync(`${path}.key`, 65534, 65534);
      }
      const run = runPayhook(
        ['serve', '--port', '0', '--db', path],
        { PAYHOOK_ADMIN_KEY: ADMIN_KEY, HOME: dir },
        asNobody ? { uid: 65534, gid: 65534 } : {},
      );
      const { code } = await run.exited;
      assert.notEqual(code, 0);
      assert.match(run.output(), /cannot write to the database \(.*payhook\.db\): the database is read-only/);
      assert.doesNotMatch(run.output(), /listening on/);
    } finally {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('storage faults on PostgreSQL', () => {
  // A role of its own, so its sessions can be made read-only without touching any other test's.
  const role = `payhook_ro_${randomBytes(4).toString('hex')}`;
  const schema = randomSchema();
  const url = TEST_DATABASE_URL.replace('postgres@', `${role}@`);
  let h: Harness;
  let key: string;

  before(async () => {
    await admin(`CREATE ROLE ${role} LOGIN SUPERUSER`);
    h = await Harness.start({
      server: { role: 'api' },
      store: { databaseUrl: url, masterKey: TEST_MASTER_KEY },
      postgres: { schema },
    });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
    await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  async function readOnly(on: boolean): Promise<void> {
    await admin(
      on
        ? `ALTER ROLE ${role} SET default_transaction_read_only = on`
        : `ALTER ROLE ${role} RESET default_transaction_read_only`,
    );
    // Sessions pick the setting up when they start: end the role's sessions, as a failover would.
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
  }

  test('a read-only server answers 503 storage_unavailable and /readyz not ready; both recover', async () => {
    const accepted = await h.call('POST', '/v1/events', { key, body: event(0) });
    assert.equal(accepted.status, 202);
    await readOnly(true);
    try {
      let write = await h.call('POST', '/v1/events', { key, body: event(1) });
      // The first request after the sessions ended may find a dead connection and get it replaced.
      if (write.body?.error?.details?.reason === 'the database does not answer')
        write = await h.call('POST', '/v1/events', { key, body: event(1) });
      assert.equal(write.status, 503);
      assert.equal(write.body.error.code, 'storage_unavailable');
      assert.equal(write.body.error.details.reason, 'the database is read-only');
      assert.equal(write.headers.get('retry-after'), '5');
      await new Promise((r) => setTimeout(r, 1100));
      const ready = await h.call('GET', '/readyz', { key: null });
      assert.equal(ready.status, 503);
      assert.equal(ready.body.reason, 'the database is read-only');
      assert.equal((await h.call('GET', '/healthz', { key: null })).status, 200);
    } finally {
      await readOnly(false);
    }
    await new Promise((r) => setTimeout(r, 1100));
    let ready = await h.call('GET', '/readyz', { key: null });
    if (ready.status !== 200) ready = await h.call('GET', '/readyz', { key: null });
    assert.equal(ready.status, 200);
    assert.equal((await h.call('POST', '/v1/events', { key, body: event(2) })).status, 202);
    assert.equal((await h.call('GET', `/v1/events/${accepted.body.id}`, { key })).status, 200);
  });

  test('a read-only server is refused at start, with the reason', async () => {
    await readOnly(true);
    try {
      const config = loadConfig(
        {},
        {
          server: { port: 0, adminKey: ADMIN_KEY, logLevel: 'silent' },
          store: { databaseUrl: url, masterKey: TEST_MASTER_KEY },
          postgres: { schema },
        },
      );
      await assert.rejects(
        createPayhook(config),
        /cannot write to the database \(PostgreSQL\): the database is read-only/,
      );
    } finally {
      await readOnly(false);
    }
  });
});

/** Whether every directory from the root down to `dir` lets other users through (o+x). */
function reachableByOthers(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}
