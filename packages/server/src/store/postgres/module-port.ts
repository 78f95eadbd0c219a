/** The module port on PostgreSQL (store/module-port.ts explains the port). */
import {
  addStatements,
  checkOwn,
  type ModuleStatements,
  type Params,
  type PostgresModuleStore,
  type PostgresOutboxTx,
  type RunOptions,
} from '../module-port.js';
import { STATEMENTS, type PostgresCore } from './core.js';
import { LOCK_SPACE, lockKey } from './db.js';
import { appendEventsIn } from './outbox.js';
import { compile } from './statements.js';

export function moduleStore(c: PostgresCore, statements: ModuleStatements): PostgresModuleStore {
  const coreNames = Object.fromEntries([...STATEMENTS.keys()].map((k) => [k, true]));
  const own = addStatements(c.moduleSql, coreNames, statements.postgres);
  for (const name of own) c.statements.set(name, compile(name, c.moduleSql.get(name)!));
  return {
    dialect: 'postgres',
    all: <R>(name: string, params: Params, options: RunOptions): Promise<R[]> => {
      checkOwn(own, name);
      return c.db.run(name, params, options) as Promise<R[]>;
    },
    withOutbox: async <T>(fn: (tx: PostgresOutboxTx) => Promise<T>, options: RunOptions): Promise<T> => {
      const channel = c.wakeups.channelForTransaction();
      let due = false;
      let notified = false;
      const result = await c.db.transaction((tx) => {
        // A try that rolled back (and is run again) made nothing due and sent no NOTIFY.
        due = false;
        notified = false;
        return fn({
          all: <R>(name: string, params: Params = {}) => {
            checkOwn(own, name);
            return tx.run(name, params) as Promise<R[]>;
          },
          lock: async (scope, id) => {
            await tx.run('lock_exclusive', { space: LOCK_SPACE, key: lockKey(`${scope}:${c.schema}:${id}`) });
          },
          appendEvents: async (events) => {
            if (events.length === 0) return [];
            // Under the merchants' shared endpoint locks, like any append: the append takes them (outbox.ts).
            const keys = [...new Set(events.map((e) => c.endpointLock(e.merchantId)))];
            const appended = await appendEventsIn(tx, events, channel, keys);
            due ||= appended.out.some((a) => a.deliveries > 0);
            notified ||= appended.notified;
            return appended.out;
          },
        });
      }, options);
      if (due) c.wakeups.madeDue(notified);
      return result;
    },
  };
}
