/**
 * The payment module's storage: its statements and migrations per dialect (the `.sql` files beside
 * this one), and the `PaymentStore` for the core store's dialect, on the outbox port.
 *
 * Migration versions share `schema_migrations` with the core's (one number space, docs/architecture.md).
 * `0002_payments` keeps the version and name it had when it lived in the core's migration folders, so a
 * database migrated by an older payhook has it recorded already and it never runs again.
 */
import {
  loadMigrations,
  loadSqlFiles,
  type ModuleMigrations,
  type ModuleStatements,
  type ModuleStore,
} from '../../module-api.js';
import type { PaymentStore, PaymentStoreFaults } from './port.js';
import { PostgresPaymentStore } from './postgres.js';
import { SqlitePaymentStore } from './sqlite.js';

export const PAYMENT_STATEMENTS: ModuleStatements = {
  sqlite: loadSqlFiles(new URL('./sqlite/', import.meta.url)),
  postgres: loadSqlFiles(new URL('./postgres/', import.meta.url)),
};

export const PAYMENT_MIGRATIONS: ModuleMigrations = {
  sqlite: loadMigrations(new URL('./sqlite/migrations/', import.meta.url)),
  postgres: loadMigrations(new URL('./postgres/migrations/', import.meta.url)),
};

/** The PaymentStore on a module store handle (from `store.moduleStore(PAYMENT_STATEMENTS)`). */
export function paymentStoreOn(db: ModuleStore, faults: PaymentStoreFaults = {}): PaymentStore {
  return db.dialect === 'sqlite' ? new SqlitePaymentStore(db, faults) : new PostgresPaymentStore(db, faults);
}
