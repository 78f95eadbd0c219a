/**
 * The payment module as a payhook module (module-api.ts): its tables (store/*), the `foloosi` payload
 * format, its error codes, its event types with their schemas, its routes and its workers. The
 * composition root makes it with its settings (`paymentsModule({ config })`, default-modules.ts) and
 * hands it to `createPayhook`; on `attach` it builds the PaymentStore on the store's outbox port, the
 * banks (test mode: the simulator unless an adapter is given; live mode: the given adapter, else the
 * HTTP acquirer of the settings, else none), the service and the workers.
 *
 * The workers run where deliveries are dispatched (role `dispatcher` or `all`): an API-only process
 * takes payments and notifications but leaves enquiries and pay-backs to the dispatching processes,
 * which all read the same database, so one of them picks the work up.
 */
import type { FastifyInstance } from 'fastify';
import type { ModuleContext, PayhookModule, Renderer, RouteContext } from '../module-api.js';
import { HttpAcquirer } from './acquirer.js';
import type { BankAdapter } from './bank.js';
import { BankSimulator } from './bank.js';
import type { PaymentConfig } from './config.js';
import { PAYMENT_ERRORS, paymentError } from './errors.js';
import { PAYMENT_EVENT_DOCS } from './event-schemas.js';
import { foloosiBody } from './formats/foloosi.js';
import { registerPaymentRoutes } from './routes/index.js';
import { PaymentService } from './service.js';
import { PAYMENT_MIGRATIONS, PAYMENT_STATEMENTS, paymentStoreOn } from './store/index.js';
import type { PaymentStore } from './store/port.js';
import { PaymentWorkers } from './workers.js';

/** The parts of an attached payment module. */
export interface PaymentParts {
  config: PaymentConfig;
  store: PaymentStore;
  /** Test mode's bank (the simulator). */
  bank: BankAdapter;
  /** Live mode's bank, or null when none is configured. */
  liveBank: BankAdapter | null;
  service: PaymentService;
  workers: PaymentWorkers;
}

export interface PaymentModuleOptions {
  /** The settings, read by the composition root (`loadPaymentConfig(env)`). */
  config: PaymentConfig;
  /** Test mode's bank; the bank simulator when absent. */
  bank?: BankAdapter;
  /**
   * Live mode's bank; when absent, the HTTP acquirer of the settings (PAYHOOK_ACQUIRER_URL), or none:
   * live payments then answer `bank_not_configured`.
   */
  liveBank?: BankAdapter;
}

/** The `foloosi` format renders from the event's stored data, so every attempt sends the same bytes. */
const foloosi: Renderer = (input) => foloosiBody(input.eventType, input.data);

export class PaymentsModule implements PayhookModule {
  readonly name = 'payments';
  readonly migrations = PAYMENT_MIGRATIONS;
  readonly formats = { foloosi };
  /** What a thin event of each namespace points to: the record the API serves (events/thin.ts). */
  readonly objects = {
    order: { idField: 'order_id', path: '/v1/orders/{id}' },
    transaction: { idField: 'transaction_id', path: '/v1/transactions/{id}' },
    refund: { idField: 'refund_id', path: '/v1/refunds/{id}' },
  };
  readonly errorCodes = PAYMENT_ERRORS;
  readonly eventTypes = PAYMENT_EVENT_DOCS;
  readonly apiTags = [
    {
      name: 'payments',
      description:
        'The payment module: orders, card payments, refunds and bank notifications. It emits the `transaction.*`, `order.*` and `refund.*` events.',
    },
  ];
  private attached: (PaymentParts & { runsWorkers: boolean }) | null = null;

  constructor(private readonly options: PaymentModuleOptions) {}

  /** The module's parts; `payments_unavailable` before `attach`. */
  get parts(): PaymentParts {
    if (!this.attached) throw paymentError('payments_unavailable');
    return this.attached;
  }

  attach(ctx: ModuleContext): void {
    const config = this.options.config;
    const store = paymentStoreOn(ctx.store.moduleStore(PAYMENT_STATEMENTS));
    const bank = this.options.bank ?? new BankSimulator({ delayMs: config.simulatorDelayMs });
    const liveBank = this.options.liveBank ?? acquirerOf(config);
    const service = new PaymentService({
      store,
      bank,
      liveBank,
      acquirer:
        config.acquirerSecret === null
          ? null
          : { secret: config.acquirerSecret, toleranceMs: config.acquirerToleranceMs },
      bankKeys: config.bankKeys,
      checkIntervalMs: config.checkIntervalMs,
      pendingCheckMs: config.pendingCheckMs,
      maxAmounts: config.maxAmounts,
    });
    const workers = new PaymentWorkers({
      store,
      bank,
      liveBank,
      logger: ctx.logger,
      checkIntervalMs: config.checkIntervalMs,
      paybackSchedule: config.paybackSchedule,
      paybackLeaseMs: config.paybackLeaseMs,
      pollIntervalMs: config.pollIntervalMs,
    });
    this.attached = { config, store, bank, liveBank, service, workers, runsWorkers: ctx.role !== 'api' };
  }

  routes(api: FastifyInstance, ctx: RouteContext): void {
    registerPaymentRoutes(api, ctx, this.parts);
  }

  start(): void {
    if (this.attached?.runsWorkers) this.attached.workers.start();
  }

  async stop(): Promise<void> {
    await this.attached?.workers.stop();
  }
}

/** The HTTP acquirer of the settings, or null when PAYHOOK_ACQUIRER_URL is unset. */
function acquirerOf(config: PaymentConfig): BankAdapter | null {
  if (config.acquirerUrl === null || config.acquirerSecret === null) return null;
  return new HttpAcquirer({
    url: config.acquirerUrl,
    secret: config.acquirerSecret,
    timeoutMs: config.acquirerTimeoutMs,
  });
}

/**
 * The payment module, for `createPayhook(config, { modules: [paymentsModule({ config: loadPaymentConfig(env) })] })`.
 *
 * @example
 * const payments = paymentsModule({ config: loadPaymentConfig(process.env) });
 * const payhook = await createPayhook(loadConfig(process.env), { modules: [payments] });
 */
export function paymentsModule(options: PaymentModuleOptions): PaymentsModule {
  return new PaymentsModule(options);
}

/**
 * The payment module of a payhook process (found by name among its modules), for tests and embedding
 * code; throws `payments_unavailable` when the process has none.
 */
export function paymentsOf(app: { modules: ReadonlyMap<string, PayhookModule> }): PaymentParts {
  const m = app.modules.get('payments');
  if (!(m instanceof PaymentsModule)) throw paymentError('payments_unavailable');
  return m.parts;
}
