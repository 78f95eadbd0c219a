/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3.
 *
 * better-sqlite3 is synchronous, and that is the point: a statement costs microseconds, with no
 * round-trip, so every Store method does its work at once inside one `db.transaction` and returns a
 * settled promise. WAL lets readers (the API) run beside the one writer, and `synchronous = NORMAL`
 * keeps every commit safe against a crash of payhook itself (SIGKILL), syncing to disk at checkpoints
 * rather than at every commit; `PAYHOOK_SQLITE_SYNCHRONOUS=FULL` trades throughput for power-loss safety.
 *
 * The operations live in one module a domain (settings.ts, merchants.ts, api-keys.ts, event-types.ts,
 * endpoints.ts, events.ts, resends.ts, deliveries.ts) as functions of a `SqliteCore` (core.ts: prepared statements,
 * write transactions, the secret box, due listeners), listed once in `OPERATIONS` below; this class
 * opens the database, applies migrations and hands each Store method to its function through
 * `StoreOnCore` (store/store-on-core.ts, shared with the PostgreSQL store, says why this shape).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyFileKeyring } from '../../secrets/master-key.js';
import { SecretBox } from '../../secrets/box.js';
import type { Keyring } from '../../secrets/keyring.js';
import {
  migrationsInOrder,
  type ModuleMigrations,
  type ModuleStatements,
  type SqliteModuleStore,
} from '../module-port.js';
import { loadMigrations } from '../sql-files.js';
import { StoreOnCore, type Operations } from '../store-on-core.js';
import type { DirectClaim } from '../types.js';
import * as apiKeys from './api-keys.js';
import { BACKSTOP_PAGES, WalCheckpointer } from './checkpointer.js';
import { SqliteCore } from './core.js';
import type { EndpointMoves } from './endpoint-moves.js';
import * as dashboardSessions from './dashboard-sessions.js';
import * as deliveries from './deliveries.js';
import * as endpoints from './endpoints.js';
import * as erasures from './erasures.js';
import * as eventTypes from './event-types.js';
import * as events from './events.js';
import * as merchants from './merchants.js';
import * as ordering from './ordering.js';
import * as replays from './replays.js';
import * as resends from './resends.js';
import * as retention from './retention.js';
import { migrate } from './migrate.js';
import { moduleStore } from './module-port.js';
import * as settings from './settings.js';

const MIGRATIONS = loadMigrations(new URL('./migrations/', import.meta.url));

const OPERATIONS: Operations<SqliteCore> = {
  ...settings,
  ...merchants,
  ...apiKeys,
  ...eventTypes,
  ...endpoints,
  ...events,
  ...resends,
  ...replays,
  ...deliveries,
  skipDelivery: ordering.skipDelivery,
  unparkOrdered: ordering.unparkOrdered,
  ...dashboardSessions,
  ...retention,
  ...erasures,
};

export interface SqliteStoreOptions {
  /** `:memory:` works for throwaway use; payhook itself always uses a file. */
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Checkpoint the WAL from a worker thread (checkpointer.ts) instead of inside the main thread's
   * commits. Off unless asked: `openStore` asks for it as `PAYHOOK_SQLITE_CHECKPOINT_THREAD` says (on by
   * default); a store opened for a one-off job (a key rotation, a test) has no need of a thread.
   */
  checkpointThread?: boolean;
  /** Seals signing secrets and header values; default: the key file beside the database (secrets/master-key.ts). */
  keyring?: Keyring;
}

export class SqliteStore extends StoreOnCore<SqliteCore> {
  readonly dialect = 'sqlite' as const;
  /** The open database (for tests that look at the file; modules go through `moduleStore`). */
  readonly db: Database.Database;
  protected readonly core: SqliteCore;
  protected readonly operations = OPERATIONS;
  /** The WAL's checkpointer thread, when `checkpointThread` asked for one. */
  readonly checkpointer: WalCheckpointer | null = null;

  constructor(options: SqliteStoreOptions) {
    super();
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    // Every write of a secret or headers seals through it, every read opens (secrets/box.ts).
    const box = new SecretBox(options.keyring ?? keyFileKeyring(options.path).keyring);
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // A larger page cache (32 MiB; SQLite's default is 2) keeps the due index and recent rows in memory
    // during a backlog drain. 64 MiB drained 2,000,000 queued at the same rate (7,165 against 7,158/s)
    // with a peak RSS of 308 against 297 MB (docs/performance.md, "Tried and kept: a 32 MiB SQLite page cache").
    this.db.pragma('cache_size = -32768');
    if (options.checkpointThread && options.path !== ':memory:') {
      // The thread checkpoints; this connection's automatic checkpoint becomes a backstop.
      this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      this.checkpointer = new WalCheckpointer({ path: options.path, synchronous: options.synchronous ?? 'NORMAL' });
    }
    this.core = new SqliteCore(this.db, box);
  }

  /** Moves of endpoints' waiting deliveries, some perhaps still in steps (endpoint-moves.ts). */
  get moves(): EndpointMoves {
    return this.core.moves;
  }

  async migrate(modules: readonly ModuleMigrations[] = []): Promise<void> {
    migrate(
      this.core,
      migrationsInOrder(
        MIGRATIONS,
        modules.map((m) => m.sqlite),
      ),
    );
    // What a crash cut short: the cancel of a deleted endpoint's deliveries (endpoint-moves.ts).
    this.core.moves.resume(Date.now());
  }

  async close(): Promise<void> {
    this.core.moves.close();
    // The thread's connection closes first, so this one, the last, checkpoints and removes the WAL.
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  onDue(listener: () => void): () => void {
    return this.core.onDue(listener);
  }

  offerNewDeliveries(offer: () => DirectClaim | null): () => void {
    this.core.claimOffer = offer;
    return () => {
      if (this.core.claimOffer === offer) this.core.claimOffer = null;
    };
  }

  moduleStore(statements: ModuleStatements): SqliteModuleStore {
    return moduleStore(this.core, statements);
  }
}
