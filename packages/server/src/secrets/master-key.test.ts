import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../config.js';
import { KeyringError, newMasterKey } from './keyring.js';
import { keyFileKeyring, resolveKeyring, writeKeyFile } from './master-key.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-master-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const none = { masterKey: null, masterKeyPrevious: [] };

test('embedded default: the key file is made beside the database, mode 0600, and read back the next time', () => {
  const db = join(dir, 'a.db');
  const first = keyFileKeyring(db);
  assert.equal(first.created, true);
  assert.equal(first.path, `${db}.key`);
  assert.equal(statSync(first.path).mode & 0o777, 0o600);
  const again = keyFileKeyring(db);
  assert.equal(again.created, false);
  assert.equal(again.keyring.currentId, first.keyring.currentId);
  assert.equal(again.keyring.open(first.keyring.seal('whsec_x', 'endpoint_secret'), 'endpoint_secret'), 'whsec_x');
});

test('a key file readable by others, or not 32 bytes, stops the start with the reason', () => {
  const db = join(dir, 'b.db');
  keyFileKeyring(db);
  chmodSync(`${db}.key`, 0o644);
  assert.throws(
    () => keyFileKeyring(db),
    (e: Error) =>
      e instanceof KeyringError && /readable or writable by others \(mode 644\); run: chmod 600/.test(e.message),
  );
  writeFileSync(`${db}.key`, Buffer.alloc(16).toString('base64'), { mode: 0o600 });
  chmodSync(`${db}.key`, 0o600);
  assert.throws(() => keyFileKeyring(db), /must decode to 32 bytes; it decodes to 16/);
});

test('PostgreSQL refuses to start without PAYHOOK_MASTER_KEY and says how to make one', () => {
  assert.throws(
    () => resolveKeyring({ ...none, databaseUrl: 'postgres://x@127.0.0.1/db', dbPath: join(dir, 'unused.db') }),
    (e: Error) =>
      e instanceof KeyringError &&
      /PostgreSQL needs PAYHOOK_MASTER_KEY/.test(e.message) &&
      /openssl rand -base64 32/.test(e.message),
  );
  const key = newMasterKey();
  const r = resolveKeyring({
    masterKey: key,
    masterKeyPrevious: [],
    databaseUrl: 'postgres://x@127.0.0.1/db',
    dbPath: '',
  });
  assert.equal(r.source, 'PAYHOOK_MASTER_KEY');
  assert.ok(!r.source.includes(key));
});

test('PAYHOOK_MASTER_KEY wins over the key file; bad keys are refused naming the variable', () => {
  const db = join(dir, 'c.db');
  const r = resolveKeyring({ masterKey: newMasterKey(), masterKeyPrevious: [], databaseUrl: null, dbPath: db });
  assert.equal(r.source, 'PAYHOOK_MASTER_KEY');
  assert.throws(
    () => resolveKeyring({ masterKey: 'c2hvcnQ=', masterKeyPrevious: [], databaseUrl: null, dbPath: db }),
    /PAYHOOK_MASTER_KEY must decode to 32 bytes/,
  );
  assert.throws(
    () => resolveKeyring({ masterKey: newMasterKey(), masterKeyPrevious: ['nope!'], databaseUrl: null, dbPath: db }),
    /PAYHOOK_MASTER_KEY_PREVIOUS/,
  );
  assert.throws(
    () => resolveKeyring({ masterKey: null, masterKeyPrevious: [newMasterKey()], databaseUrl: null, dbPath: db }),
    /PREVIOUS is set without PAYHOOK_MASTER_KEY/,
  );
});

test('writeKeyFile replaces a key file atomically with a 0600 file', () => {
  const path = join(dir, 'd.db.key');
  writeKeyFile(path, newMasterKey());
  const next = newMasterKey();
  writeKeyFile(path, next);
  assert.equal(readFileSync(path, 'utf8').trim(), next);
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('config: PAYHOOK_MASTER_KEY and PAYHOOK_MASTER_KEY_PREVIOUS (comma-separated) reach the keyring', () => {
  const [a, b, c] = [newMasterKey(), newMasterKey(), newMasterKey()];
  const config = loadConfig({ PAYHOOK_MASTER_KEY: ` ${a}\n`, PAYHOOK_MASTER_KEY_PREVIOUS: `${b}, ${c},` });
  assert.equal(config.store.masterKey, a);
  assert.deepEqual(config.store.masterKeyPrevious, [b, c]);
  assert.deepEqual([loadConfig({}).store.masterKey, loadConfig({}).store.masterKeyPrevious], [null, []]);
  const ring = resolveKeyring({ ...config.store, databaseUrl: null, dbPath: join(dir, 'e.db') }).keyring;
  const old = resolveKeyring({
    masterKey: c,
    masterKeyPrevious: [],
    databaseUrl: null,
    dbPath: join(dir, 'e.db'),
  }).keyring;
  assert.equal(ring.open(old.seal('whsec_y', 'endpoint_secret'), 'endpoint_secret'), 'whsec_y');
});
