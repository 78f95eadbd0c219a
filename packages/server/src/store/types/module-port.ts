/** The types of the module port (store/module-port.ts explains it): what `Store.moduleStore` hands a module. */
import type { AppendedEvent, NewEvent } from './events.js';

/** Named parameters of a statement (`@name` in its SQL), by name. */
export type Params = Record<string, unknown>;

/** A module's statements for both dialects: name → SQL text (see `loadSqlFiles`). */
export interface ModuleStatements {
  sqlite: Readonly<Record<string, string>>;
  postgres: Readonly<Record<string, string>>;
}

/** One numbered migration; `version` is its key in `schema_migrations`, `name` is recorded beside it. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A module's migrations for both dialects (the same versions in each). */
export interface ModuleMigrations {
  sqlite: readonly Migration[];
  postgres: readonly Migration[];
}

/** The module's statements inside a SQLite transaction: synchronous on purpose (store/module-port.ts says why). */
export interface SqliteOutboxTx {
  all<R = Record<string, unknown>>(name: string, params?: Params): R[];
  get<R = Record<string, unknown>>(name: string, params?: Params): R | undefined;
  /** Runs a write; returns how many rows it changed. */
  run(name: string, params?: Params): number;
  /** Appends events with their deliveries, in this transaction. */
  appendEvents(events: NewEvent[]): AppendedEvent[];
}

export interface SqliteModuleStore {
  readonly dialect: 'sqlite';
  /** The module's statements on their own (each its own implicit transaction). */
  all<R = Record<string, unknown>>(name: string, params?: Params): R[];
  get<R = Record<string, unknown>>(name: string, params?: Params): R | undefined;
  run(name: string, params?: Params): number;
  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE); its statements and events commit together. */
  withOutbox<T>(fn: (tx: SqliteOutboxTx) => T): T;
}

/** The module's statements inside a PostgreSQL transaction. */
export interface PostgresOutboxTx {
  /** Runs a statement; its rows (`RETURNING` rows for a write). */
  all<R = Record<string, unknown>>(name: string, params?: Params): Promise<R[]>;
  /**
   * Waits for, then holds until the end of this transaction, an exclusive lock on `scope` + `id` (in
   * this store's schema): transactions taking the same lock run one after the other.
   */
  lock(scope: string, id: string): Promise<void>;
  /** Appends events with their deliveries, in this transaction. */
  appendEvents(events: NewEvent[]): Promise<AppendedEvent[]>;
}

export interface RunOptions {
  /** True when running it twice does no harm, so a connection lost mid-way may be retried. */
  idempotent: boolean;
}

export interface PostgresModuleStore {
  readonly dialect: 'postgres';
  /** One statement on its own (its own implicit transaction). */
  all<R = Record<string, unknown>>(name: string, params: Params, options: RunOptions): Promise<R[]>;
  /** Runs `fn` in one transaction; its statements and events commit together. */
  withOutbox<T>(fn: (tx: PostgresOutboxTx) => Promise<T>, options: RunOptions): Promise<T>;
}

export type ModuleStore = SqliteModuleStore | PostgresModuleStore;
