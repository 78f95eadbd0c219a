/**
 * Starting `payhook serve` with secrets at rest: the embedded default makes its key file and says where,
 * once, without printing the key; PostgreSQL without PAYHOOK_MASTER_KEY does not start, and says how
 * to make one. `payhook rotate-master-key` rotates the embedded key file from the command line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runPayhook, waitForOutput } from './helpers/spawn.js';
import { randomSchema, TEST_DATABASE_URL } from './helpers/test-db.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-secrets-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('embedded default: the first start makes <db>.key and names it, never printing the key; rotate-master-key replaces it', {
  timeout: 90_000,
}, async () => {
  const db = join(dir, 'payhook.db');
  const env = {
    PAYHOOK_ADMIN_KEY: 'ak_secrets_start_test_key',
    PAYHOOK_MASTER_KEY: '',
    PAYHOOK_MASTER_KEY_PREVIOUS: '',
  };
  const run = runPayhook(['serve', '--port', '0', '--db', db], env);
  await waitForOutput(run, /listening on/);
  run.child.kill('SIGTERM');
  await run.exited;
  const key = readFileSync(`${db}.key`, 'utf8').trim();
  assert.match(
    run.output(),
    new RegExp(`created the master key \\(key file ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.key\\)`),
  );
  assert.ok(!run.output().includes(key), 'the key is not printed');

  const second = runPayhook(['serve', '--port', '0', '--db', db], env);
  await waitForOutput(second, /listening on/);
  second.child.kill('SIGTERM');
  await second.exited;
  assert.doesNotMatch(second.output(), /created the master key/);

  const rotate = runPayhook(['rotate-master-key', '--db', db, '--write-key-file'], env);
  assert.equal((await rotate.exited).code, 0, rotate.output());
  const next = readFileSync(`${db}.key`, 'utf8').trim();
  assert.notEqual(next, key);
  assert.match(rotate.output(), /re-sealed 0 signing secrets and 0 endpoint header sets under master key [0-9a-f]{8}/);
  assert.ok(!rotate.output().includes(next));
});

test('PostgreSQL without PAYHOOK_MASTER_KEY refuses to start, saying how to make one', {
  timeout: 60_000,
}, async () => {
  const run = runPayhook(['serve', '--port', '0'], {
    PAYHOOK_DATABASE_URL: TEST_DATABASE_URL,
    PAYHOOK_DATABASE_SCHEMA: randomSchema(),
    PAYHOOK_MASTER_KEY: '',
  });
  const { code } = await run.exited;
  assert.equal(code, 2);
  assert.match(run.output(), /PostgreSQL needs PAYHOOK_MASTER_KEY.*openssl rand -base64 32/);
});
