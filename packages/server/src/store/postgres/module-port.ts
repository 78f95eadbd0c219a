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
import { toClaimedDeliveries, type ClaimRow } from '../claimed.js';
import type { DirectClaim } from '../types.js';
import { appendEventsIn, appendOffer, type AppendOffer } from './outbox.js';
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
      // What the dispatcher's offer (asked at the transaction's first append) took: handed over only
      // once the transaction has committed, so a rolled-back try hands over nothing.
      const taken: { claim: DirectClaim | null; offer: AppendOffer | null; rows: ClaimRow[] } = {
        claim: null,
        offer: null,
        rows: [],
      };
      const result = await c.db.transaction((tx) => {
        // A try that rolled back (and is run again) made nothing due, sent no NOTIFY and claimed nothing.
        due = false;
        notified = false;
        taken.rows = [];
        let asked = false;
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
            // One offer per try, at its first append (as on SQLite); a later append of the same
            // transaction leaves its deliveries to the claim.
            let offered: AppendOffer | null = null;
            if (!asked) {
              asked = true;
              taken.claim = c.claimOffer?.() ?? null;
              offered = taken.claim ? appendOffer(taken.claim) : null;
              taken.offer = offered;
            }
            const appended = await appendEventsIn(tx, events, channel, keys, offered);
            due ||= appended.left;
            notified ||= appended.notified;
            taken.rows.push(...appended.claimed);
            return appended.out;
          },
        });
      }, options);
      const { claim, offer, rows } = taken;
      if (claim && offer && rows.length > 0) claim.accept(toClaimedDeliveries(rows, c.box), offer.until);
      if (due) c.wakeups.madeDue(notified);
      return result;
    },
  };
}
