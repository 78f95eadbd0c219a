/** An in-process delivery engine on a fresh SQLite file, with a compressed retry schedule. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ProcessBus } from '../../src/bus.js';
import { loadConfig } from '../../src/config.js';
import { DestinationPolicy, LOOPBACK_NETWORKS } from '../../src/delivery/destinations.js';
import { Dispatcher, type DispatcherOptions } from '../../src/delivery/dispatcher.js';
import { EventIngestor } from '../../src/events/ingest.js';
import type { MerchantId } from '../../src/ids.js';
import { createMerchant } from '../../src/merchants/service.js';
import { Metrics } from '../../src/metrics.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/types.js';

export interface Engine {
  store: Store;
  metrics: Metrics;
  ingestor: EventIngestor;
  dispatcher: Dispatcher;
  /** The bus the dispatcher hears `endpoint:changed` on, as the API's would be. */
  bus: ProcessBus;
  merchantId: MerchantId;
  dir: string;
  close(): Promise<void>;
}

export async function startEngine(overrides: Partial<DispatcherOptions> = {}, store?: Store): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-test-'));
  const s = store ?? new SqliteStore({ path: join(dir, 'payhook.db') });
  await s.migrate();
  const metrics = new Metrics();
  const bus = new ProcessBus();
  const { merchant } = await createMerchant(s, 'Test merchant');
  const dispatcher = new Dispatcher({
    store: s,
    logger: pino({ level: 'silent' }),
    metrics,
    bus,
    policy: { schedule: [30, 30, 30], jitter: 0 },
    timeoutMs: 2000,
    maxInFlight: 64,
    maxInFlightPerEndpoint: 8,
    leaseMs: 10_000,
    pollIntervalMs: 25,
    claimBatch: 100,
    userAgent: 'payhook/test', // The receivers are on loopback, which the default policy refuses.
    destinations: new DestinationPolicy(LOOPBACK_NETWORKS),
    // The circuit breaker's default count, with cool-downs compressed as the retry schedule is.
    circuit: { failures: 5, cooldownMs: 50, cooldownMaxMs: 200, disableAfterMs: 5 * 86_400_000 },
    // The setting's default (the worker thread); PAYHOOK_HTTP_THREAD=false runs the delivery suites with
    // the client on the main thread.
    httpThread: loadConfig({ PAYHOOK_HTTP_THREAD: process.env.PAYHOOK_HTTP_THREAD }).delivery.httpThread,
    ...overrides,
  });
  dispatcher.start();
  // As app.start() does: ready to send (the HTTP worker loaded) before the test sends anything.
  await dispatcher.ready;
  return {
    store: s,
    metrics,
    ingestor: new EventIngestor(s, metrics),
    dispatcher,
    bus,
    merchantId: merchant.id,
    dir,
    async close(this: Engine) {
      // The dispatcher a test may have replaced (a restart), not necessarily the first.
      await this.dispatcher.stop(100);
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
