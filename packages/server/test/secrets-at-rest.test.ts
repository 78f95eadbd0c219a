/**
 * Secrets at rest, end to end on both backends: a real payhook delivering to a real receiver on
 * loopback, checked with the SDK's `verify`. Plaintext rows (as a version before sealing wrote them) are
 * sealed at the next start; `rotate-master-key` re-seals every row under a new key; webhooks verify
 * before and after; and neither the SQLite file and its WAL nor a `pg_dump` of the schema holds a
 * signing secret, its base64 body or a custom header value anywhere.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { verify } from '@payhook/sdk';
import { createPayhook, type Payhook } from '../src/app.js';
import { rotateMasterKey } from '../src/cli/rotate-master-key.js';
import { loadConfig } from '../src/config.js';
import { LOOPBACK_NETWORKS } from '../src/delivery/destinations.js';
import { defaultModules } from '../src/default-modules.js';
import { newMasterKey } from '../src/secrets/keyring.js';
import { ADMIN_KEY } from './api-harness.js';
import { eventually, Receiver } from './helpers/receiver.js';
import { admin, randomSchema, TEST_DATABASE_URL, TEST_MASTER_KEY } from './helpers/test-db.js';

const PG_DUMP = [
  '/usr/bin/pg_dump',
  ...['17', '16', '15', '14'].map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`),
].find((p) => existsSync(p));

interface Backend {
  name: 'sqlite' | 'postgres';
  env: Record<string, string>;
  /** The raw bytes a thief of the storage would get. */
  rawDump(): Buffer;
  /** Rewrites every secret and header value in the clear, as payhook stored them before sealing. */
  makePlain(secret: string, headers: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

async function start(env: Record<string, string>): Promise<Payhook> {
  const all = {
    PAYHOOK_ADMIN_KEY: ADMIN_KEY,
    PAYHOOK_LOG_LEVEL: 'silent',
    PAYHOOK_ALLOW_NETWORKS: LOOPBACK_NETWORKS.join(','),
    ...env,
  };
  const app = await createPayhook(loadConfig(all, { server: { port: 0 } }), { modules: defaultModules(all) });
  await app.start();
  return app;
}

async function call(app: Payhook, method: string, path: string, key: string, body?: unknown): Promise<any> {
  const res = await fetch(app.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-secrets-'));
  const db = join(dir, 'payhook.db');
  return {
    name: 'sqlite',
    env: { PAYHOOK_DB: db },
    rawDump: () =>
      Buffer.concat([readFileSync(db), existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`) : Buffer.alloc(0)]),
    async makePlain(secret, headers) {
      const d = new Database(db);
      d.prepare('UPDATE endpoint_secrets SET secret = ?').run(secret);
      d.prepare('UPDATE endpoints SET headers = ?').run(JSON.stringify(headers));
      d.close();
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const schema = randomSchema();
  return {
    name: 'postgres',
    env: {
      PAYHOOK_DATABASE_URL: TEST_DATABASE_URL,
      PAYHOOK_DATABASE_SCHEMA: schema,
      PAYHOOK_MASTER_KEY: TEST_MASTER_KEY,
    },
    rawDump: () =>
      execFileSync(
        PG_DUMP as string,
        ['--schema', schema, '--data-only', '--no-owner', '-d', TEST_DATABASE_URL.replace(/\?.*$/, '')],
        { maxBuffer: 64 * 1024 * 1024 },
      ),
    async makePlain(secret, headers) {
      await admin(`UPDATE "${schema}".endpoint_secrets SET secret = $1`, [secret]);
      await admin(`UPDATE "${schema}".endpoints SET headers = $1::jsonb`, [JSON.stringify(headers)]);
    },
    async cleanup() {
      await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

function assertNoSecrets(bytes: Buffer, values: string[]): void {
  const text = bytes.toString('latin1');
  for (const v of values) assert.ok(!text.includes(v), `"${v.slice(0, 12)}…" is stored in the clear`);
}

for (const make of [sqliteBackend, postgresBackend]) {
  const backend = make();
  const skip = backend.name === 'postgres' && !PG_DUMP ? 'no pg_dump binary here' : false;
  describe(`secrets at rest: ${backend.name}`, { skip }, () => {
    const receiver = new Receiver();
    after(async () => {
      await receiver.close();
      await backend.cleanup();
    });

    test('webhooks verify before and after sealing old rows and a master-key rotation; the storage holds no secret', {
      timeout: 120_000,
    }, async () => {
      await receiver.start();
      const headerValue = `hdr-${randomBytes(12).toString('hex')}`;
      let app = await start(backend.env);
      let key: string, endpointId: string, secret: string;
      const delivered = async (n: number) => {
        await call(app, 'POST', '/v1/events', key, { type: 'shop.secrets_test', data: { n } });
        const got = await eventually(
          () => receiver.received.find((r) => JSON.parse(r.body).data?.n === n),
          20_000,
          `webhook ${n}`,
        );
        assert.equal(got.headers['x-shop-token'], headerValue);
        const current = await call(app, 'GET', `/v1/endpoints/${endpointId}/secret`, key);
        const event = verify(got.body, got.headers as Record<string, string>, [current.secret]);
        assert.equal((event.data as { n: number }).n, n);
        return current as { secret: string; previous_secrets: { secret: string }[] };
      };
      try {
        key = (await call(app, 'POST', '/v1/merchants', ADMIN_KEY, { name: 'shop' })).api_key;
        const ep = await call(app, 'POST', '/v1/endpoints', key, {
          url: `${receiver.url}/hooks`,
          headers: { 'X-Shop-Token': headerValue },
        });
        endpointId = ep.id;
        secret = ep.secret;
        await delivered(1);
      } finally {
        await app.stop();
      }

      // Rows as a version before sealing wrote them: sealed at the next start, and still delivering.
      await backend.makePlain(secret, { 'X-Shop-Token': headerValue });
      assert.ok(
        backend.rawDump().toString('latin1').includes(headerValue),
        'the plaintext rows are there before the start',
      );
      app = await start(backend.env);
      let secrets: string[];
      try {
        await delivered(2);
        const rotated = await call(app, 'POST', `/v1/endpoints/${endpointId}/rotate-secret`, key);
        secrets = [secret, rotated.secret];
        const after = await delivered(3);
        assert.deepEqual([after.secret, ...after.previous_secrets.map((s) => s.secret)], [rotated.secret, secret]);
      } finally {
        await app.stop();
      }

      // The master-key rotation.
      const lines: string[] = [];
      let env = backend.env;
      if (backend.name === 'sqlite') {
        const keyFile = `${backend.env.PAYHOOK_DB}.key`;
        const before = readFileSync(keyFile, 'utf8');
        const counts = await rotateMasterKey(backend.env, { writeKeyFile: true }, (l) => lines.push(l));
        assert.deepEqual(counts, { secrets: 2, headers: 1 });
        assert.notEqual(readFileSync(keyFile, 'utf8'), before);
        assert.equal(statSync(keyFile).mode & 0o777, 0o600);
        assert.ok(!existsSync(`${keyFile}.next`));
        assert.ok(!lines.join('\n').includes(readFileSync(keyFile, 'utf8').trim()), 'the new key is not printed');
      } else {
        env = { ...backend.env, PAYHOOK_MASTER_KEY: newMasterKey(), PAYHOOK_MASTER_KEY_PREVIOUS: TEST_MASTER_KEY };
        assert.deepEqual(await rotateMasterKey(env, {}, (l) => lines.push(l)), { secrets: 2, headers: 1 });
        assert.deepEqual(await rotateMasterKey(env, {}, () => {}), { secrets: 0, headers: 0 });
        env = { ...env, PAYHOOK_MASTER_KEY_PREVIOUS: '' };
        // The old key alone no longer opens the rows.
        const stale = await start(backend.env);
        try {
          await assert.rejects(
            fetch(`${stale.url}/v1/endpoints/${endpointId}/secret`, {
              headers: { authorization: `Bearer ${key}` },
            }).then(async (r) => {
              if (r.status !== 200) throw new Error(`status ${r.status}`);
            }),
          );
        } finally {
          await stale.stop();
        }
      }
      assert.match(lines.join('\n'), /re-sealed 2 signing secrets and 1 endpoint header sets/);

      app = await start(env);
      try {
        await delivered(4);
        const raw = backend.rawDump();
        assertNoSecrets(raw, [...secrets, ...secrets.map((s) => s.slice('whsec_'.length)), headerValue]);
      } finally {
        await app.stop();
      }
      assertNoSecrets(backend.rawDump(), [...secrets, ...secrets.map((s) => s.slice('whsec_'.length)), headerValue]);
    });
  });
}
