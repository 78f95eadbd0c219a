/**
 * One payhook process: the store, the API and the dispatcher, switched on by role (`api`,
 * `dispatcher` or `all`), like svix's single binary, with the modules it is handed (modules.ts).
 * `createPayhook` builds it; `start` listens and dispatches; `stop` is the graceful shutdown SIGTERM runs.
 */
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { ProcessBus } from './bus.js';
import type { AppContext } from './context.js';
import { DestinationPolicy } from './delivery/destinations.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { OperationalEvents } from './endpoints/operational.js';
import { OPERATIONAL_EVENT_TYPES } from './events/operational-types.js';
import type { LookupAll } from './delivery/http.js';
import { FormatRegistry } from './events/formats.js';
import { EventTypeRegistry } from './events/event-types.js';
import { EventIngestor } from './events/ingest.js';
import { ensureAdminKey } from './merchants/keys.js';
import { Authenticator } from './merchants/service.js';
import { Metrics, queueGauges } from './metrics.js';
import { Pruner } from './retention/pruner.js';
import { checkModules, type PayhookModule } from './modules.js';
import { isStorageFault, StorageStartError } from './store/faults.js';
import type { ModuleMigrations } from './store/module-port.js';
import { openStore } from './store/open.js';
import { DatabaseFileLock } from './store/sqlite/file-lock.js';
import { SqliteStore } from './store/sqlite/store.js';
import type { Store } from './store/types.js';
import { startTracing, type TracingOptions } from './tracing/tracing.js';
import { VERSION } from './version.js';

export interface Payhook extends AppContext {
  /** The admin key, when this start created it (first start without PAYHOOK_ADMIN_KEY): shown once. */
  createdAdminKey: string | null;
  api: FastifyInstance | null;
  /** The API's base URL once started. */
  url: string | null;
  /** The base URL of the operations routes on `PAYHOOK_METRICS_PORT` once started; null without it. */
  metricsUrl: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CreateOptions {
  logger?: Logger;
  /** Use this store instead of opening one from the config (tests, embedding). */
  store?: Store;
  /**
   * The modules of this process (none by default). `payhook serve` runs `defaultModules()`
   * (default-modules.ts): the payment module.
   */
  modules?: readonly PayhookModule[];
  /** Resolves delivery host names instead of the system resolver (tests: no test may need DNS). */
  lookup?: LookupAll;
  /**
   * Export OpenTelemetry traces (docs/operations.md#tracing); none by default. `payhook serve` passes
   * `{}` when the environment names an OTLP endpoint (`tracingRequested` in tracing/tracing.ts).
   */
  tracing?: TracingOptions | null;
}

export async function createPayhook(config: Config, options: CreateOptions = {}): Promise<Payhook> {
  const logger =
    options.logger ??
    pino({
      level: config.server.logLevel,
      // Authorization headers and secrets never reach a log line, whatever a future log call passes.
      redact: {
        paths: ['req.headers.authorization', '*.secret', '*.apiKey', '*.api_key', '*.card', '*.number'],
        censor: '[redacted]',
      },
    });
  const modules = checkModules(options.modules ?? []);
  const formats = new FormatRegistry();
  for (const m of modules.values())
    for (const [name, renderer] of Object.entries(m.formats ?? {})) formats.register(name, renderer);
  for (const m of modules.values())
    for (const [namespace, object] of Object.entries(m.objects ?? {})) formats.registerObject(namespace, object);
  const { store, lock } = await openWritable(
    config,
    options.store,
    logger,
    [...modules.values()].flatMap((m) => (m.migrations ? [m.migrations] : [])),
  );
  const admin = await ensureAdminKey(store, config.server.adminKey);
  const metrics = new Metrics();
  metrics.gauge(
    'payhook_build_info',
    "Always 1; the labels say this process's version, role and store.",
    () => [{ labels: { version: VERSION, role: config.server.role, store: store.dialect }, value: 1 }],
    ['version', 'role', 'store'],
  );
  queueGauges(
    metrics,
    () => store.queueStats(),
    (err) => logger.warn({ err }, 'metrics: reading the queue figures from the store failed'),
  );
  const tracing = options.tracing ? await startTracing(options.tracing, VERSION) : null;
  if (tracing) logger.info('exporting OpenTelemetry traces over OTLP/HTTP');
  const auth = new Authenticator(store, admin.hash, {
    ttlMs: config.limits.authCacheTtlMs,
    onError: (err) => logger.warn({ err }, 'recording when an API key was last used failed'),
  });
  const ingestor = new EventIngestor(store, metrics);
  // The modules' types first, then payhook's operational ones (endpoints/operational.ts).
  const eventTypes = new EventTypeRegistry(store, [
    ...[...modules.values()].flatMap((m) => m.eventTypes ?? []),
    ...OPERATIONAL_EVENT_TYPES,
  ]);
  const bus = new ProcessBus((err, name) => logger.error({ err, event: name }, 'a process bus listener failed'));
  const destinations = new DestinationPolicy(config.delivery.allowNetworks);
  const operational = new OperationalEvents({
    store,
    logger,
    userAgent: `payhook/${VERSION}`,
    operator: config.delivery.operatorWebhookUrl
      ? { url: config.delivery.operatorWebhookUrl, secret: config.delivery.operatorWebhookSecret ?? '' }
      : null,
  });
  const dispatcher =
    config.server.role === 'api'
      ? null
      : new Dispatcher({
          store,
          logger,
          metrics,
          bus,
          policy: {
            schedule: config.delivery.retrySchedule,
            testSchedule: config.delivery.testRetrySchedule,
            jitter: config.delivery.retryJitter,
          },
          timeoutMs: config.delivery.timeoutMs,
          maxInFlight: config.delivery.maxInFlight,
          maxInFlightPerEndpoint: config.delivery.maxInFlightPerEndpoint,
          leaseMs: config.delivery.leaseMs,
          pollIntervalMs: config.delivery.pollIntervalMs,
          claimBatch: config.delivery.claimBatch,
          userAgent: `payhook/${VERSION}`,
          destinations,
          lookup: options.lookup,
          httpThread: config.delivery.httpThread,
          formats,
          tracing,
          operational,
          rateBurst: config.delivery.rateLimitBurst,
          circuit: {
            failures: config.delivery.circuitFailures,
            cooldownMs: config.delivery.circuitCooldownMs,
            cooldownMaxMs: config.delivery.circuitCooldownMaxMs,
            disableAfterMs: config.delivery.disableAfterMs,
          },
        });
  const ctx: AppContext = {
    config,
    store,
    logger,
    metrics,
    tracing,
    ingestor,
    eventTypes,
    auth,
    bus,
    dispatcher,
    operational,
    formats,
    modules,
    destinations,
    version: VERSION,
  };
  for (const m of modules.values()) await m.attach?.({ store, logger, role: config.server.role });
  const hooks = [...modules.values()];

  let api: FastifyInstance | null = null;
  let operations: FastifyInstance | null = null;
  if (config.server.role !== 'dispatcher' || config.server.metricsPort !== null) {
    const { buildApi } = await import('./api/server.js');
    if (config.server.role !== 'dispatcher') api = await buildApi(ctx);
    if (config.server.metricsPort !== null) operations = await buildApi(ctx, { operationsOnly: true });
  }

  // Retention runs where delivery runs: a process with a dispatcher (docs/operations.md#retention).
  const pruner = dispatcher
    ? new Pruner(
        store,
        {
          retentionDays: config.store.retentionDays,
          batch: config.store.pruneBatch,
          pauseMs: config.store.prunePauseMs,
        },
        metrics,
        logger,
      )
    : null;
  const app: Payhook = {
    ...ctx,
    createdAdminKey: admin.created,
    api,
    url: null,
    metricsUrl: null,
    async start() {
      if (api) {
        const address = await api.listen({ host: config.server.host, port: config.server.port });
        app.url = address.replace('[::1]', 'localhost');
      }
      if (operations) {
        const address = await operations.listen({ host: config.server.host, port: config.server.metricsPort ?? 0 });
        app.metricsUrl = address.replace('[::1]', 'localhost');
      }
      dispatcher?.start();
      // Started means ready to deliver: the first webhook does not wait for the HTTP worker to load.
      await dispatcher?.ready;
      for (const h of hooks) await h.start?.();
      pruner?.start(config.store.pruneIntervalMs);
    },
    async stop() {
      await pruner?.stop();
      // Stop accepting first, so nothing is accepted that this process would not see through.
      if (api) await api.close();
      for (const h of [...hooks].reverse()) await h.stop?.();
      if (dispatcher) await dispatcher.stop(config.server.shutdownTimeoutMs);
      await tracing?.shutdown().catch((err) => logger.warn({ err }, 'exporting the last spans failed'));
      if (operations) await operations.close();
      await store.close();
      lock?.release();
    },
  };
  return app;
}

/**
 * Opens and migrates the store (the core's migrations and the modules') and commits one small write.
 * A database that cannot take writes (a read-only file or server, a full disk) is refused here, at
 * start, with the reason, rather than found out by the first request that writes. A SQLite file is
 * locked first (store/sqlite/file-lock.ts): a second payhook process on it stops here, before it
 * migrates anything.
 */
async function openWritable(
  config: Config,
  given: Store | undefined,
  logger: Logger,
  migrations: ModuleMigrations[],
): Promise<{ store: Store; lock: DatabaseFileLock | null }> {
  const where = config.store.databaseUrl ? 'PostgreSQL' : config.store.dbPath;
  let store: Store | undefined = given;
  let lock: DatabaseFileLock | null = null;
  try {
    store ??= await openStore(config, logger);
    if (store instanceof SqliteStore) lock = DatabaseFileLock.acquire(store.db.name);
    await store.migrate(migrations);
    await store.probeWrite(Date.now());
    // Rows written before secrets were sealed at rest: sealed now (idempotent, in batches).
    const sealed = await store.resealSecrets({ all: false });
    if (sealed.secrets + sealed.headers > 0) logger.info(sealed, 'sealed plaintext signing secrets and header values');
    return { store, lock };
  } catch (err) {
    await store?.close().catch(() => {});
    lock?.release();
    if (isStorageFault(err)) throw new StorageStartError(err, where);
    throw err;
  }
}
