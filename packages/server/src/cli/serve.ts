/**
 * `payhook serve`, `payhook migrate` and `payhook prune`. The server itself is imported only when one of them runs,
 * so the thin API commands start without loading Fastify, the store and the dispatcher. Both run with
 * the default modules (default-modules.ts: the payment module), configured from the same environment.
 */
import type { Command } from 'commander';
import { type Config, ConfigError, type ConfigOverrides, loadConfig, type Role } from '../config.js';
import { processEnv } from '../env.js';
import { KeyringError } from '../secrets/keyring.js';
import { PayhookError } from '../errors.js';
import { tracingRequested } from '../tracing/tracing.js';
import { registerRotateMasterKey } from './rotate-master-key.js';

interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  databaseUrl?: string;
  role?: string;
}

/** The flags win over the environment; they are checked with it, after the merge (config.ts). */
function overridesFrom(flags: ServeFlags): ConfigOverrides {
  const port = flags.port === undefined ? undefined : /^\d+$/.test(flags.port) ? Number(flags.port) : Number.NaN;
  if (Number.isNaN(port)) throw new ConfigError(`--port must be a whole number from 0 to 65535; got "${flags.port}"`);
  const server: NonNullable<ConfigOverrides['server']> = {};
  const store: NonNullable<ConfigOverrides['store']> = {};
  if (port !== undefined) server.port = port;
  if (flags.host !== undefined) server.host = flags.host;
  if (flags.role !== undefined) server.role = flags.role as Role;
  if (flags.db !== undefined) store.dbPath = flags.db;
  if (flags.databaseUrl !== undefined) store.databaseUrl = flags.databaseUrl;
  return { server, store };
}

function fail(err: unknown): never {
  const config = err instanceof ConfigError || err instanceof KeyringError;
  const code = (err as { code?: unknown }).code;
  // A PayhookError (database_in_use) carries its stable code: printed, so scripts can match it.
  const coded = err instanceof PayhookError && typeof code === 'string' ? ` (${code})` : '';
  process.stderr.write(
    `payhook: ${config ? (err as Error).message : ((err as Error).message ?? String(err))}${coded}\n`,
  );
  process.exit(config ? 2 : 1);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the API and the dispatcher (every setting also reads PAYHOOK_* from the environment)')
    .option('-p, --port <port>', 'API port (PAYHOOK_PORT, default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (PAYHOOK_HOST, default 127.0.0.1)')
    .option('--db <path>', 'SQLite file (PAYHOOK_DB, default ./data/payhook.db)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL instead (PAYHOOK_DATABASE_URL)')
    .option('--role <role>', 'api, dispatcher or all (PAYHOOK_ROLE, default all)')
    .action(async (flags: ServeFlags) => {
      const env = processEnv();
      let config: Config;
      try {
        config = loadConfig(env, overridesFrom(flags));
      } catch (err) {
        fail(err);
      }
      const [{ createPayhook }, { defaultModules }, { limitHeapGrowth }] = await Promise.all([
        import('../app.js'),
        import('../default-modules.js'),
        import('../heap.js'),
      ]);
      // This process is payhook's own: its heaps grow by the setting, not V8's rule (heap.ts).
      limitHeapGrowth(config.server.heapGrowthPercent);
      let modules: ReturnType<typeof defaultModules>;
      try {
        modules = defaultModules(env);
      } catch (err) {
        fail(err);
      }
      // OpenTelemetry's own variables decide whether spans are exported; the SDK reads the rest itself.
      const tracing = tracingRequested(env) ? {} : null;
      const app = await createPayhook(config, { modules, tracing }).catch(fail);
      await app.start().catch(fail);
      // The handlers go in before the banner: whoever waits for the banner may signal at once, and a
      // SIGTERM that arrived before them would end the process without its graceful stop.
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'shutting down');
        app.stop().then(
          () => process.exit(0),
          (err) => {
            app.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      const where = config.store.databaseUrl ? 'PostgreSQL' : config.store.dbPath;
      if (app.url)
        process.stdout.write(
          `payhook ${app.version} listening on ${app.url} (role ${config.server.role}, store ${where})\nAPI reference: ${app.url}/docs\nDashboard: ${app.url}/dashboard\n`,
        );
      else process.stdout.write(`payhook ${app.version} dispatching (role ${config.server.role}, store ${where})\n`);
      if (app.metricsUrl) process.stdout.write(`metrics on ${app.metricsUrl}/metrics\n`);
      if (app.createdAdminKey) {
        process.stdout.write(
          `\nAdmin key (shown once; keep it safe, or set PAYHOOK_ADMIN_KEY):\n  ${app.createdAdminKey}\n\n`,
        );
      }
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .option('--db <path>', 'SQLite file (PAYHOOK_DB)')
    .option('--database-url <url>', 'postgres://… (PAYHOOK_DATABASE_URL)')
    .action(async (flags: ServeFlags) => {
      try {
        const env = processEnv();
        const config = loadConfig(env, overridesFrom(flags));
        const [{ openStore }, { defaultModules }] = await Promise.all([
          import('../store/open.js'),
          import('../default-modules.js'),
        ]);
        const modules = defaultModules(env);
        const store = await openStore(config);
        await store.migrate(modules.flatMap((m) => (m.migrations ? [m.migrations] : [])));
        await store.resealSecrets({ all: false });
        await store.close();
        process.stdout.write('migrations applied\n');
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('prune')
    .description(
      'remove what is older than PAYHOOK_RETENTION_DAYS now, as the dispatcher does every PAYHOOK_PRUNE_INTERVAL, and print what went',
    )
    .option('--db <path>', 'SQLite file (PAYHOOK_DB)')
    .option('--database-url <url>', 'postgres://… (PAYHOOK_DATABASE_URL)')
    .option('--days <n>', 'keep this many days instead of PAYHOOK_RETENTION_DAYS')
    .option('--json', 'print the report as JSON')
    .action(async (flags: ServeFlags & { days?: string; json?: boolean }) => {
      try {
        const env = processEnv();
        const overrides = overridesFrom(flags);
        if (flags.days !== undefined) {
          if (!/^\d+$/.test(flags.days)) throw new ConfigError(`--days must be a whole number; got "${flags.days}"`);
          overrides.store = { ...overrides.store, retentionDays: Number(flags.days) };
        }
        const config = loadConfig(env, overrides);
        const [{ openStore }, { defaultModules }, { Pruner }] = await Promise.all([
          import('../store/open.js'),
          import('../default-modules.js'),
          import('../retention/pruner.js'),
        ]);
        const modules = defaultModules(env);
        const store = await openStore(config);
        await store.migrate(modules.flatMap((m) => (m.migrations ? [m.migrations] : [])));
        const report = await new Pruner(store, {
          retentionDays: config.store.retentionDays,
          batch: config.store.pruneBatch,
          pauseMs: config.store.prunePauseMs,
        }).runOnce();
        await store.close();
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ ...report, before: new Date(report.before).toISOString() }, null, 2)}\n`,
          );
          return;
        }
        const rows = (c: { events: number; deliveries: number; attempts: number }) =>
          `${c.events} events, ${c.deliveries} deliveries, ${c.attempts} attempts`;
        const dropped = report.partitions.filter((p) => p.dropped).map((p) => p.day);
        const kept = report.partitions.filter((p) => !p.dropped).map((p) => p.day);
        process.stdout.write(
          `${[
            `pruned what is older than ${new Date(report.before).toISOString()} (${config.store.retentionDays} days)`,
            `  dropped partitions: ${dropped.length ? dropped.join(', ') : 'none'} (${rows(report.dropped)})`,
            ...(kept.length ? [`  kept, a delivery still pending: ${kept.join(', ')}`] : []),
            `  deleted in batches: ${rows(report.deleted)}`,
            `  idempotency keys and resends of dropped days: ${report.leftovers}`,
            `  partitions made ahead: ${report.partitionsMade}`,
          ].join('\n')}\n`,
        );
      } catch (err) {
        fail(err);
      }
    });

  registerRotateMasterKey(program, fail);
}
