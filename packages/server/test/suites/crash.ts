/**
 * Crash safety of `payhook serve`: killed with SIGKILL mid-run and started again, it loses no event and
 * leaves no delivery stuck; stopped with SIGTERM, it finishes or gives back what it holds and exits 0.
 * Events are appended through a second connection to the same database (for SQLite, WAL allows it), so
 * the child runs as a pure dispatcher and every request it makes is real. `crash.sqlite.test.ts` and
 * `crash.postgres.test.ts` run it on each backend.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEndpoint } from '../../src/endpoints/service.js';
import { createMerchant } from '../../src/merchants/service.js';
import { EventIngestor } from '../../src/events/ingest.js';
import { Metrics } from '../../src/metrics.js';
import type { Store } from '../../src/store/types.js';
import { eventually, Receiver } from '../helpers/receiver.js';
import { runPayhook, waitForOutput } from '../helpers/spawn.js';

/** A backend for the suite: a fresh store named `name`, and the environment that points `serve` at it. */
export interface CrashBackend {
  open(name: string, dir: string): Promise<{ store: Store; env: Record<string, string> }>;
  cleanup(): Promise<void>;
}

export function runCrashSuite(backend: CrashBackend): void {
  let dir: string;
  let rx: Receiver;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payhook-crash-'));
    rx = await new Receiver().start();
  });
  after(async () => {
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
    await backend.cleanup();
  });

  async function setup(dbName: string, path: string, timeoutMs?: number, extra: Record<string, unknown> = {}) {
    const { store, env } = await backend.open(dbName, dir);
    await store.migrate();
    const { merchant } = await createMerchant(store, 'crash test');
    await createEndpoint(store, merchant.id, {
      url: rx.url + path,
      ...(timeoutMs ? { timeout_ms: timeoutMs } : {}),
      ...extra,
    });
    return { env, store, merchantId: merchant.id, ingestor: new EventIngestor(store, new Metrics()) };
  }

  const serveEnv = (env: Record<string, string>) => ({
    ...env,
    PAYHOOK_ROLE: 'dispatcher',
    PAYHOOK_ADMIN_KEY: 'ak_test',
    PAYHOOK_LEASE: '35s', // the shortest allowed: an attempt may take 30 s
    PAYHOOK_POLL_INTERVAL: '50ms',
    PAYHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms',
    PAYHOOK_TIMEOUT: '1s',
  });

  test('SIGKILL mid-run, then a restart: every event arrives at least once and nothing is left pending', {
    timeout: 300_000,
  }, async () => {
    const { env, store, merchantId, ingestor } = await setup('kill', '/crash');
    const total = 3000;
    const ids: string[] = [];
    for (let i = 0; i < total; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, total - i) }, (_, k) =>
          ingestor.send({ merchantId, type: 'order.success', data: { n: i + k } }),
        ),
      );
      ids.push(...batch.map((b) => b.event.id));
    }
    const first = runPayhook(['serve'], serveEnv(env));
    await waitForOutput(first, /dispatching/, 120_000);
    // Kill it part-way through: after some deliveries arrived, well before all did.
    await rx.waitFor(() => rx.for('/crash').length >= 300, 120_000, 'first deliveries');
    first.child.kill('SIGKILL');
    const died = await first.exited;
    assert.equal(died.signal, 'SIGKILL');
    const beforeRestart = new Set(rx.for('/crash').map((r) => r.headers['webhook-id']));
    assert.ok(beforeRestart.size < total, 'the kill came before the run finished');

    const second = runPayhook(['serve'], serveEnv(env));
    await waitForOutput(second, /dispatching/, 120_000);
    await rx.waitFor(
      () => new Set(rx.for('/crash').map((r) => r.headers['webhook-id'])).size === total,
      120_000,
      'every event after restart',
    );
    const counts = await eventually(
      async () => {
        const c = await store.countDeliveries();
        return c.pending === 0 ? c : null;
      },
      60_000,
      'no pending deliveries',
    );
    assert.equal(counts.succeeded, total);
    assert.equal(counts.failed, 0);
    const got = new Set(rx.for('/crash').map((r) => r.headers['webhook-id']));
    for (const id of ids) assert.ok(got.has(id), `event ${id} arrived`);
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
    await store.close();
  });

  test('SIGKILL and a restart on an ordered endpoint: no event of a key arrives before every earlier one of it', {
    timeout: 300_000,
  }, async () => {
    const { env, store, merchantId, ingestor } = await setup('ordered', '/ordered', undefined, { ordered: true });
    const keys = 10;
    const sent = new Map<string, string[]>();
    for (let i = 0; i < 40; i++) {
      for (let k = 0; k < keys; k++) {
        const key = `k${k}`;
        const r = await ingestor.send({ merchantId, type: 'order.success', data: { key, i }, orderingKey: key });
        sent.set(key, [...(sent.get(key) ?? []), r.event.id]);
      }
    }
    const total = keys * 40;
    const arrived = () => rx.for('/ordered').map((r) => String(r.headers['webhook-id']));
    const first = runPayhook(['serve'], serveEnv(env));
    await waitForOutput(first, /dispatching/, 120_000);
    await rx.waitFor(() => arrived().length >= 60, 120_000, 'first deliveries');
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(new Set(arrived()).size < total, 'the kill came before the run finished');
    const second = runPayhook(['serve'], serveEnv(env));
    await waitForOutput(second, /dispatching/, 120_000);
    await rx.waitFor(() => new Set(arrived()).size === total, 180_000, 'every event after restart');
    const keyOf = new Map<string, { key: string; at: number }>();
    for (const [key, ids] of sent) for (const [at, id] of ids.entries()) keyOf.set(id, { key, at });
    const seen = new Set<string>();
    for (const id of arrived()) {
      const { key, at } = keyOf.get(id)!;
      for (const earlier of sent.get(key)!.slice(0, at))
        assert.ok(seen.has(earlier), `${id} (${key} #${at}) arrived before ${earlier}`);
      seen.add(id);
    }
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
    await store.close();
  });

  test('SIGTERM with requests hanging: exits 0 within the deadline and gives the claims back', {
    timeout: 180_000,
  }, async () => {
    rx.on('/slow', { kind: 'hang' });
    const { env, store, merchantId, ingestor } = await setup('term', '/slow', 30_000);
    for (let i = 0; i < 20; i++) await ingestor.send({ merchantId, type: 'order.success', data: { n: i } });
    const run = runPayhook(['serve'], {
      ...serveEnv(env),
      PAYHOOK_TIMEOUT: '30s',
      PAYHOOK_LEASE: '5m',
      PAYHOOK_SHUTDOWN_TIMEOUT: '500ms',
    });
    await waitForOutput(run, /dispatching/, 120_000);
    await rx.waitFor(() => rx.for('/slow').length >= 1, 30_000, 'a hanging request');
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    assert.equal(exit.code, 0);
    // Given back, not left leased for five minutes: every delivery is due again now, none succeeded.
    const page = await store.listDeliveries({ merchantId, limit: 50 });
    assert.equal(page.items.length, 20);
    for (const d of page.items) {
      assert.equal(d.status, 'pending');
      assert.ok(d.nextAttemptAt !== null && d.nextAttemptAt <= Date.now(), 'due again at once');
    }
    await store.close();
  });
}
