/**
 * A payment module on a real SQLite file in a temp folder, with a merchant, one endpoint taking every
 * event, the bank simulator and a clock the test moves. `restart()` closes the database and opens it
 * again with a new store, service and workers (the bank, like a real one, stays up). Used by the
 * payment tests only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../ids.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { BankSimulator } from './bank.js';
import { PaymentService } from './service.js';
import { SqlitePaymentStore, type SqlitePaymentStoreOptions } from './sqlite-store.js';
import { PaymentWorkers } from './workers.js';

export const T0 = Date.UTC(2026, 10, 27, 5, 29, 26, 123);
export const BANK_KEY = { id: 'acquirer', secret: 'bank-secret-0123456789abcdef' };

export interface PaymentKitOptions extends SqlitePaymentStoreOptions {
  delayMs?: number;
  paybackSchedule?: number[];
}

export interface PaymentKit {
  dir: string;
  path: string;
  clock: { now: number };
  bank: BankSimulator;
  store: SqliteStore;
  payments: SqlitePaymentStore;
  service: PaymentService;
  workers: PaymentWorkers;
  merchantId: string;
  endpointId: string;
  /** Closes and reopens the database (a payhook restart); the bank and the clock carry on. */
  restart(options?: SqlitePaymentStoreOptions): Promise<void>;
  /** Event types of the merchant, oldest first, with their data. */
  events(): Promise<{ type: string; data: Record<string, unknown> }[]>;
  deliveries(): Promise<number>;
  close(): Promise<void>;
}

export const KIT_TIMING = { checkIntervalMs: 1000, pendingCheckMs: 5000, paybackLeaseMs: 30_000, pollIntervalMs: 50 };

export async function openPaymentKit(options: PaymentKitOptions = {}): Promise<PaymentKit> {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-payments-'));
  const path = join(dir, 'payhook.db');
  const clock = { now: T0 };
  const bank = new BankSimulator({ delayMs: options.delayMs ?? 3000 });
  const schedule = options.paybackSchedule ?? [1000, 2000, 4000];
  const merchantId = newId('mer', T0);
  const endpointId = newId('ep', T0);

  const build = (store: SqliteStore, faults: SqlitePaymentStoreOptions) => {
    const payments = new SqlitePaymentStore(store, faults);
    const service = new PaymentService({
      store: payments, bank, bankKeys: new Map([[BANK_KEY.id, BANK_KEY.secret]]), clock: () => clock.now,
      checkIntervalMs: KIT_TIMING.checkIntervalMs, pendingCheckMs: KIT_TIMING.pendingCheckMs,
    });
    const workers = new PaymentWorkers({
      store: payments, bank, clock: () => clock.now, checkIntervalMs: KIT_TIMING.checkIntervalMs,
      paybackSchedule: schedule, paybackLeaseMs: KIT_TIMING.paybackLeaseMs, pollIntervalMs: KIT_TIMING.pollIntervalMs,
    });
    return { payments, service, workers };
  };

  const store = new SqliteStore({ path });
  await store.migrate();
  await store.createMerchant({ id: merchantId, name: 'Shop', createdAt: T0 }, { id: newId('key', T0), hash: `hash-${merchantId}`, prefix: 'sk_test' });
  await store.createEndpoint({
    id: endpointId, merchantId, url: 'http://127.0.0.1:9/hook', description: '', eventTypes: null, disabled: false,
    headers: {}, format: 'standard', timeoutMs: null, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: T0,
  });

  const kit: PaymentKit = {
    dir, path, clock, bank, store, merchantId, endpointId,
    ...build(store, options),
    async restart(faults = {}) {
      await kit.workers.stop();
      await kit.store.close();
      kit.store = new SqliteStore({ path });
      await kit.store.migrate();
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
    async close() {
      await kit.workers.stop();
      await kit.store.close();
      rmSync(dir, { recursive: true, force: true });
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
} as const;

export function card(number: string): { number: string; expiry: string; cvc: string } {
  return { number, expiry: '12/30', cvc: '123' };
}
