/**
 * PostgreSQL restarted during a run: payhook reconnects by itself and loses nothing. The shared test
 * server is never restarted (other test files use it), so this file starts a throwaway cluster of its
 * own (initdb in a temp dir, a free port, ~5 s) and restarts that. Skipped, with the reason, where the
 * PostgreSQL server binaries are not installed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEndpoint } from '../../endpoints/service.js';
import { eventually, Receiver } from '../../../test/helpers/receiver.js';
import { startEngine } from '../../../test/helpers/engine.js';
import { testKeyring } from '../../../test/helpers/test-db.js';
import { PostgresStore } from './store.js';

const BIN = [
  '/usr/lib/postgresql/17/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/14/bin',
  '/usr/lib/postgresql/13/bin',
].find((d) => existsSync(join(d, 'initdb')));

let dir = '';
let port = 0;
let rx: Receiver;

/**
 * Runs a server tool (as the `postgres` user when root: initdb refuses root). Its output is ignored,
 * not piped: the postmaster pg_ctl starts would inherit a pipe and keep it open, so waiting for the
 * pipe to close would wait for the server to exit.
 */
function pg(tool: string, args: string[], timeoutMs = 30_000): Promise<void> {
  const cmd = join(BIN!, tool);
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: 'ignore', timeout: timeoutMs });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${tool} failed (${code ?? signal})`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

const serverOptions = () => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;

before(
  async () => {
    if (!BIN) return;
    rx = await new Receiver().start();
    dir = mkdtempSync(join(tmpdir(), 'payhook-pg-restart-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
    port = await freePort();
    await pg('initdb', [
      '-D',
      join(dir, 'data'),
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    await pg('pg_ctl', ['-D', join(dir, 'data'), '-o', serverOptions(), '-l', join(dir, 'log'), '-w', 'start']);
  },
  { timeout: 60_000 },
);

after(async () => {
  if (!BIN) return;
  await rx?.close();
  await pg('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => {
    /* not running */
  });
  rmSync(dir, { recursive: true, force: true });
});

test('PostgreSQL restarted mid-run: the store reconnects by itself and every accepted event is delivered', {
  skip: BIN ? false : 'no PostgreSQL server binaries (initdb) installed here',
  timeout: 60_000,
}, async () => {
  const store = new PostgresStore({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    poolSize: 4,
    onError: () => {},
    keyring: testKeyring(),
  });
  const engine = await startEngine({ pollIntervalMs: 50 }, store);
  try {
    await createEndpoint(store, engine.merchantId, { url: `${rx.url}/restart` });
    const accepted: string[] = [];
    let refused = 0;
    const send = async (n: number) => {
      const batch = await Promise.allSettled(
        Array.from({ length: 10 }, (_, k) =>
          engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.success', data: { n: n * 10 + k } }),
        ),
      );
      for (const r of batch) {
        if (r.status === 'fulfilled') accepted.push(r.value.event.id);
        else refused++;
      }
    };
    for (let i = 0; i < 10; i++) await send(i);
    await rx.waitFor(() => rx.for('/restart').length > 0, 20_000, 'the first deliveries');
    // A fast restart terminates every session, refuses connections while it is down, then comes back.
    const restarted = pg('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-m',
      'fast',
      '-o',
      serverOptions(),
      '-l',
      join(dir, 'log'),
      '-w',
      'restart',
    ]);
    for (let i = 10; i < 40; i++) {
      await send(i);
      await sleep(20);
    }
    await restarted;
    for (let i = 40; i < 50; i++) await send(i);

    assert.ok(
      accepted.length >= 400,
      `most events were accepted across the restart (${accepted.length} accepted, ${refused} refused)`,
    );
    const delivered = () => new Set(rx.for('/restart').map((r) => String(r.headers['webhook-id'])));
    await rx.waitFor(
      () => {
        const d = delivered();
        return accepted.every((id) => d.has(id));
      },
      30_000,
      'every accepted event',
    );
    const counts = await eventually(
      async () => {
        const c = await store.countDeliveries();
        return c.pending === 0 ? c : null;
      },
      30_000,
      'no pending deliveries',
    );
    assert.equal(counts.succeeded, accepted.length);
    await eventually(() => (store.dueListener?.connects ?? 0) >= 2, 20_000, 'the LISTEN session to come back');
  } finally {
    await engine.close();
  }
});
