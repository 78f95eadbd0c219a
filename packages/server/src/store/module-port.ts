/**
 * The outbox port: the one way a module (the payment module) reaches the database.
 *
 * A module keeps tables of its own in payhook's database, next to the events and deliveries, because its
 * state changes must commit together with the events they emit (the transactional outbox): a state
 * change without its event, or an event without its state change, is never visible. What crosses here:
 *
 * - the module's own **named statements**, from its `*.sql` files, one set per dialect (`@name`
 *   parameters, the `-- name:` layout of the core's SQL files). The handle runs those names and no
 *   others: a module cannot run the core's statements, and the core's tables change only through the
 *   Store's own operations;
 * - **`withOutbox(tx => …)`**: one database transaction in which `tx` runs the module's statements and
 *   `tx.appendEvents(events)` appends events with their deliveries, fanned out to the matching endpoints
 *   exactly as `Store.appendEvents` does, woken dispatchers included (after the commit). A throw inside
 *   rolls back all of it;
 * - **migrations**, per dialect, applied by `Store.migrate(modules)` in the one version space of
 *   `schema_migrations`.
 *
 * No connection, client or prepared-statement type crosses it. The two dialects differ in one way that
 * the types carry, because it decides correctness:
 *
 * - SQLite: better-sqlite3 is synchronous and payhook shares one connection across every concurrent API
 *   request. A transaction body that awaited would let another request's statements run inside it (and
 *   be committed or rolled back with it). So the SQLite body is **synchronous**: `tx` returns rows, not
 *   promises, and a body that returns a promise is refused by better-sqlite3 before anything commits.
 *   Writes take the database lock at BEGIN (IMMEDIATE), so two processes on one file are serialised.
 * - PostgreSQL: a pool of connections, each transaction on its own; the body is asynchronous, and
 *   `tx.lock(scope, id)` takes a transaction-scoped advisory lock where rows alone cannot serialise two
 *   writers (the same bank notification arriving twice at once). A transaction that fails with a
 *   serialisation failure or deadlock, or loses its connection before COMMIT, is run again from the start
 *   when `idempotent` says so (store/postgres/db.ts), so a body must not keep effects outside the
 *   database between tries.
 */
import type { Migration } from './types.js';

// The port's types live with the Store's (types.ts), which names them in `Store.moduleStore`; here they
// are re-exported beside the helpers the two stores share.
export type {
  Migration,
  ModuleMigrations,
  ModuleStatements,
  ModuleStore,
  Params,
  PostgresModuleStore,
  PostgresOutboxTx,
  RunOptions,
  SqliteModuleStore,
  SqliteOutboxTx,
} from './types.js';

/**
 * The core's migrations and the modules', for one dialect, in version order. Throws when two share a
 * version: `schema_migrations` keys on it, so the second would never run.
 */
export function migrationsInOrder(core: readonly Migration[], modules: readonly (readonly Migration[])[]): Migration[] {
  const all = [...core, ...modules.flat()];
  const seen = new Map<number, string>();
  for (const m of all) {
    const other = seen.get(m.version);
    if (other !== undefined)
      throw new Error(`migrations ${other} and ${m.name} share version ${m.version}; a version is taken once`);
    seen.set(m.version, m.name);
  }
  return all.sort((a, b) => a.version - b.version);
}

/**
 * Adds a module's statements to a dialect's set. A name the set has with other SQL is refused (the
 * core's names included); the same name with the same SQL again is allowed (a module attached to a
 * reopened store). Returns the names, for the handle to check that it runs only these.
 */
export function addStatements(
  into: Map<string, string>,
  core: Readonly<Record<string, unknown>>,
  statements: Readonly<Record<string, string>>,
): Set<string> {
  for (const [name, sql] of Object.entries(statements)) {
    if (Object.hasOwn(core, name)) throw new Error(`module statement ${name} has the name of a core statement`);
    const prior = into.get(name);
    if (prior !== undefined && prior !== sql)
      throw new Error(`module statement ${name} is registered twice with different SQL`);
    into.set(name, sql);
  }
  return new Set(Object.keys(statements));
}

/** Throws unless `name` is one of the module's statements. */
export function checkOwn(own: ReadonlySet<string>, name: string): void {
  if (!own.has(name)) throw new Error(`SQL statement ${name} is not one of this module's`);
}
