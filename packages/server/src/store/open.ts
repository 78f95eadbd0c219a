/** Chooses the backend: `PAYHOOK_DATABASE_URL=postgres://…` selects PostgreSQL, anything else SQLite. */
import type { Config } from '../config.js';
import type { Store } from './types.js';
import { SqliteStore } from './sqlite/store.js';

export async function openStore(config: Pick<Config, 'databaseUrl' | 'dbPath' | 'sqliteSynchronous'>): Promise<Store> {
  if (config.databaseUrl && /^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    // Loaded only when asked for, so an embedded install never loads the PostgreSQL driver.
    const { PostgresStore } = await import('./postgres/store.js');
    return new PostgresStore({ connectionString: config.databaseUrl });
  }
  return new SqliteStore({ path: config.dbPath, synchronous: config.sqliteSynchronous });
}
