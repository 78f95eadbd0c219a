/**
 * The scale-out store: many API processes and dispatchers on one PostgreSQL (13 or newer), through a
 * `pg` pool. Same contract and behaviour as the SQLite store (test/suites/store-contract.ts runs against both).
 *
 * Each Store operation is one statement where it can be (claims, results, appends are one statement
 * each, arrays passed with `unnest`), and every statement lives in `sql/*.sql`. Two things SQLite gets
 * from its single writer need saying here:
 * - Concurrent claimers: `FOR UPDATE SKIP LOCKED` hands each a disjoint set (sql/deliveries.sql).
 * - Appends vs. disabling an endpoint: an append holds a shared advisory lock on its merchant's
 *   endpoints for its transaction (taken by the append itself, migration 0014's `append_events`, before
 *   the statement that reads the endpoints: the append stays one round trip); disabling, deleting, and a 410 Gone take it exclusively, so their
 *   cancellation sees every delivery an append made, and no append reads an endpoint mid-change. The
 *   locks live in memory (no row writes), so concurrent appends do not slow each other down.
 *
 * The operations live in one module a domain (settings.ts, merchants.ts, api-keys.ts, event-types.ts,
 * endpoints.ts, events.ts, resends.ts, deliveries.ts) as functions of a `PostgresCore` (core.ts: the pool, the
 * statements, the secret box, the wake-ups, the endpoint lock), listed once in `OPERATIONS` below; this
 * class reads its options, builds the core, applies migrations and hands each Store method to its
 * function through `StoreOnCore` (store/store-on-core.ts, shared with the SQLite store, says why this
 * shape).
 */
import { CONFIG_SCHEMA } from '../../config/schema.js';
import { MAKE_ONE } from '../../secrets/master-key.js';
import { SecretBox } from '../../secrets/box.js';
import { KeyringError, type Keyring } from '../../secrets/keyring.js';
import {
  migrationsInOrder,
  type ModuleMigrations,
  type ModuleStatements,
  type PostgresModuleStore,
} from '../module-port.js';
import { StoreOnCore, type Operations } from '../store-on-core.js';
import type { DirectClaim } from '../types.js';
import * as apiKeys from './api-keys.js';
import { PostgresCore, STATEMENTS } from './core.js';
import { Db, stderrReporter } from './db.js';
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
import { CORE_MIGRATIONS, migrate } from './migrate.js';
import { moduleStore } from './module-port.js';
import * as settings from './settings.js';
import type { Statement } from './statements.js';
import { Wakeups } from './wakeups.js';

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,47}$/;

const OPERATIONS: Operations<PostgresCore> = {
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

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:5432/db`. */
  connectionString: string;
  /** Schema holding payhook's tables (created by `migrate`). Default `PAYHOOK_DATABASE_SCHEMA` or `payhook`. */
  schema?: string;
  /** Connections in the pool. Default `PAYHOOK_DATABASE_POOL_SIZE` or 10. */
  poolSize?: number;
  /** How long an operation waits for a free connection before failing (back-pressure). Default 10 s. */
  connectionTimeoutMs?: number;
  /** Session connection for LISTEN when `connectionString` goes through a transaction pooler (`PAYHOOK_DATABASE_LISTEN_URL`). */
  listenConnectionString?: string;
  /**
   * Named prepared statements, parsed and planned once per connection (default true, or
   * `PAYHOOK_DATABASE_PREPARED_STATEMENTS=false`: needed behind pgbouncer < 1.21 in transaction mode).
   */
  preparedStatements?: boolean;
  /** At most one cross-process NOTIFY per this many ms (default 20). */
  notifyWindowMs?: number;
  /** `application_name` of the pool's sessions (the LISTEN session adds `:listen`). Default `payhook`. */
  applicationName?: string;
  /** Connection trouble that was handled (dropped idle connection, LISTEN reconnect). Default: stderr, rate-limited. */
  onError?: (err: Error, context: string) => void;
  /** Seals signing secrets and header values. Default: from PAYHOOK_MASTER_KEY (and _PREVIOUS); required. */
  keyring?: Keyring;
}

export class PostgresStore extends StoreOnCore<PostgresCore> {
  readonly dialect = 'postgres' as const;
  readonly schema: string;
  /** The pool and transaction runner (for tests that look at the database; modules go through `moduleStore`). */
  readonly db: Db;
  private readonly wakeups: Wakeups;
  /** This store's statements: the core's, then those of modules (`moduleStore`). */
  private readonly statements: Map<string, Statement>;
  /** Every write of a secret or headers seals through it, every read opens (secrets/box.ts). */
  private readonly box: SecretBox;
  protected readonly core: PostgresCore;
  protected readonly operations = OPERATIONS;

  constructor(options: PostgresStoreOptions) {
    super();
    // Defaults are the configuration's (config/schema.ts, section postgres); the store reads no environment.
    this.schema = options.schema ?? CONFIG_SCHEMA.postgres.schema.default;
    if (!SCHEMA_RE.test(this.schema)) {
      throw new Error(
        `PostgreSQL schema "${this.schema}" must be 1-48 lower-case letters, digits and _, not starting with a digit`,
      );
    }
    const poolSize = options.poolSize ?? CONFIG_SCHEMA.postgres.poolSize.default;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)
      throw new Error(`PostgreSQL pool size must be 1-1000; got ${poolSize}`);
    // The keyring comes from the configuration (store/open.ts resolves PAYHOOK_MASTER_KEY).
    const keyring = options.keyring;
    if (!keyring)
      throw new KeyringError(
        `PostgreSQL needs PAYHOOK_MASTER_KEY (the key that seals signing secrets and header values at rest); ${MAKE_ONE}`,
      );
    this.box = new SecretBox(keyring);
    const onError = options.onError ?? stderrReporter();
    const applicationName = options.applicationName ?? 'payhook';
    this.statements = new Map(STATEMENTS);
    this.db = new Db(
      {
        connectionString: options.connectionString,
        schema: this.schema,
        poolSize,
        connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
        preparedStatements: options.preparedStatements ?? CONFIG_SCHEMA.postgres.preparedStatements.default,
        applicationName,
        onError,
      },
      this.statements,
    );
    this.wakeups = new Wakeups({
      db: this.db,
      channel: `payhook_due_${this.schema}`,
      windowMs: options.notifyWindowMs ?? 20,
      applicationName,
      onError,
      listenConnectionString: options.listenConnectionString ?? options.connectionString,
    });
    this.core = new PostgresCore(this.schema, this.db, this.statements, this.box, this.wakeups);
  }

  async migrate(modules: readonly ModuleMigrations[] = []): Promise<void> {
    await migrate(
      this.db.pool,
      this.schema,
      migrationsInOrder(
        CORE_MIGRATIONS,
        modules.map((m) => m.postgres),
      ),
    );
  }

  async close(): Promise<void> {
    await this.wakeups.close();
    await this.db.close();
  }

  onDue(listener: () => void): () => void {
    return this.wakeups.subscribe(listener);
  }

  /**
   * Asked for its budget by `appendEvents` and by a module's `withOutbox` at its first append (outbox.ts,
   * migration 0016). Many dispatchers still share the rest through the claim's leases and `SKIP LOCKED`.
   */
  offerNewDeliveries(offer: () => DirectClaim | null): () => void {
    this.core.claimOffer = offer;
    return () => {
      if (this.core.claimOffer === offer) this.core.claimOffer = null;
    };
  }

  moduleStore(statements: ModuleStatements): PostgresModuleStore {
    return moduleStore(this.core, statements);
  }

  /** For tests: the LISTEN connection, once a listener subscribed. */
  get dueListener() {
    return this.wakeups.listening;
  }
}
