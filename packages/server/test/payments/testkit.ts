/**
 * A payment module on a real database, with a merchant, one endpoint taking every event, the bank
 * simulator and a clock the test moves. `backend` picks the database: a SQLite file in a temp folder
 * (the default), or a schema of the local PostgreSQL (test/helpers/test-db.ts). The payment store is
 * built as the module builds it: on the core store's outbox port, migrated with the module's migrations.
 * `restart()` closes the store and opens it again on the same file or schema, with a new service and
 * workers (the bank, like a real one, stays up). Used by the payment tests only (test/payments/); the
 * suites/ run on both backends.
 *
 * On PostgreSQL every kit of a test file gets the file's one schema, emptied first: migrating a new
 * schema costs ~300 ms here, emptying it a few ms, and a file's tests run one after another. A suite
 * that opens PostgreSQL kits calls `dropPaymentSchemas` in its `after`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPayhookError } from '../../src/errors.js';
import { newId, type MerchantId } from '../../src/ids.js';
import { BankSimulator } from '../../src/payments/bank.js';
import { PaymentService } from '../../src/payments/service.js';
import { PAYMENT_MIGRATIONS, PAYMENT_STATEMENTS, paymentStoreOn } from '../../src/payments/store/index.js';
import type { PaymentStore, PaymentStoreFaults as Faults } from '../../src/payments/store/port.js';
import { PaymentWorkers } from '../../src/payments/workers.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { TestSchemas } from '../helpers/test-db.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/types.js';

export const T0 = Date.UTC(2026, 10, 27, 5, 29, 26, 123);
export const BANK_KEY = { id: 'acquirer', secret: 'bank-secret-0123456789abcdef' };

export type PaymentBackend = 'sqlite' | 'postgres';

/**
 * Test hooks thrown from inside a state change's database transaction. Both stores take the same
 * `faults` and call them at the same two points (after the state, after the events), inside the
 * transaction, so a throw rolls the whole change back on either.
 */
export interface PaymentStoreFaults {
  faults?: Faults;
}

export interface PaymentKitOptions extends PaymentStoreFaults {
  backend?: PaymentBackend;
  delayMs?: number;
  paybackSchedule?: number[];
}

export interface PaymentKit {
  backend: PaymentBackend;
  clock: { now: number };
  bank: BankSimulator;
  store: Store;
  payments: PaymentStore;
  service: PaymentService;
  workers: PaymentWorkers;
  merchantId: MerchantId;
  endpointId: string;
  /** Closes and reopens the database (a payhook restart); the bank and the clock carry on. */
  restart(options?: PaymentStoreFaults): Promise<void>;
  /** Event types of the merchant, oldest first, with their data. */
  events(): Promise<{ type: string; data: Record<string, unknown> }[]>;
  deliveries(): Promise<number>;
  /**
   * Everything the database holds, as text, to show what is never stored. SQLite: every byte of the
   * file and its WAL. PostgreSQL: every row of every table in the kit's schema (the server's own files
   * are out of reach, and hold nothing the rows do not).
   */
  storedText(): Promise<string>;
  close(): Promise<void>;
}

export const KIT_TIMING = { checkIntervalMs: 1000, pendingCheckMs: 5000, paybackLeaseMs: 30_000, pollIntervalMs: 50 };

/** How one backend opens, reopens and tears down the delivery store. */
interface Backing {
  open(): Store;
  storedText(store: Store): Promise<string>;
  remove(): void;
}

/** The payment store as the module builds it (payments/module.ts `attach`), with the test's faults. */
function paymentsOn(store: Store, options: PaymentStoreFaults): PaymentStore {
  return paymentStoreOn(store.moduleStore(PAYMENT_STATEMENTS), options.faults);
}

/** Migrates the store as `createPayhook` does with the payment module. */
export function migrateWithPayments(store: Store): Promise<void> {
  return store.migrate([PAYMENT_MIGRATIONS]);
}

let schemas: TestSchemas | undefined;

/** Drops the PostgreSQL schemas this test file's kits used (call in `after`). */
export async function dropPaymentSchemas(): Promise<void> {
  await schemas?.dropAll();
  schemas = undefined;
}

async function backing(backend: PaymentBackend): Promise<Backing> {
  if (backend === 'postgres') {
    schemas ??= new TestSchemas();
    const schema = await schemas.emptyShared();
    const pgStore = (s: Store) => s as PostgresStore;
    return {
      // A small pool: a kit's operations run one at a time, besides the workers loop.
      open: () => schemas!.store({ schema, poolSize: 4 }),
      async storedText(s) {
        const db = pgStore(s).db.pool;
        const tables = await db.query<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1',
          [schema],
        );
        let text = '';
        for (const { name } of tables.rows) {
          const rows = await db.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${name}" t`);
          text += rows.rows.map((r) => r.row).join('\n');
        }
        return text;
      },
      remove: () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'payhook-payments-'));
  const path = join(dir, 'payhook.db');
  return {
    open: () => new SqliteStore({ path }),
    async storedText() {
      // Read while open, before a checkpoint folds the WAL into the file.
      return [path, `${path}-wal`]
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f).toString('latin1'))
        .join('');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function openPaymentKit(options: PaymentKitOptions = {}): Promise<PaymentKit> {
  const backend = options.backend ?? 'sqlite';
  const db = await backing(backend);
  const clock = { now: T0 };
  const bank = new BankSimulator({ delayMs: options.delayMs ?? 3000 });
  const schedule = options.paybackSchedule ?? [1000, 2000, 4000];
  const merchantId = newId('mer', T0);
  const endpointId = newId('ep', T0);

  const build = (store: Store, faults: PaymentStoreFaults) => {
    const payments = paymentsOn(store, faults);
    const service = new PaymentService({
      store: payments,
      bank,
      bankKeys: new Map([[BANK_KEY.id, BANK_KEY.secret]]),
      clock: () => clock.now,
      checkIntervalMs: KIT_TIMING.checkIntervalMs,
      pendingCheckMs: KIT_TIMING.pendingCheckMs,
    });
    const workers = new PaymentWorkers({
      store: payments,
      bank,
      clock: () => clock.now,
      checkIntervalMs: KIT_TIMING.checkIntervalMs,
      paybackSchedule: schedule,
      paybackLeaseMs: KIT_TIMING.paybackLeaseMs,
      pollIntervalMs: KIT_TIMING.pollIntervalMs,
    });
    return { payments, service, workers };
  };

  const store = db.open();
  await migrateWithPayments(store);
  await store.createMerchant(
    { id: merchantId, name: 'Shop', createdAt: T0 },
    { id: newId('key', T0), hash: `hash-${merchantId}`, prefix: 'sk_test' },
  );
  await store.createEndpoint({
    id: endpointId,
    merchantId,
    url: 'http://127.0.0.1:9/hook',
    description: '',
    eventTypes: null,
    disabled: false,
    headers: {},
    format: 'standard',
    timeoutMs: null,
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    now: T0,
  });

  const kit: PaymentKit = {
    backend,
    clock,
    bank,
    store,
    merchantId,
    endpointId,
    ...build(store, { faults: options.faults }),
    async restart(faults = {}) {
      await kit.workers.stop();
      await kit.store.close();
      kit.store = db.open();
      await migrateWithPayments(kit.store);
      Object.assign(kit, build(kit.store, faults));
    },
    async events() {
      const out: { type: string; data: Record<string, unknown> }[] = [];
      let cursor: string | null = null;
      do {
        const page = await kit.store.listEvents({ merchantId, limit: 250, cursor, order: 'asc' });
        for (const e of page.items) out.push({ type: e.type, data: JSON.parse(e.data) as Record<string, unknown> });
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },
    async deliveries() {
      const c = await kit.store.countDeliveries(merchantId);
      return c.pending + c.succeeded + c.failed + c.cancelled;
    },
    storedText: () => db.storedText(kit.store),
    async close() {
      await kit.workers.stop();
      await kit.store.close();
      db.remove();
    },
  };
  return kit;
}

export const CARDS = {
  approve: '4111111111111111',
  decline: '4000000000000002',
  delayApprove: '4000000000001000',
  delayDecline: '4000000000002008',
  debitDecline: '4000000000003006',
  delayDebitDecline: '4000000000005001',
  paybackFailsTwice: '4000000000004004',
  refundDelayed: '4000000000006009',
  refundFails: '4000000000007007',
} as const;

/** The code of the PayhookError `p` rejects with, or undefined when it resolves. */
export async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isPayhookError(err) ? err.code : `not a PayhookError: ${String(err)}`;
  }
  return undefined;
}

export function card(number: string): { number: string; expiry: string; cvc: string } {
  return { number, expiry: '12/30', cvc: '123' };
}
