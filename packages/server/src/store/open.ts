/** Chooses the backend: `PAYHOOK_DATABASE_URL=postgres://…` selects PostgreSQL, anything else SQLite. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from './types.js';
import { resolveKeyring } from '../secrets/master-key.js';
import { SqliteStore } from './sqlite/store.js';

type StoreConfig = Pick<Config, 'store' | 'postgres'>;

export async function openStore(config: StoreConfig, logger?: Logger): Promise<Store> {
  // The master key: PAYHOOK_MASTER_KEY, or (SQLite) the key file beside the database. Only where it
  // comes from and its id are logged, never the key.
  const { keyring, source, created } = resolveKeyring(config.store);
  if (created)
    logger?.warn(
      { keyFile: source, keyId: keyring.currentId },
      `created the master key (${source}) that seals signing secrets and header values at rest: back it up with the database, which cannot be read without it`,
    );
  else logger?.info({ keyId: keyring.currentId }, `secrets at rest sealed under the master key from ${source}`);
  const { store: s, postgres: pg } = config;
  if (s.databaseUrl && /^postgres(ql)?:\/\//.test(s.databaseUrl)) {
    // Loaded only when asked for, so an embedded install never loads the PostgreSQL driver.
    const { PostgresStore } = await import('./postgres/store.js');
    return new PostgresStore({
      connectionString: s.databaseUrl,
      schema: pg.schema,
      poolSize: pg.poolSize,
      listenConnectionString: pg.listenUrl ?? undefined,
      preparedStatements: pg.preparedStatements,
      keyring,
      // Handled connection trouble (a dropped idle connection, a LISTEN reconnect) goes to the log.
      onError: logger
        ? (err, context) => logger.warn({ err, context }, 'PostgreSQL connection trouble (handled)')
        : undefined,
    });
  }
  return new SqliteStore({
    path: s.dbPath,
    synchronous: s.sqliteSynchronous,
    checkpointThread: s.sqliteCheckpointThread,
    keyring,
  });
}
