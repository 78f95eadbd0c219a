/**
 * The payment module's operations: create an order, pay it with a card (the answer comes at once, as a
 * checkout needs it), refund a payment, and take bank notifications. Every status change goes through
 * the PaymentStore as one atomic operation with its events; this file decides *which* change, never
 * writes one itself.
 *
 * The bank call happens between two database transactions (start the attempt or the refund; record the
 * answer), never inside one: a slow bank must not hold SQLite's write lock. If payhook stops between
 * them, the attempt or refund stays pending with a check time, and a worker (workers.ts) asks the bank
 * and settles it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { decodeCursor, ID_MAX, isLiveScope, newId, PayhookError, type Page } from '../module-api.js';
import { type BankAdapter, type BankOutcome, type BankRefundResult, bankOfMode } from './bank.js';
import { verifyAcquirerSignature } from './acquirer.js';
import { lastFour, parseCard } from './cards.js';
import { maxAmountFor } from './config.js';
import { capAmount, isCurrency, MAX_MINOR, parseMinorAmount } from './currencies.js';
import { refundRequestSha256 } from './decide-refund.js';
import { paymentError } from './errors.js';
import type { Order, Refund, Transaction } from './model.js';
import { eventOfNotification, parseBankNotification, verifyBankNotification } from './notifications.js';
import type {
  ChangeResult,
  OrderFilter,
  PaymentStore,
  RefundAnswer,
  RefundSettled,
  TransactionChange,
} from './store/port.js';
import type { TransactionEvent, TransactionStatus } from './state.js';

export interface PaymentServiceOptions {
  store: PaymentStore;
  /** Test mode's bank: the simulator. */
  bank: BankAdapter;
  /** Live mode's bank (a configured acquirer, acquirer.ts); null: live payments are `bank_not_configured`. */
  liveBank?: BankAdapter | null;
  /** The acquirer's shared secret and replay window, for its notifications; null when none is set. */
  acquirer?: { secret: string; toleranceMs: number } | null;
  bankKeys: ReadonlyMap<string, string>;
  checkIntervalMs: number;
  pendingCheckMs: number;
  /** The most an order may be, per currency, in minor units (config.ts); `DEFAULT_MAX_AMOUNT` for the rest. */
  maxAmounts?: ReadonlyMap<string, number>;
  clock?: () => number;
}

/** The bank key acquirer notifications are recorded under (beside PAYHOOK_BANK_KEYS' ids). */
export const ACQUIRER_KEY = 'http-acquirer';

export interface OrderInput {
  reference?: unknown;
  amount?: unknown;
  currency?: unknown;
  customer_email?: unknown;
  customer_mobile?: unknown;
  optional1?: unknown;
  optional2?: unknown;
  optional3?: unknown;
}

export interface RefundInput {
  /** Minor units; absent or null for all that remains. */
  amount?: unknown;
  reason?: unknown;
  idempotency_key?: unknown;
}

/** A refund request's answer: the refund as it is now, and whether this request made it. */
export interface RefundResult {
  refund: Refund;
  created: boolean;
}

export interface CardInput {
  number?: unknown;
  expiry?: unknown;
  cvc?: unknown;
}

/** What the checkout hears at once: `success`, `delayed` or `failed` (a failed payment that debited is paying back). */
export type PayOutcome = 'success' | 'delayed' | 'failed';

export interface PayResult {
  outcome: PayOutcome;
  transaction: Transaction;
  order: Order;
}

export interface NotificationAnswer {
  result: 'applied' | 'restated';
  duplicate: boolean;
  transactionId: string | null;
  status: TransactionStatus | null;
}

/** The outcome a checkout reports for a transaction status. */
export function outcomeOf(status: TransactionStatus): PayOutcome | 'pending' {
  if (status === 'success') return 'success';
  if (status === 'delayed') return 'delayed';
  if (status === 'pending') return 'pending';
  return 'failed';
}

/**
 * A human transaction number in the shape the provider in the seed prints (`FLNIAREC61a859e4a8977`):
 * `FLN`, five letters, then 13 hex digits (eight of unix seconds and five random), so numbers sort
 * roughly by time and stay short enough to read over the phone.
 */
export function newTransactionNo(now: number): string {
  const letters = Array.from(randomBytes(5), (b) => String.fromCharCode(65 + (b % 26))).join('');
  const seconds = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return `FLN${letters}${seconds}${randomBytes(3).toString('hex').slice(0, 5)}`;
}

/** The change a bank answer asks for. */
export function changeOfOutcome(
  outcome: BankOutcome,
  now: number,
  checkIntervalMs: number,
): Pick<TransactionChange, 'event' | 'bankMessage' | 'bankReference' | 'nextCheckAt'> {
  const event: TransactionEvent =
    outcome.outcome === 'approved'
      ? 'approve'
      : outcome.outcome === 'delayed'
        ? 'delay'
        : outcome.debited
          ? 'decline_debited'
          : 'decline';
  return {
    event: event as TransactionChange['event'],
    bankMessage: outcome.message,
    bankReference: outcome.bankReference,
    nextCheckAt: now + checkIntervalMs,
  };
}

/** The settlement a bank's answer about a refund asks for. */
export function answerOfRefund(result: BankRefundResult, now: number, checkIntervalMs: number): RefundAnswer {
  if (result.outcome === 'delayed')
    return { outcome: 'delay', bankMessage: result.message, nextCheckAt: now + checkIntervalMs, now };
  return { outcome: result.outcome === 'succeeded' ? 'succeed' : 'fail', bankMessage: result.message, now };
}

/**
 * Sends a pending refund to the bank (its id is the idempotency key there) and records the answer: by
 * the refund request itself, and by the worker for a refund that is delayed or whose request stopped
 * before recording. Null when the bank could not be reached: it stays pending, sent again at its check
 * time. (The error may quote the request; it is not logged for that reason.)
 */
export async function sendRefund(
  parts: { store: PaymentStore; bank: BankAdapter; clock: () => number; checkIntervalMs: number },
  refund: Refund,
  bankReference: string | null,
): Promise<RefundSettled | null> {
  let result: BankRefundResult;
  try {
    result = await parts.bank.refund({
      refundId: refund.id,
      transactionId: refund.transactionId,
      bankReference: bankReference ?? '',
      amount: refund.amount,
      currency: refund.currency,
      requestedAt: refund.createdAt,
      now: parts.clock(),
    });
  } catch {
    return null;
  }
  return parts.store.settleRefund(refund.id, answerOfRefund(result, parts.clock(), parts.checkIntervalMs));
}

function optionalText(v: unknown, field: string, max: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max)
    throw new PayhookError('validation_failed', `${field} must be a string of at most ${max} characters.`, { field });
  return v;
}

export class PaymentService {
  readonly store: PaymentStore;
  readonly bank: BankAdapter;
  readonly liveBank: BankAdapter | null;
  private readonly options: PaymentServiceOptions;
  private readonly now: () => number;

  constructor(options: PaymentServiceOptions) {
    this.store = options.store;
    this.bank = options.bank;
    this.liveBank = options.liveBank ?? null;
    this.options = options;
    this.now = options.clock ?? Date.now;
  }

  /**
   * Errors: `validation_failed`, `invalid_amount`, `unknown_currency`, `amount_too_large`,
   * `duplicate_reference`. `amount` is checked as written (a digit string: the API passes the JSON
   * number's own text), never after a rounding.
   */
  async createOrder(merchantId: string, input: OrderInput): Promise<Order> {
    if (typeof input.reference !== 'string' || input.reference.length === 0 || input.reference.length > 100) {
      throw new PayhookError('validation_failed', 'reference must be a string of 1 to 100 characters.', {
        field: 'reference',
      });
    }
    const minor = parseMinorAmount(input.amount);
    if (!isCurrency(input.currency))
      throw paymentError('unknown_currency', undefined, { currency: input.currency ?? null });
    const amount = capAmount(minor, input.currency, maxAmountFor(this.options.maxAmounts, input.currency));
    const email = optionalText(input.customer_email, 'customer_email', 254);
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email))
      throw new PayhookError('validation_failed', 'customer_email is not an e-mail address.', {
        field: 'customer_email',
      });
    const mobile = optionalText(input.customer_mobile, 'customer_mobile', 32);
    if (mobile !== null && !/^\+?[0-9 ()-]{3,32}$/.test(mobile))
      throw new PayhookError('validation_failed', 'customer_mobile is not a phone number.', {
        field: 'customer_mobile',
      });
    const now = this.now();
    return this.store.createOrder({
      id: newId('ord', now),
      merchantId,
      reference: input.reference,
      amount,
      currency: input.currency,
      customerEmail: email,
      customerMobile: mobile,
      optional1: optionalText(input.optional1, 'optional1', 255),
      optional2: optionalText(input.optional2, 'optional2', 255),
      optional3: optionalText(input.optional3, 'optional3', 255),
      now,
    });
  }

  /**
   * Pays an order with a card and answers at once. Errors: `card_invalid`, `card_expired`,
   * `order_not_found`, `order_not_payable`, `payment_in_progress`, `bank_not_configured` (live mode
   * without a bank, before anything is written). The card number goes to the bank and
   * is forgotten; only its last four digits are stored.
   */
  async pay(merchantId: string, orderId: string, cardInput: CardInput): Promise<PayResult> {
    const bank = bankOfMode(this.bank, this.liveBank, merchantId);
    const startedAt = this.now();
    const card = parseCard({ number: cardInput.number, expiry: cardInput.expiry, cvc: cardInput.cvc }, startedAt);
    const txn = await this.store.startTransaction({
      id: newId('txn', startedAt),
      orderId,
      merchantId,
      transactionNo: newTransactionNo(startedAt),
      paymentReference: randomUUID(),
      cardLastFour: lastFour(card.number),
      now: startedAt,
      checkAt: startedAt + this.options.pendingCheckMs,
    });
    let answer: BankOutcome | null = null;
    try {
      answer = await bank.authorise({
        transactionId: txn.id,
        paymentReference: txn.paymentReference,
        amount: txn.amount,
        currency: txn.currency,
        card,
        now: startedAt,
      });
    } catch {
      // The bank did not answer: the outcome is unknown, so the payment is delayed and settled by an
      // enquiry, never guessed. (The error may quote the request; it is not logged for that reason.)
    }
    const now = this.now();
    const change = answer
      ? changeOfOutcome(answer, now, this.options.checkIntervalMs)
      : {
          event: 'delay' as const,
          bankMessage: 'bank unreachable; awaiting clearance',
          bankReference: null,
          nextCheckAt: now + this.options.checkIntervalMs,
        };
    const result = await this.store.applyChange({ ...change, transactionId: txn.id, source: 'checkout', now });
    return this.payResult(result);
  }

  /** A page of the merchant's orders, newest first; with `reference`, the one order that has it, or none. */
  async listOrders(filter: OrderFilter & { reference?: string }): Promise<Page<Order>> {
    if (filter.reference === undefined) return this.store.listOrders(filter);
    const order = await this.store.getOrderByReference(filter.merchantId, filter.reference);
    const below = decodeCursor(filter.cursor) ?? ID_MAX;
    const found = order !== null && (filter.status === undefined || order.status === filter.status) && order.id < below;
    return { items: found ? [order] : [], nextCursor: null };
  }

  /**
   * Refunds a successful payment, in full (no `amount`: all that remains) or in part, and answers with
   * the bank's answer when it came at once (`succeeded` or `failed`), else `pending` (the worker asks
   * again). With an `idempotency_key` seen before, the first refund is returned (`created` false) and
   * nothing is sent again. Errors: `invalid_amount`, `validation_failed`, `transaction_not_found`,
   * `transaction_not_refundable`, `refund_exceeds_remaining`, `refund_idempotency_conflict`.
   */
  async refund(merchantId: string, transactionId: string, input: RefundInput): Promise<RefundResult> {
    const bank = bankOfMode(this.bank, this.liveBank, merchantId);
    let amount: number | null = null;
    if (input.amount !== undefined && input.amount !== null) {
      const minor = parseMinorAmount(input.amount);
      if (minor > BigInt(MAX_MINOR))
        throw paymentError('invalid_amount', 'An amount is at most 2^53 - 1 minor units.', {
          amount: minor.toString(),
        });
      amount = Number(minor);
    }
    const reason = optionalText(input.reason, 'reason', 500);
    const key = optionalText(input.idempotency_key, 'idempotency_key', 255);
    if (key === '')
      throw new PayhookError('validation_failed', 'idempotency_key must not be empty.', { field: 'idempotency_key' });
    const now = this.now();
    const created = await this.store.createRefund({
      id: newId('re', now),
      merchantId,
      transactionId,
      amount,
      reason,
      idempotencyKey: key,
      requestSha256: refundRequestSha256(transactionId, amount, reason),
      now,
      checkAt: now + this.options.pendingCheckMs,
    });
    if (created.result === 'replayed') return { refund: created.refund, created: false };
    const parts = {
      store: this.store,
      bank,
      clock: this.now,
      checkIntervalMs: this.options.checkIntervalMs,
    };
    const settled = await sendRefund(parts, created.refund, created.transaction.bankReference);
    return { refund: settled?.refund ?? created.refund, created: true };
  }

  private payResult(result: ChangeResult): PayResult {
    // A refusal here means an enquiry settled the attempt first (payhook was slow): report what it is.
    const { transaction, order } = result;
    const outcome = outcomeOf(transaction.status);
    return { outcome: outcome === 'pending' ? 'delayed' : outcome, transaction, order };
  }

  /**
   * Takes a bank notification (raw body bytes as received). Errors: `bank_signature_invalid` (401),
   * `invalid_json`/`validation_failed`/`unknown_field` (400), `transaction_not_found` (404),
   * `notification_conflict` (409), `transition_forbidden` (409, recorded; the same notification again
   * gets the same answer).
   */
  async receiveNotification(
    keyId: string | undefined,
    signature: string | undefined,
    body: string | Buffer,
  ): Promise<NotificationAnswer> {
    verifyBankNotification(this.options.bankKeys, keyId, signature, body);
    return this.applyNotification(keyId as string, body);
  }

  /**
   * Takes a notification from the HTTP acquirer (acquirer.ts): signed with the shared secret over
   * `<timestamp>.<body>` and no older than the tolerance, then applied exactly as a bank notification
   * (recorded under the bank key `http-acquirer`). `bank_signature_invalid` when no acquirer is
   * configured; `transaction_not_found` for a test-mode payment.
   */
  async receiveAcquirerNotification(
    timestamp: string | undefined,
    signature: string | undefined,
    body: string | Buffer,
  ): Promise<NotificationAnswer> {
    const acquirer = this.options.acquirer;
    if (!acquirer) throw paymentError('bank_signature_invalid');
    verifyAcquirerSignature(acquirer.secret, timestamp, signature, body, this.now(), acquirer.toleranceMs);
    // Live mode's bank speaks for live payments only: a test payment's reference is the 404 of an
    // unknown one. (A transaction never changes mode, so checking before applying is safe.)
    const n = parseBankNotification(typeof body === 'string' ? body : body.toString('utf8'));
    const txn = await this.store.transactionByPaymentReference(n.paymentReference);
    if (txn !== null && !isLiveScope(txn.merchantId))
      throw paymentError('transaction_not_found', 'No transaction has this payment_reference.', {
        payment_reference: n.paymentReference,
      });
    return this.applyNotification(ACQUIRER_KEY, body);
  }

  private async applyNotification(bankKey: string, body: string | Buffer): Promise<NotificationAnswer> {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const n = parseBankNotification(text);
    const now = this.now();
    const event = eventOfNotification(n);
    const r = await this.store.applyBankNotification({
      bankKey,
      notificationId: n.id,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      paymentReference: n.paymentReference,
      event,
      bankMessage: n.message,
      nextCheckAt: now + this.options.checkIntervalMs,
      paybackDueAt: now,
      now,
    });
    switch (r.result) {
      case 'unknown_transaction':
        throw paymentError('transaction_not_found', 'No transaction has this payment_reference.', {
          payment_reference: n.paymentReference,
        });
      case 'conflict':
        throw paymentError('notification_conflict', undefined, { id: n.id });
      case 'refused': {
        const from = r.from;
        const transactionId = r.duplicate ? r.transactionId : r.transaction.id;
        throw paymentError(
          'transition_forbidden',
          `A ${from} transaction cannot take "${n.status}"; the notification was recorded.`,
          {
            transaction_id: transactionId,
            status: from,
            event,
            notification_id: n.id,
          },
        );
      }
      default:
        return r.duplicate
          ? { result: r.result, duplicate: true, transactionId: r.transactionId, status: r.to }
          : { result: r.result, duplicate: false, transactionId: r.transaction.id, status: r.transaction.status };
    }
  }
}
