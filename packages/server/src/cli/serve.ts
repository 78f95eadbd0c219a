/**
 * `payhook serve` and `payhook migrate`. The server itself is imported only when one of them runs,
 * so the thin API commands start without loading Fastify, the store and the dispatcher. Both run with
 * the default modules (default-modules.ts: the payment module), configured from the same environment.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig, type Config, type Role } from '../config.js';
import { KeyringError } from '../secrets/keyring.js';
import { registerRotateMasterKey } from './rotate-master-key.js';

interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  databaseUrl?: string;
  role?: string;
}

function envFrom(flags: ServeFlags): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (flags.port !== undefined) env.PAYHOOK_PORT = flags.port;
  if (flags.host !== undefined) env.PAYHOOK_HOST = flags.host;
  if (flags.db !== undefined) env.PAYHOOK_DB = flags.db;
  if (flags.databaseUrl !== undefined) env.PAYHOOK_DATABASE_URL = flags.databaseUrl;
  if (flags.role !== undefined) env.PAYHOOK_ROLE = flags.role as Role;
  return env;
}

function fail(err: unknown): never {
  const config = err instanceof ConfigError || err instanceof KeyringError;
  process.stderr.write(`payhook: ${config ? (err as Error).message : ((err as Error).message ?? String(err))}\n`);
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
      const env = envFrom(flags);
      let config: Config;
      try {
        config = loadConfig(env);
      } catch (err) {
        fail(err);
      }
      const [{ createPayhook }, { defaultModules }] = await Promise.all([
        import('../app.js'),
        import('../default-modules.js'),
      ]);
      let modules: ReturnType<typeof defaultModules>;
      try {
        modules = defaultModules(env);
      } catch (err) {
        fail(err);
      }
      const app = await createPayhook(config, { modules }).catch(fail);
      await app.start().catch(fail);
      const where = config.databaseUrl ? 'PostgreSQL' : config.dbPath;
      if (app.url)
        process.stdout.write(
          `payhook ${app.version} listening on ${app.url} (role ${config.role}, store ${where})\nAPI reference: ${app.url}/docs\n`,
        );
      else process.stdout.write(`payhook ${app.version} dispatching (role ${config.role}, store ${where})\n`);
      if (app.createdAdminKey) {
        process.stdout.write(
          `\nAdmin key (shown once; keep it safe, or set PAYHOOK_ADMIN_KEY):\n  ${app.createdAdminKey}\n\n`,
        );
      }
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
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .option('--db <path>', 'SQLite file (PAYHOOK_DB)')
    .option('--database-url <url>', 'postgres://… (PAYHOOK_DATABASE_URL)')
    .action(async (flags: ServeFlags) => {
      try {
        const env = envFrom(flags);
        const config = loadConfig(env);
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

  registerRotateMasterKey(program, fail);
}
