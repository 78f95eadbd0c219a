/**
 * One payhook dispatcher process of the scale-out scenario: `createPayhook` with role `dispatcher`
 * (what `payhook serve --role dispatcher` runs) on the run's PostgreSQL schema, with its store traced
 * (lib/trace.ts) so the claims it made, the empty ones and their durations show how the dispatchers
 * contended for work. Driven by the payhook bench system (systems/payhook.ts) over IPC.
 */
import type { Payhook } from '../../packages/server/src/app.js';
import type { ClaimStats } from '../systems/types.js';
import { payhookModule } from './payhook-code.js';
import { serveRpc } from './rpc.js';
import { StoreTrace } from './trace.js';

export interface DispatcherArgs {
  postgresUrl: string;
  schema: string;
  /** The run's master key (base64), shared with the accepting process: the secrets are sealed under it. */
  masterKey: string;
  /** The run's admin key: every process of a deployment is started with the same one. */
  adminKey: string;
  timeoutMs: number;
  retryDelayMs: number;
  maxInFlight: number;
}

const [{ createPayhook }, { loadConfig }, { Keyring }, { PostgresStore }, { limitHeapGrowth }] = await Promise.all([
  payhookModule('app'),
  payhookModule('config'),
  payhookModule('secrets/keyring'),
  payhookModule('store/postgres/store'),
  payhookModule('heap'),
]);

let app: Payhook | null = null;
let trace: StoreTrace | null = null;

serveRpc({
  async start(a: DispatcherArgs) {
    const store = new PostgresStore({
      connectionString: a.postgresUrl,
      schema: a.schema,
      keyring: new Keyring(Buffer.from(a.masterKey, 'base64')),
    });
    trace = new StoreTrace('payhook-postgres-dispatcher', store.db.pool);
    const config = loadConfig(
      // PAYHOOK_HTTP_THREAD, PAYHOOK_HEAP_GROWTH and PAYHOOK_CLAIM_BATCH pass through, so A/B runs of
      // them need no code change.
      {
        PAYHOOK_HTTP_THREAD: process.env.PAYHOOK_HTTP_THREAD,
        PAYHOOK_HEAP_GROWTH: process.env.PAYHOOK_HEAP_GROWTH,
        PAYHOOK_CLAIM_BATCH: process.env.PAYHOOK_CLAIM_BATCH,
      },
      {
        server: { adminKey: a.adminKey, logLevel: 'silent', role: 'dispatcher' },
        store: { databaseUrl: null },
        delivery: {
          timeoutMs: a.timeoutMs,
          retrySchedule: Array(1000).fill(a.retryDelayMs),
          maxInFlight: a.maxInFlight,
          allowNetworks: ['127.0.0.0/8', '::1/128'],
        },
      },
    );
    limitHeapGrowth(config.server.heapGrowthPercent); // as `payhook serve` does, whatever the role
    app = await createPayhook(config, { store: trace.wrap(store) });
    await app.start();
    return null;
  },
  claimStats(): ClaimStats & { durations: number[] } {
    return trace!.claims();
  },
  async close() {
    await app?.stop();
    app = null;
    setImmediate(() => process.exit(0));
    return null;
  },
});

// The host is gone: stop, within a few seconds at most (host.ts, `leave`).
process.on('disconnect', () => {
  setTimeout(() => process.exit(1), 5_000).unref();
  void Promise.resolve(app?.stop()).finally(() => process.exit(1));
});
