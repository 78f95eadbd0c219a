/** Chooses the backend: `PAYHOOK_DATABASE_URL=postgres://…` selects PostgreSQL, anything else SQLite. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from './types.js';
import { resolveKeyring } from '../secrets/master-key.js';
import { SqliteStore } from './sqlite/store.js';

type StoreConfig = Pick<
  Config,
  | 'databaseUrl'
  | 'dbPath'
  | 'sqliteSynchronous'
  | 'databaseSchema'
  | 'databasePoolSize'
  | 'databaseListenUrl'
  | 'databasePreparedStatements'
  | 'masterKey'
  | 'masterKeyPrevious'
>;

export async function openStore(config: StoreConfig, logger?: Logger): Promise<Store> {
  // The master key: PAYHOOK_MASTER_KEY, or (SQLite) the key file beside the database. Only where it
  // comes from and its id are logged, never the key.
  const { keyring, source, created } = resolveKeyring(config);
  if (created)
    logger?.warn(
      { keyFile: source, keyId: keyring.currentId },
      `created the master key (${source}) that seals signing secrets and header values at rest: back it up with the database, which cannot be read without it`,
    );
  else logger?.info({ keyId: keyring.currentId }, `secrets at rest sealed under the master key from ${source}`);
  if (config.databaseUrl && /^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    // Loaded only when asked for, so an embedded install never loads the PostgreSQL driver.
    const { PostgresStore } = await import('./postgres/store.js');
    return new PostgresStore({
      connectionString: config.databaseUrl,
      schema: config.databaseSchema,
      poolSize: config.databasePoolSize,
      listenConnectionString: config.databaseListenUrl ?? undefined,
      preparedStatements: config.databasePreparedStatements,
      keyring,
      // Handled connection trouble (a dropped idle connection, a LISTEN reconnect) goes to the log.
      onError: logger
        ? (err, context) => logger.warn({ err, context }, 'PostgreSQL connection trouble (handled)')
        : undefined,
    });
  }
  return new SqliteStore({ path: config.dbPath, synchronous: config.sqliteSynchronous, keyring });
}
