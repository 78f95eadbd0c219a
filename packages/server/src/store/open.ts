/** Chooses the backend: `PAYHOOK_DATABASE_URL=postgres://…` selects PostgreSQL, anything else SQLite. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from './types.js';
import { SqliteStore } from './sqlite/store.js';

type StoreConfig = Pick<Config, 'databaseUrl' | 'dbPath' | 'sqliteSynchronous' | 'databaseSchema' | 'databasePoolSize' | 'databaseListenUrl' | 'databasePreparedStatements'>;

export async function openStore(config: StoreConfig, logger?: Logger): Promise<Store> {
  if (config.databaseUrl && /^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    // Loaded only when asked for, so an embedded install never loads the PostgreSQL driver.
    const { PostgresStore } = await import('./postgres/store.js');
    return new PostgresStore({
      connectionString: config.databaseUrl,
      schema: config.databaseSchema,
      poolSize: config.databasePoolSize,
      listenConnectionString: config.databaseListenUrl ?? undefined,
      preparedStatements: config.databasePreparedStatements,
      // Handled connection trouble (a dropped idle connection, a LISTEN reconnect) goes to the log.
      onError: logger ? (err, context) => logger.warn({ err, context }, 'PostgreSQL connection trouble (handled)') : undefined,
    });
  }
  return new SqliteStore({ path: config.dbPath, synchronous: config.sqliteSynchronous });
}
