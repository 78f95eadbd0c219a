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
import { createPayhook, type Payhook } from '../../packages/server/src/app.js';
import { loadConfig } from '../../packages/server/src/config.js';
import type { MerchantId } from '../../packages/server/src/ids.js';
import type { Store } from '../../packages/server/src/store/types.js';
import { dropSchema, dropStaleSchemas, postgresUnavailable, DEFAULT_POSTGRES_URL } from '../lib/postgres.js';
import { packageVersion } from '../lib/versions.js';
import type { BenchEvent, BenchSystem, IngestTarget, ScenarioName, SystemInstance, SystemOptions } from './types.js';

const VERSION = packageVersion('payhook');
const PER_ENDPOINT = loadConfig({}).delivery.maxInFlightPerEndpoint;

class PayhookInstance implements SystemInstance {
  secrets: string[] = [];
  private merchants: MerchantId[] = [];
  private keys: string[] = [];
  private client: Pool | null = null;

  constructor(
    private readonly app: Payhook,
    private readonly adminKey: string,
    private readonly cleanup: () => Promise<void>,
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
      });
      this.merchants.push(merchant.id);
      this.keys.push(merchant.api_key);
      this.secrets.push(created.secret);
    }
  }

  async start(): Promise<void> {
    // The dispatcher started with the API in init(): with no events yet it has nothing to do.
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
  // The bench receivers listen on loopback, which payhook refuses by default.
  const config = loadConfig(
    {},
    {
      server: { host: '127.0.0.1', port: 0, adminKey, logLevel: 'silent' },
      store: { dbPath: join(options.tmpDir, 'payhook.db'), databaseUrl: null },
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
  if (dialect === 'postgres') {
    const { PostgresStore } = await import('../../packages/server/src/store/postgres/store.js');
    await dropStaleSchemas(options.postgresUrl, 'bench_ph_');
    const schema = `bench_ph_${options.runId}`;
    const { Keyring } = await import('../../packages/server/src/secrets/keyring.js');
    // A throwaway master key: the bench's schema is dropped after the run.
    store = new PostgresStore({ connectionString: options.postgresUrl, schema, keyring: new Keyring(randomBytes(32)) });
    cleanup = () => dropSchema(options.postgresUrl, schema);
  }
  const app = await createPayhook(config, { store });
  const instance = new PayhookInstance(app, adminKey, cleanup);
  await instance.init(options);
  return instance;
}

const SCENARIOS: ScenarioName[] = ['throughput', 'latency', 'isolation', 'backlog', 'ingest'];

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
    scenarios: ['throughput'],
    optionalScenarios: ['latency', 'isolation', 'backlog', 'ingest'],
    notes: 'as payhook-sqlite, on the local PostgreSQL in a schema of its own per run',
    unavailable: async () => {
      try {
        await import('../../packages/server/src/store/postgres/store.js');
      } catch (error) {
        return `payhook's PostgreSQL store does not load (${(error as Error).message.split('\n')[0]})`;
      }
      return postgresUnavailable(DEFAULT_POSTGRES_URL);
    },
    create: (options) => createInstance(options, 'postgres'),
  },
];
