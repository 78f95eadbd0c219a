/** The module port on SQLite (store/module-port.ts explains the port). */
import {
  addStatements,
  checkOwn,
  type ModuleStatements,
  type Params,
  type SqliteModuleStore,
  type SqliteOutboxTx,
} from '../module-port.js';
import { SQL, type SqliteCore } from './core.js';
import { Appending, appendEventsInTransaction } from './events.js';

export function moduleStore(c: SqliteCore, statements: ModuleStatements): SqliteModuleStore {
  const own = addStatements(c.moduleSql, SQL, statements.sqlite);
  // Named parameters only when given: better-sqlite3 refuses an argument for a statement without any.
  const bind = (name: string, params?: Params): [] | [Params] => {
    checkOwn(own, name);
    return params ? [params] : [];
  };
  const all = <R>(name: string, params?: Params): R[] => c.stmt(name).all(...bind(name, params)) as R[];
  const get = <R>(name: string, params?: Params): R | undefined =>
    c.stmt(name).get(...bind(name, params)) as R | undefined;
  const run = (name: string, params?: Params): number => c.stmt(name).run(...bind(name, params)).changes;
  return {
    dialect: 'sqlite',
    all,
    get,
    run,
    withOutbox: <T>(fn: (tx: SqliteOutboxTx) => T): T => {
      // Synchronous from BEGIN to COMMIT (store/module-port.ts says why); better-sqlite3 itself refuses a
      // body that returns a promise, before committing anything.
      let appending = new Appending(c);
      const tx: SqliteOutboxTx = {
        all,
        get,
        run,
        appendEvents: (events) => appendEventsInTransaction(c, events, appending),
      };
      const result = c.transaction(() => {
        appending = new Appending(c);
        return fn(tx);
      });
      appending.committed();
      return result;
    },
  };
}
