/**
 * payhook itself, embedded in the host process the way `payhook serve` runs it (API and dispatcher in
 * one process), once on SQLite and once on PostgreSQL. Everything that is set up goes through the public
 * HTTP API: one merchant per bench endpoint (so each event reaches exactly its endpoint), its endpoint,
 * and the signing secret payhook generated for it.
 *
 * - `acceptMany` calls the ingestor in process, as an application embedding payhook would; this is the
 *   counterpart of BullMQ's `addBulk` (a library call, no HTTP), and concurrent calls are group-committed.
 * - `accept` is one `POST /v1/events` over keep-alive HTTP: the latency scenario measures from the API's
 *   accept, as issue 6 asks, so payhook pays for its HTTP layer where BullMQ's `add` pays only a Redis
 *   round trip.
 * - Settings are payhook's defaults except what the harness fixes for every system: requests in flight
 *   overall (`maxInFlight`), the per-attempt timeout, and a constant retry delay.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { Payhook } from '../../packages/server/src/app.js';
import type { MerchantId } from '../../packages/server/src/ids.js';
import type { Store } from '../../packages/server/src/store/types.js';
import { dropSchema, dropStaleSchemas, postgresUnavailable, DEFAULT_POSTGRES_URL } from '../lib/postgres.js';
import { StoreTrace } from '../lib/trace.js';
import { ChildRpc } from '../lib/rpc.js';
import { now } from '../lib/clock.js';
import type { DispatcherArgs } from '../lib/dispatcher-process.js';
import { packageVersion } from '../lib/versions.js';
import { payhookModule } from '../lib/payhook-code.js';
import type {
  BenchEvent,
  BenchSystem,
  ClaimStats,
  IngestTarget,
  ScenarioName,
  SystemInstance,
  SystemOptions,
} from './types.js';

const [{ createPayhook }, { loadConfig }, { Keyring }, { defaultModules }, { limitHeapGrowth }] = await Promise.all([
  payhookModule('app'),
  payhookModule('config'),
  payhookModule('secrets/keyring'),
  payhookModule('default-modules'),
  payhookModule('heap'),
]);
const VERSION = packageVersion('payhook');
/** `BENCH_TRACE=<dir>`: follow every delivery through the store calls (lib/trace.ts); the first 3 s are warm-up. */
const TRACE_DIR = process.env.BENCH_TRACE || null;
const TRACE_SKIP_MS = Number(process.env.BENCH_TRACE_SKIP_MS ?? 3000);
const PER_ENDPOINT = loadConfig({}).delivery.maxInFlightPerEndpoint;

const DISPATCHER_ENTRY = new URL('../lib/dispatcher-process.ts', import.meta.url).pathname;
/** The approving test card (docs/payments.md). */
const APPROVED_CARD = { number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' };

class PayhookInstance implements SystemInstance {
  secrets: string[] = [];
  private merchants: MerchantId[] = [];
  private keys: string[] = [];
  private client: Pool | null = null;
  /** scale-out: the dispatcher processes, started by start(). */
  private dispatchers: ChildRpc[] = [];

  constructor(
    private readonly app: Payhook,
    private readonly adminKey: string,
    private readonly cleanup: () => Promise<void>,
    private readonly spawnDispatchers: ((count: number) => Promise<ChildRpc[]>) | null = null,
    private readonly dispatcherCount = 0,
  ) {}

  async init(options: SystemOptions): Promise<void> {
    await this.app.start();
    this.client = new Pool(this.app.url!, { connections: 64, keepAliveTimeout: 60_000 });
    for (const endpoint of options.endpoints) {
      const merchant = await this.call<{ id: MerchantId; api_key: string }>('POST', '/v1/merchants', this.adminKey, {
        name: `bench ${endpoint.index}`,
      });
      const created = await this.call<{ secret: string }>('POST', '/v1/endpoints', merchant.api_key, {
        url: endpoint.url,
        description: `bench endpoint ${endpoint.index}`,
        // The payment scenario measures pay → order.success: the endpoint takes that event only.
        ...(options.scenario === 'payment' ? { event_types: ['order.success'] } : {}),
      });
      this.merchants.push(merchant.id);
      this.keys.push(merchant.api_key);
      this.secrets.push(created.secret);
    }
  }

  async start(): Promise<void> {
    // The dispatcher started with the API in init(): with no events yet it has nothing to do. In a
    // scale-out run this process only accepts, and the dispatchers are processes of their own.
    if (this.spawnDispatchers) this.dispatchers = await this.spawnDispatchers(this.dispatcherCount);
  }

  async pay(n: number): Promise<number> {
    const key = this.keys[n % this.keys.length];
    const order = await this.call<{ id: string }>('POST', '/v1/orders', key, {
      reference: `BENCH-${n}`,
      amount: 10_000 + (n % 90_000),
      currency: 'AED',
      customer_email: 'customer@example.com',
      optional1: `bench_key=${n}`,
    });
    const t0 = now();
    const paid = await this.call<{ outcome: string }>('POST', `/v1/orders/${order.id}/transactions`, key, {
      card: APPROVED_CARD,
    });
    if (paid.outcome !== 'success') throw new Error(`the approving card answered ${paid.outcome}`);
    return t0;
  }

  async claimStats(): Promise<ClaimStats> {
    const all = await Promise.all(
      this.dispatchers.map((d) => d.call<ClaimStats & { durations: number[] }>('claimStats')),
    );
    const durations = all.flatMap((a) => a.durations).sort((a, b) => a - b);
    const at = (p: number) => durations[Math.max(0, Math.ceil((p / 100) * durations.length) - 1)] ?? NaN;
    const sum = (k: 'claims' | 'empty' | 'claimed') => all.reduce((t, a) => t + a[k], 0);
    return { claims: sum('claims'), empty: sum('empty'), claimed: sum('claimed'), p50Ms: at(50), p99Ms: at(99) };
  }

  async acceptMany(events: readonly BenchEvent[]): Promise<void> {
    await Promise.all(
      events.map((e) => this.app.ingestor.send({ merchantId: this.merchants[e.endpoint], type: e.type, data: e.data })),
    );
  }

  async accept(event: BenchEvent): Promise<void> {
    await this.call('POST', '/v1/events', this.keys[event.endpoint], { type: event.type, data: event.data });
  }

  async recorded(): Promise<number> {
    return (await this.app.store.countDeliveries()).succeeded;
  }

  async ingestTarget(): Promise<IngestTarget> {
    return {
      url: `${this.app.url}/v1/events`,
      method: 'POST',
      delivers: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.keys[0]}` },
    };
  }

  async close(): Promise<void> {
    await this.client?.destroy();
    await Promise.all(this.dispatchers.map((d) => d.call('close').catch(() => {})));
    await Promise.all(this.dispatchers.map((d) => d.stop(10_000)));
    await this.app.stop();
    await this.cleanup();
  }

  private async call<T>(method: 'POST', path: string, key: string, body: unknown): Promise<T> {
    const res = await this.client!.request({
      method,
      path,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

async function createInstance(options: SystemOptions, dialect: 'sqlite' | 'postgres'): Promise<PayhookInstance> {
  const adminKey = `ak_${randomBytes(32).toString('base64url')}`;
  const scaleOut = dialect === 'postgres' && (options.dispatchers ?? 0) > 0;
  // The bench receivers listen on loopback, which payhook refuses by default.
  const config = loadConfig(
    // PAYHOOK_HTTP_THREAD, PAYHOOK_SQLITE_CHECKPOINT_THREAD, PAYHOOK_HEAP_GROWTH and PAYHOOK_CLAIM_BATCH
    // pass through, so A/B runs of either thread, of the heaps' growth or of the claim's size need no
    // code change.
    {
      PAYHOOK_HTTP_THREAD: process.env.PAYHOOK_HTTP_THREAD,
      PAYHOOK_SQLITE_CHECKPOINT_THREAD: process.env.PAYHOOK_SQLITE_CHECKPOINT_THREAD,
      PAYHOOK_HEAP_GROWTH: process.env.PAYHOOK_HEAP_GROWTH,
      PAYHOOK_CLAIM_BATCH: process.env.PAYHOOK_CLAIM_BATCH,
    },
    {
      // scale-out: this process accepts; the dispatchers are processes of their own.
      server: {
        host: '127.0.0.1',
        port: 0,
        adminKey,
        logLevel: 'silent',
        ...(scaleOut ? { role: 'api' as const } : {}),
      },
      store: { dbPath: join(options.tmpDir, 'payhook.db'), databaseUrl: null },
      // The ingest scenario sends every event through one API key as fast as it is answered; the
      // per-key default (10,000 a second, a guard against one runaway client) would answer 429 above
      // it, and the scenario counts those as failures. Measured without writes, the accept path alone
      // answered 15,000–19,000 a second on a 2-core VM (docs/performance.md, "The accept path's
      // ceiling"), so the limit is lifted here, as an operator whose one producer is that fast would.
      limits: { eventRatePerKey: 10_000_000, eventBurstPerKey: 10_000_000 },
      delivery: {
        timeoutMs: options.timeoutMs,
        retrySchedule: Array(1000).fill(options.retryDelayMs),
        maxInFlight: options.concurrency,
        allowNetworks: ['127.0.0.0/8', '::1/128'],
      },
    },
  );
  let store: Store | undefined;
  let cleanup = async () => {};
  let trace: StoreTrace | null = null;
  let spawnDispatchers: ((count: number) => Promise<ChildRpc[]>) | null = null;
  if (dialect === 'postgres') {
    const { PostgresStore } = await payhookModule('store/postgres/store');
    await dropStaleSchemas(options.postgresUrl, 'bench_ph_');
    const schema = `bench_ph_${options.runId}`;
    // A throwaway master key: the bench's schema is dropped after the run.
    const masterKey = randomBytes(32);
    const pgStore = new PostgresStore({
      connectionString: options.postgresUrl,
      schema,
      keyring: new Keyring(masterKey),
    });
    store = pgStore;
    cleanup = () => dropSchema(options.postgresUrl, schema);
    if (TRACE_DIR) trace = new StoreTrace(`payhook-${dialect}`, pgStore.db.pool);
    if (scaleOut)
      spawnDispatchers = (count) =>
        Promise.all(
          Array.from({ length: count }, async (_, i) => {
            const child = await ChildRpc.start(DISPATCHER_ENTRY, `dispatcher ${i + 1}`, { profile: true });
            await child.call('start', {
              postgresUrl: options.postgresUrl,
              schema,
              masterKey: masterKey.toString('base64'),
              adminKey,
              timeoutMs: options.timeoutMs,
              retryDelayMs: options.retryDelayMs,
              maxInFlight: options.concurrency,
            } satisfies DispatcherArgs);
            return child;
          }),
        );
  } else if (TRACE_DIR) {
    const { SqliteStore } = await payhookModule('store/sqlite/store');
    store = new SqliteStore({ path: config.store.dbPath, keyring: new Keyring(randomBytes(32)) });
    trace = new StoreTrace(`payhook-${dialect}`);
  }
  if (trace && store) {
    store = trace.wrap(store);
    const dropped = cleanup;
    const traced = trace;
    cleanup = async () => {
      traced.write(TRACE_DIR!, options.runId, TRACE_SKIP_MS);
      await dropped();
    };
  }
  // The payment scenario needs the payment module, as `payhook serve` runs it; the others run the core
  // alone, as before, so their figures stay comparable with earlier results.
  const modules = options.scenario === 'payment' ? defaultModules({}) : [];
  // As `payhook serve` does at start (cli/serve.ts): the host is this system's process alone.
  limitHeapGrowth(config.server.heapGrowthPercent);
  const app = await createPayhook(config, { store, modules });
  const instance = new PayhookInstance(app, adminKey, cleanup, spawnDispatchers, options.dispatchers ?? 0);
  await instance.init(options);
  return instance;
}

const SCENARIOS: ScenarioName[] = ['throughput', 'latency', 'isolation', 'backlog', 'ingest', 'payment'];

export const systems: BenchSystem[] = [
  {
    id: 'payhook-sqlite',
    label: `payhook ${VERSION} (SQLite)`,
    role: 'subject',
    scenarios: SCENARIOS,
    notes: `API and dispatcher in one process, payhook defaults (so at most ${PER_ENDPOINT} requests in flight per endpoint) except maxInFlight = the run's concurrency, the timeout and a constant retry delay; bulk accepts through the in-process ingestor, single accepts through POST /v1/events`,
    create: (options) => createInstance(options, 'sqlite'),
  },
  {
    id: 'payhook-postgres',
    label: `payhook ${VERSION} (PostgreSQL)`,
    role: 'subject',
    // Latency runs by default on PostgreSQL too: issue 11's table has a PostgreSQL row.
    scenarios: ['throughput', 'latency', 'payment', 'scale-out'],
    optionalScenarios: ['isolation', 'backlog', 'ingest'],
    notes: 'as payhook-sqlite, on the local PostgreSQL in a schema of its own per run',
    unavailable: async () => {
      try {
        await payhookModule('store/postgres/store');
      } catch (error) {
        return `payhook's PostgreSQL store does not load (${(error as Error).message.split('\n')[0]})`;
      }
      return postgresUnavailable(DEFAULT_POSTGRES_URL);
    },
    create: (options) => createInstance(options, 'postgres'),
  },
];
