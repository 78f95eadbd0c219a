/**
 * The HTTP acquirer: live mode's bank adapter (test mode keeps the simulator, bank.ts). It speaks a
 * small JSON-over-HTTPS contract, documented with examples in docs/payments.md#the-http-acquirer:
 *
 *   POST <url>/authorisations  {transaction_id, payment_reference, amount, currency, card}
 *        → {status: approved|declined|pending, reference, message, debited}
 *   POST <url>/enquiries       {transaction_id, payment_reference, reference}      → the same answer
 *   POST <url>/refunds         {refund_id, transaction_id, reference, amount, currency}
 *        → {status: succeeded|pending|failed, message}
 *   POST <url>/paybacks        {payback_id, transaction_id, reference, amount, currency}
 *        → {status: confirmed|failed, message}
 *
 * Every request carries `acquirer-timestamp` (unix seconds) and `acquirer-signature: v1=<hex>`, the
 * HMAC-SHA256 under the shared secret of `<timestamp>.<body>`, and an `idempotency-key` (the
 * transaction, refund or pay-back id), so the acquirer can check who sent it, refuse a replay, and
 * answer a repeat without moving money twice. The acquirer's notifications back to payhook are signed
 * the same way (`verifyAcquirerSignature`).
 *
 * Error mapping, the one rule behind it: an answer payhook did not get is never guessed. A timeout, a
 * connection error, a 5xx or a body that is not the contract's throws, and the caller treats the
 * outcome as unknown: an authorisation becomes `delayed` and is settled by a status enquiry, a refund
 * stays pending and is sent again under its id, a pay-back is tried again. A 4xx to an authorisation is
 * a refusal of the request (nothing was debited): declined. A 404 to an enquiry means the acquirer never
 * saw the payment: declined, not debited (as a bank's enquiry by reference answers). A 4xx to a refund
 * is a failed refund; to a pay-back, a failed try (tried again on the schedule).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  AuthoriseRequest,
  BankAdapter,
  BankOutcome,
  BankRefundRequest,
  BankRefundResult,
  EnquiryRequest,
  PayBackRequest,
  PayBackResult,
} from './bank.js';
import { paymentError } from './errors.js';

export interface AcquirerOptions {
  /** Base URL, without a trailing slash needed (`https://acquirer.example/v1`). */
  url: string;
  /** The shared secret both sides sign with (at least 16 characters). */
  secret: string;
  /** One request's total deadline; past it the outcome is unknown (see the mapping above). */
  timeoutMs: number;
  clock?: () => number;
}

/** An answer payhook could not use: the caller treats the outcome as unknown. Never quotes the request. */
export class AcquirerUnavailable extends Error {
  constructor(what: string) {
    super(`acquirer unavailable: ${what}`);
    this.name = 'AcquirerUnavailable';
  }
}

/**
 * The `acquirer-signature` header value for a body sent at `timestamp` (unix seconds).
 *
 * @example
 * const signature = signAcquirer(secret, Math.floor(Date.now() / 1000), body); // 'v1=5f0c…'
 */
export function signAcquirer(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * Checks a signed message from the acquirer: the signature over `<timestamp>.<body>`, and a timestamp
 * within `toleranceMs` of now, so a captured notification cannot be replayed later (within the window,
 * the notification's own id makes a repeat change nothing). Throws `bank_signature_invalid` (401)
 * without saying which check failed.
 */
export function verifyAcquirerSignature(
  secret: string,
  timestampHeader: string | undefined,
  signature: string | undefined,
  body: string | Buffer,
  now: number,
  toleranceMs: number,
): void {
  if (!timestampHeader || !signature || !/^[0-9]{1,12}$/.test(timestampHeader.trim()))
    throw paymentError('bank_signature_invalid');
  const timestamp = Number(timestampHeader.trim());
  const expected = Buffer.from(signAcquirer(secret, timestamp, body));
  const given = Buffer.from(signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw paymentError('bank_signature_invalid');
  if (Math.abs(now - timestamp * 1000) > toleranceMs)
    throw paymentError(
      'bank_signature_invalid',
      'The notification is too old or from the future (acquirer-timestamp).',
    );
}

type Json = Record<string, unknown>;

const AUTH_STATUSES = new Set(['approved', 'declined', 'pending']);

export class HttpAcquirer implements BankAdapter {
  readonly name = 'acquirer';
  private readonly base: string;
  private readonly now: () => number;

  constructor(private readonly o: AcquirerOptions) {
    if (!/^https?:\/\//.test(o.url)) throw new RangeError('the acquirer url must be http(s)');
    if (o.secret.length < 16) throw new RangeError('the acquirer secret must be at least 16 characters');
    this.base = o.url.replace(/\/+$/, '');
    this.now = o.clock ?? Date.now;
  }

  async authorise(r: AuthoriseRequest): Promise<BankOutcome> {
    const card = { number: r.card.number, exp_month: r.card.expMonth, exp_year: r.card.expYear, cvc: r.card.cvc };
    const body = {
      transaction_id: r.transactionId,
      payment_reference: r.paymentReference,
      amount: r.amount,
      currency: r.currency,
      card,
    };
    const res = await this.post('/authorisations', r.transactionId, body);
    if (res.status >= 400) {
      return {
        outcome: 'declined',
        bankReference: `acq.refused.${r.paymentReference}`,
        message: `refused by the acquirer (HTTP ${res.status})`,
        debited: false,
      };
    }
    return outcomeOf(res.json);
  }

  async enquire(r: EnquiryRequest): Promise<BankOutcome> {
    const res = await this.post('/enquiries', r.transactionId, {
      transaction_id: r.transactionId,
      payment_reference: r.paymentReference,
      reference: r.bankReference,
    });
    if (res.status === 404)
      return {
        outcome: 'declined',
        bankReference: r.bankReference ?? `acq.unknown.${r.paymentReference}`,
        message: 'the acquirer never saw this payment',
        debited: false,
      };
    if (res.status >= 400) throw new AcquirerUnavailable(`enquiry answered HTTP ${res.status}`);
    return outcomeOf(res.json);
  }

  async refund(r: BankRefundRequest): Promise<BankRefundResult> {
    const res = await this.post('/refunds', r.refundId, {
      refund_id: r.refundId,
      transaction_id: r.transactionId,
      reference: r.bankReference,
      amount: r.amount,
      currency: r.currency,
    });
    if (res.status >= 400) return { outcome: 'failed', message: `refused by the acquirer (HTTP ${res.status})` };
    const status = res.json.status;
    const message = messageOf(res.json);
    if (status === 'succeeded' || status === 'failed') return { outcome: status, message };
    if (status === 'pending') return { outcome: 'delayed', message };
    throw new AcquirerUnavailable('refund answer has no known status');
  }

  async payBack(r: PayBackRequest): Promise<PayBackResult> {
    const res = await this.post('/paybacks', r.paybackId, {
      payback_id: r.paybackId,
      transaction_id: r.transactionId,
      reference: r.bankReference,
      amount: r.amount,
      currency: r.currency,
    });
    if (res.status >= 400) return { outcome: 'failed', message: `refused by the acquirer (HTTP ${res.status})` };
    const status = res.json.status;
    if (status === 'confirmed' || status === 'failed') return { outcome: status, message: messageOf(res.json) };
    throw new AcquirerUnavailable('pay-back answer has no known status');
  }

  /**
   * One signed POST. Resolves with a 2xx's JSON object, or with the status of a 4xx (its body unread
   * beyond what the connection needs); throws `AcquirerUnavailable` for everything else.
   */
  private async post(path: string, idempotencyKey: string, payload: Json): Promise<{ status: number; json: Json }> {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(this.now() / 1000);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'acquirer-timestamp': String(timestamp),
          'acquirer-signature': signAcquirer(this.o.secret, timestamp, body),
          'idempotency-key': idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new AcquirerUnavailable(timedOut ? `no answer within ${this.o.timeoutMs} ms` : 'connection failed');
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new AcquirerUnavailable('the answer was cut off');
    }
    if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400))
      throw new AcquirerUnavailable(`HTTP ${res.status}`);
    if (res.status >= 400) return { status: res.status, json: {} };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AcquirerUnavailable('the answer is not JSON');
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new AcquirerUnavailable('the answer is not a JSON object');
    return { status: res.status, json: json as Json };
  }
}

function messageOf(j: Json): string {
  return typeof j.message === 'string' ? j.message.slice(0, 500) : String(j.status);
}

function outcomeOf(j: Json): BankOutcome {
  if (typeof j.status !== 'string' || !AUTH_STATUSES.has(j.status))
    throw new AcquirerUnavailable('authorisation answer has no known status');
  if (typeof j.reference !== 'string' || j.reference.length === 0 || j.reference.length > 200)
    throw new AcquirerUnavailable('authorisation answer has no reference');
  const message = messageOf(j);
  if (j.status === 'approved') return { outcome: 'approved', bankReference: j.reference, message };
  if (j.status === 'pending') return { outcome: 'delayed', bankReference: j.reference, message };
  return { outcome: 'declined', bankReference: j.reference, message, debited: j.debited === true };
}
