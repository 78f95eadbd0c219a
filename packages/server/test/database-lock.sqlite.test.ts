/**
 * One payhook process owns an embedded database: a second one started on the same SQLite file is
 * refused with `database_in_use`, naming the owner, and the file is free again the moment the owner
 * is gone, however it went (kill -9 included: the lock is the operating system's, not a row).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createPayhook } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { PayhookError } from '../src/errors.js';
import { runPayhook, waitForOutput } from './helpers/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const serve = (db: string) => runPayhook(['serve', '--db', db, '--port', '0'], { PAYHOOK_ADMIN_KEY: 'ak_lock_test' });

test('a second payhook process on the same SQLite file is refused; the first keeps serving', {
  timeout: 120_000,
}, async () => {
  const db = join(dir, 'owned.db');
  const first = serve(db);
  const [, url] = await waitForOutput(first, /listening on (http:\/\/\S+)/);

  const second = serve(db);
  const { code } = await second.exited;
  assert.equal(code, 1, second.output());
  assert.match(second.output(), /\(database_in_use\)/);
  assert.match(second.output(), new RegExp(`in use by another payhook process \\(pid ${first.child.pid}\\)`));
  assert.doesNotMatch(second.output(), /listening on/);

  const health = await request(`${url}/healthz`);
  await health.body.dump();
  assert.equal(health.statusCode, 200, 'the owner is untouched by the refused start');

  // kill -9 leaves the lock file behind, but not the lock: the next process starts.
  first.child.kill('SIGKILL');
  await first.exited;
  const third = serve(db);
  await waitForOutput(third, /listening on/);
  third.child.kill('SIGTERM');
  assert.deepEqual(await third.exited, { code: 0, signal: null }, third.output());
});

test('in one process too, a second payhook on the file is refused until the first stops', async () => {
  const db = join(dir, 'in-process.db');
  const config = loadConfig(
    {},
    { server: { port: 0, adminKey: 'ak_lock_test', logLevel: 'silent' }, store: { dbPath: db, databaseUrl: null } },
  );
  const owner = await createPayhook(config);
  await assert.rejects(
    createPayhook(config),
    (err: unknown) => err instanceof PayhookError && err.code === 'database_in_use',
  );
  await owner.stop();
  const next = await createPayhook(config);
  await next.stop();
});
