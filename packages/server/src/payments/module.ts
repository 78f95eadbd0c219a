/**
 * Attaches the payment module to a running payhook: registers the `foloosi` payload format, builds the
 * PaymentStore on the process's store, the bank (the simulator unless an adapter is given), the
 * service and the workers, and hands back the hooks that start and stop the workers with the process.
 *
 * The workers run where deliveries are dispatched (role `dispatcher` or `all`): an API-only process
 * takes payments and notifications but leaves enquiries and pay-backs to the dispatching processes,
 * which all read the same database, so one of them picks the work up.
 */
import type { ModuleHooks } from '../app.js';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { registerFormat } from '../events/formats.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { PostgresStore } from '../store/postgres/store.js';
import type { BankAdapter } from './bank.js';
import { BankSimulator } from './bank.js';
import { loadPaymentConfig, type PaymentConfig } from './config.js';
import { foloosiBody } from './formats/foloosi.js';
import { PaymentService } from './service.js';
import { SqlitePaymentStore } from './sqlite-store.js';
import type { PaymentStore } from './store-types.js';
import { PaymentWorkers } from './workers.js';

export interface PaymentModule {
  config: PaymentConfig;
  store: PaymentStore;
  bank: BankAdapter;
  service: PaymentService;
  workers: PaymentWorkers;
}

/** The `foloosi` format renders from the event's stored data, so every attempt sends the same bytes. */
export function registerPaymentFormats(): void {
  registerFormat('foloosi', (input) => foloosiBody(input.eventType, input.data));
}

// Keyed by the process's store, which the context, the API and the Payhook object all share, so a
// route and a test holding the Payhook reach the same module without a field on AppContext.
const modules = new WeakMap<object, PaymentModule>();

/** The payment module of a payhook process; throws `payments_unavailable` when it is not attached. */
export function paymentsOf(ctx: Pick<AppContext, 'store'>): PaymentModule {
  const m = modules.get(ctx.store);
  if (!m) throw new PayhookError('payments_unavailable');
  return m;
}

/** The PaymentStore for a delivery store; null for a backend the module does not support yet. */
export function paymentStoreFor(store: AppContext['store']): PaymentStore | null {
  if (store.dialect === 'postgres') return (store as PostgresStore).paymentStore(); // type-only import: pg stays lazy
  return store instanceof SqliteStore ? new SqlitePaymentStore(store) : null;
}

export interface AttachOptions {
  bank?: BankAdapter;
  config?: Partial<PaymentConfig>;
}

export async function attachPayments(ctx: AppContext, options: AttachOptions = {}): Promise<ModuleHooks> {
  registerPaymentFormats();
  const config = loadPaymentConfig(process.env, options.config);
  const store = paymentStoreFor(ctx.store);
  if (!store) {
    ctx.logger.warn({ dialect: ctx.store.dialect }, 'the payment module has no store for this backend yet; payment routes answer 503');
    return {};
  }
  const bank = options.bank ?? new BankSimulator({ delayMs: config.simulatorDelayMs });
  const service = new PaymentService({ store, bank, bankKeys: config.bankKeys, checkIntervalMs: config.checkIntervalMs, pendingCheckMs: config.pendingCheckMs });
  const workers = new PaymentWorkers({
    store, bank, logger: ctx.logger, checkIntervalMs: config.checkIntervalMs, paybackSchedule: config.paybackSchedule,
    paybackLeaseMs: config.paybackLeaseMs, pollIntervalMs: config.pollIntervalMs,
  });
  modules.set(ctx.store, { config, store, bank, service, workers });
  const runsWorkers = ctx.config.role !== 'api';
  return {
    start: () => { if (runsWorkers) workers.start(); },
    stop: () => workers.stop(),
  };
}
