/**
 * The payment module's operations: create an order, pay it with a card (the answer comes at once, as a
 * checkout needs it), and take bank notifications. Every status change goes through the PaymentStore
 * as one atomic operation with its events; this file decides *which* change, never writes one itself.
 *
 * The bank call happens between two database transactions (start the attempt; record the answer), never
 * inside one: a slow bank must not hold SQLite's write lock. If payhook stops between them, the attempt
 * stays `pending` with a check time, and the enquiry worker (workers.ts) asks the bank and settles it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { newId, PayhookError } from '../module-api.js';
import type { BankAdapter, BankOutcome } from './bank.js';
import { lastFour, parseCard } from './cards.js';
import { isCurrency, parseMinorAmount } from './currencies.js';
import { paymentError } from './errors.js';
import type { Order, Transaction } from './model.js';
import { eventOfNotification, parseBankNotification, verifyBankNotification } from './notifications.js';
import type { ChangeResult, PaymentStore, TransactionChange } from './store/port.js';
import type { TransactionEvent, TransactionStatus } from './state.js';

export interface PaymentServiceOptions {
  store: PaymentStore;
  bank: BankAdapter;
  bankKeys: ReadonlyMap<string, string>;
  checkIntervalMs: number;
  pendingCheckMs: number;
  clock?: () => number;
}

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

function optionalText(v: unknown, field: string, max: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max)
    throw new PayhookError('validation_failed', `${field} must be a string of at most ${max} characters.`, { field });
  return v;
}

export class PaymentService {
  readonly store: PaymentStore;
  readonly bank: BankAdapter;
  private readonly options: PaymentServiceOptions;
  private readonly now: () => number;

  constructor(options: PaymentServiceOptions) {
    this.store = options.store;
    this.bank = options.bank;
    this.options = options;
    this.now = options.clock ?? Date.now;
  }

  /** Errors: `validation_failed`, `invalid_amount`, `unknown_currency`, `duplicate_reference`. */
  async createOrder(merchantId: string, input: OrderInput): Promise<Order> {
    if (typeof input.reference !== 'string' || input.reference.length === 0 || input.reference.length > 100) {
      throw new PayhookError('validation_failed', 'reference must be a string of 1 to 100 characters.', {
        field: 'reference',
      });
    }
    const amount = parseMinorAmount(input.amount);
    if (!isCurrency(input.currency))
      throw paymentError('unknown_currency', undefined, { currency: input.currency ?? null });
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
   * `order_not_found`, `order_not_payable`, `payment_in_progress`. The card number goes to the bank and
   * is forgotten; only its last four digits are stored.
   */
  async pay(merchantId: string, orderId: string, cardInput: CardInput): Promise<PayResult> {
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
      answer = await this.bank.authorise({
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
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const n = parseBankNotification(text);
    const now = this.now();
    const event = eventOfNotification(n);
    const r = await this.store.applyBankNotification({
      bankKey: keyId as string,
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
