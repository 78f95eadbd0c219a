/**
 * The one storage contract of payhook. SQLite (embedded, the default) and PostgreSQL (scale-out)
 * implement it; `test/suites/store-contract.ts` is the behaviour suite both must pass.
 *
 * Only high-level operations cross this interface: no connection, statement or transaction types.
 * Every operation that must be atomic (an event with its deliveries) is one method, so an
 * implementation can run it in one database transaction and callers cannot get it wrong. Times are unix
 * milliseconds (integers) throughout.
 *
 * The operations are grouped by domain, one file each in types/ (settings, merchants, API keys, event
 * types, endpoints, events, resends, replays, deliveries, retention, erasures), each with its records and its part of the Store; `Store` below
 * is their sum and adds what concerns the database as a whole. Everything is re-exported from here, so
 * callers import from store/types.ts alone.
 *
 * Modules (the payment module) keep tables of their own; they reach them through one narrow port,
 * `moduleStore` (store/module-port.ts): their own named statements, and `withOutbox`, which commits
 * their writes together with the events they append. No module's types appear here.
 */
import type { ApiKeyStore } from './types/api-keys.js';
import type { DashboardSessionStore } from './types/dashboard-sessions.js';
import type { DeliveryStore } from './types/deliveries.js';
import type { EndpointStore } from './types/endpoints.js';
import type { ErasureStore } from './types/erasures.js';
import type { EventTypeStore } from './types/event-types.js';
import type { EventStore } from './types/events.js';
import type { MerchantStore } from './types/merchants.js';
import type { ReplayStore } from './types/replays.js';
import type { ResendStore } from './types/resends.js';
import type { RetentionStore } from './types/retention.js';
import type { ModuleMigrations, ModuleStatements, ModuleStore } from './types/module-port.js';
import type { SettingsStore } from './types/settings.js';

export type * from './types/api-keys.js';
export type * from './types/common.js';
export type * from './types/dashboard-sessions.js';
export type * from './types/deliveries.js';
export type * from './types/endpoints.js';
export type * from './types/erasures.js';
export type * from './types/event-types.js';
export type * from './types/events.js';
export type * from './types/merchants.js';
export type * from './types/module-port.js';
export type * from './types/replays.js';
export type * from './types/resends.js';
export type * from './types/retention.js';
export type * from './types/settings.js';

export interface Store
  extends SettingsStore,
    MerchantStore,
    ApiKeyStore,
    EventTypeStore,
    EndpointStore,
    EventStore,
    ResendStore,
    ReplayStore,
    DeliveryStore,
    DashboardSessionStore,
    RetentionStore,
    ErasureStore {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Applies pending migrations, the core's and the given modules' (this dialect's share of each), in
   * version order; safe to call from several processes at once. Versions are one number space, recorded
   * in `schema_migrations`: a version taken twice is refused before anything runs.
   */
  migrate(modules?: readonly ModuleMigrations[]): Promise<void>;
  close(): Promise<void>;

  /**
   * The port for a module's own tables (store/module-port.ts): runs the module's named statements, and
   * in `withOutbox` commits them together with the events the module appends (fanned out to deliveries
   * exactly as `appendEvents` does). A statement name the core uses, or one another module registered
   * with other SQL, is refused.
   */
  moduleStore(statements: ModuleStatements): ModuleStore;
}
