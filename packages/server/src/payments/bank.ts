/**
 * The bank, behind one interface: authorise a payment, pay back a debit, refund a payment, and answer
 * a status enquiry about a delayed authorisation. payhook ships a simulator driven by the test cards (`cards.ts`); a real
 * acquirer integration implements the same interface, and its asynchronous clearances arrive at
 * `POST /v1/bank/notifications`, which feeds the very path the simulator's enquiries feed.
 *
 * Money that has left the customer's account must come back exactly once, so `payBack` carries an
 * idempotency key (the pay-back id, one per debited transaction, stable across retries and restarts):
 * a bank that sees the same key twice must not return the money twice. A refund carries its refund id
 * the same way: sent again (a retry, a restart, a worker asking about a delayed one), it answers what
 * became of that refund and moves no money again. The simulator holds itself to both and counts what
 * it returned, so tests can check the invariants from the bank's side.
 */
import { isLiveScope } from '../module-api.js';
import type { Card, CardScenario } from './cards.js';
import { scenarioOf } from './cards.js';
import { paymentError } from './errors.js';

export interface AuthoriseRequest {
  transactionId: string;
  paymentReference: string;
  amount: number;
  currency: string;
  card: Card;
  now: number;
}

/**
 * What the bank says about an authorisation. `bankReference` is the bank's handle for it, used for
 * enquiries and pay-backs. `debited` on a decline means the issuer took the money anyway: payhook must
 * pay it back.
 */
export type BankOutcome =
  | { outcome: 'approved'; bankReference: string; message: string }
  | { outcome: 'delayed'; bankReference: string; message: string }
  | { outcome: 'declined'; bankReference: string; message: string; debited: boolean };

export interface PayBackRequest {
  /** Idempotency key: the same id is the same pay-back, however many times it is sent. */
  paybackId: string;
  transactionId: string;
  bankReference: string;
  amount: number;
  currency: string;
  now: number;
}

export type PayBackResult = { outcome: 'confirmed'; message: string } | { outcome: 'failed'; message: string };

export interface BankRefundRequest {
  /** Idempotency key: the same id is the same refund, however many times it is sent. */
  refundId: string;
  transactionId: string;
  bankReference: string;
  amount: number;
  currency: string;
  /** When the refund was made at payhook (the first request about it). */
  requestedAt: number;
  now: number;
}

/** What the bank says about a refund: done, not decided yet (ask again later), or refused. */
export type BankRefundResult = { outcome: 'succeeded' | 'delayed' | 'failed'; message: string };

export interface EnquiryRequest {
  transactionId: string;
  paymentReference: string;
  /**
   * `null` when payhook never heard the bank's answer to the authorisation (it stopped mid-payment):
   * the bank then looks the payment up by `paymentReference`, and a payment it never saw is declined.
   */
  bankReference: string | null;
  now: number;
}

export interface BankAdapter {
  readonly name: string;
  authorise(request: AuthoriseRequest): Promise<BankOutcome>;
  payBack(request: PayBackRequest): Promise<PayBackResult>;
  /** Returns money of an approved payment; the same refund id again answers what became of it. */
  refund(request: BankRefundRequest): Promise<BankRefundResult>;
  /**
   * The current outcome of an authorisation that was `delayed`: still `delayed`, or final. Banks without
   * an enquiry API push their clearances to `POST /v1/bank/notifications` instead; such an adapter
   * answers `delayed` here until then.
   */
  enquire(request: EnquiryRequest): Promise<BankOutcome>;
}

/**
 * The bank of a merchant scope's mode (src/modes.ts): test mode always has one (the simulator), live
 * mode only a configured one; `bank_not_configured` (503) until then, before anything is written.
 */
export function bankOfMode(test: BankAdapter, live: BankAdapter | null, merchantId: string): BankAdapter {
  if (!isLiveScope(merchantId)) return test;
  if (live === null) throw paymentError('bank_not_configured');
  return live;
}

export interface SimulatorOptions {
  /** How long a delayed authorisation stays delayed before the simulated bank decides. Default 10 s. */
  delayMs?: number;
  /** How many times the pay-back of the "fails twice" card fails before it is confirmed. Default 2. */
  paybackFailures?: number;
}

export const DEFAULT_SIMULATOR_DELAY_MS = 10_000;

const APPROVED = 'approved';
const MESSAGES = {
  delayed: 'awaiting issuer clearance',
  declined: 'declined by issuer',
  debitedDeclined: 'declined after debit; pay-back scheduled',
  paybackConfirmed: 'pay-back confirmed',
  paybackFailed: 'pay-back rejected by issuer, try again',
  unknown: 'no such authorisation',
  refunded: 'refunded',
  refundDelayed: 'refund awaiting issuer',
  refundDeclined: 'refund declined by issuer',
  refundNotApproved: 'the payment was not approved; nothing to refund',
  refundTooLarge: 'refund exceeds what the payment took',
} as const;

/**
 * The bank simulator. It is deterministic: the outcome depends only on the card and on `now`.
 *
 * Its authorisation state lives in the bank reference it hands out
 * (`sim.<scenario>.<decideAtMs>.<paymentReference>`), not in memory, so a delayed payment still
 * resolves after payhook restarts with a new simulator. Its pay-back bookkeeping is in memory, like a
 * real bank's ledger is on the bank's side: tests that restart payhook keep the same simulator.
 *
 * @example
 * const bank = new BankSimulator({ delayMs: 1000 });
 * const result = await bank.authorise({ transactionId, paymentReference, amount: 10000, currency: 'AED', card, now: Date.now() });
 */
export class BankSimulator implements BankAdapter {
  readonly name = 'simulator';
  readonly delayMs: number;
  readonly paybackFailures: number;
  /** Tries per pay-back id, and the pay-backs that moved money (one entry per id). */
  private readonly tries = new Map<string, number>();
  private readonly confirmed = new Map<string, { bankReference: string; amount: number; transactionId: string }>();
  /** Authorisations seen, by payment reference: what a real bank's enquiry-by-reference looks up. */
  private readonly authorised = new Map<string, string>();
  /** What each authorisation asked for, by bank reference: a refund never returns more. */
  private readonly amounts = new Map<string, number>();
  /** Refunds answered for good, by refund id; those that moved money have `succeeded`. */
  private readonly refunds = new Map<
    string,
    { outcome: 'succeeded' | 'failed'; bankReference: string; amount: number; transactionId: string }
  >();
  /** Refund requests that asked for more than remained of the payment: payhook must never send one. */
  private tooLarge = 0;

  constructor(options: SimulatorOptions = {}) {
    const delay = options.delayMs ?? DEFAULT_SIMULATOR_DELAY_MS;
    if (!Number.isInteger(delay) || delay < 0) throw new RangeError('delayMs must be a non-negative integer');
    const failures = options.paybackFailures ?? 2;
    if (!Number.isInteger(failures) || failures < 0)
      throw new RangeError('paybackFailures must be a non-negative integer');
    this.delayMs = delay;
    this.paybackFailures = failures;
  }

  async authorise(request: AuthoriseRequest): Promise<BankOutcome> {
    const scenario = scenarioOf(request.card.number);
    const delayed = scenario.startsWith('delay_');
    const decideAt = delayed ? request.now + this.delayMs : request.now;
    const bankReference = `sim.${scenario}.${decideAt}.${request.paymentReference}`;
    this.authorised.set(request.paymentReference, bankReference);
    this.amounts.set(bankReference, request.amount);
    if (delayed) return { outcome: 'delayed', bankReference, message: MESSAGES.delayed };
    return decide(scenario, bankReference);
  }

  async enquire(request: EnquiryRequest): Promise<BankOutcome> {
    const bankReference = request.bankReference ?? this.authorised.get(request.paymentReference) ?? null;
    const parsed = bankReference === null ? null : parseReference(bankReference);
    if (bankReference === null || !parsed) {
      // Never authorised here: nothing was debited, so the payment is declined.
      return {
        outcome: 'declined',
        bankReference: bankReference ?? `sim.unknown.${request.paymentReference}`,
        message: MESSAGES.unknown,
        debited: false,
      };
    }
    if (request.now < parsed.decideAt) return { outcome: 'delayed', bankReference, message: MESSAGES.delayed };
    return decide(parsed.scenario, bankReference);
  }

  async payBack(request: PayBackRequest): Promise<PayBackResult> {
    const tries = (this.tries.get(request.paybackId) ?? 0) + 1;
    this.tries.set(request.paybackId, tries);
    // The same pay-back id again after it went through: confirmed again, money not moved again.
    if (this.confirmed.has(request.paybackId)) return { outcome: 'confirmed', message: MESSAGES.paybackConfirmed };
    const scenario = parseReference(request.bankReference)?.scenario;
    if (scenario === 'debit_decline_payback_fails_twice' && tries <= this.paybackFailures) {
      return { outcome: 'failed', message: MESSAGES.paybackFailed };
    }
    this.confirmed.set(request.paybackId, {
      bankReference: request.bankReference,
      amount: request.amount,
      transactionId: request.transactionId,
    });
    return { outcome: 'confirmed', message: MESSAGES.paybackConfirmed };
  }

  /**
   * A refund: approved cards refund at once, the "refund delayed" card once the simulator delay has
   * passed since the refund was made, the "refund fails" card never. A payment that was not approved
   * has nothing to refund. The same refund id again gets the same answer and moves no money again.
   */
  async refund(request: BankRefundRequest): Promise<BankRefundResult> {
    const known = this.refunds.get(request.refundId);
    if (known)
      return {
        outcome: known.outcome,
        message: known.outcome === 'succeeded' ? MESSAGES.refunded : MESSAGES.refundDeclined,
      };
    const parsed = parseReference(request.bankReference);
    const settle = (outcome: 'succeeded' | 'failed', message: string): BankRefundResult => {
      this.refunds.set(request.refundId, {
        outcome,
        bankReference: request.bankReference,
        amount: request.amount,
        transactionId: request.transactionId,
      });
      return { outcome, message };
    };
    if (
      !parsed ||
      decide(parsed.scenario, request.bankReference).outcome !== 'approved' ||
      request.now < parsed.decideAt
    )
      return settle('failed', MESSAGES.refundNotApproved);
    if (parsed.scenario === 'approve_refund_fails') return settle('failed', MESSAGES.refundDeclined);
    if (parsed.scenario === 'approve_refund_delayed' && request.now < request.requestedAt + this.delayMs)
      return { outcome: 'delayed', message: MESSAGES.refundDelayed };
    const took = this.amounts.get(request.bankReference);
    const returned = this.refundedOf(request.bankReference);
    if (took !== undefined && returned + request.amount > took) {
      this.tooLarge++;
      return settle('failed', MESSAGES.refundTooLarge);
    }
    return settle('succeeded', MESSAGES.refunded);
  }

  private refundedOf(bankReference: string): number {
    let sum = 0;
    for (const r of this.refunds.values())
      if (r.outcome === 'succeeded' && r.bankReference === bankReference) sum += r.amount;
    return sum;
  }

  /** Money refunds returned, by transaction id (each refund id counted once). */
  refundedByTransaction(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.refunds.values())
      if (r.outcome === 'succeeded') out.set(r.transactionId, (out.get(r.transactionId) ?? 0) + r.amount);
    return out;
  }

  /** Money returned by pay-backs and refunds together, by transaction id: never more than was debited. */
  returnedByTransaction(): Map<string, number> {
    const out = this.refundedByTransaction();
    for (const p of this.confirmed.values()) out.set(p.transactionId, (out.get(p.transactionId) ?? 0) + p.amount);
    return out;
  }

  /** How many refund requests asked for more than remained of their payment (payhook must send none). */
  refundsTooLarge(): number {
    return this.tooLarge;
  }

  /** Pay-backs that moved money, by bank reference: a test of "paid back exactly once" reads this. */
  paybacksByReference(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.confirmed.values()) out.set(p.bankReference, (out.get(p.bankReference) ?? 0) + 1);
    return out;
  }

  /** Pay-backs that moved money, by transaction id. */
  paybacksByTransaction(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.confirmed.values()) out.set(p.transactionId, (out.get(p.transactionId) ?? 0) + 1);
    return out;
  }

  /** How many times a pay-back id was sent, including repeats after it was confirmed. */
  triesOf(paybackId: string): number {
    return this.tries.get(paybackId) ?? 0;
  }
}

function decide(scenario: CardScenario, bankReference: string): BankOutcome {
  switch (scenario) {
    case 'approve':
    case 'delay_approve':
    case 'approve_refund_delayed':
    case 'approve_refund_fails':
      return { outcome: 'approved', bankReference, message: APPROVED };
    case 'decline':
    case 'delay_decline':
      return { outcome: 'declined', bankReference, message: MESSAGES.declined, debited: false };
    case 'debit_decline':
    case 'delay_debit_decline':
    case 'debit_decline_payback_fails_twice':
      return { outcome: 'declined', bankReference, message: MESSAGES.debitedDeclined, debited: true };
  }
}

const SCENARIOS = new Set<CardScenario>([
  'approve',
  'approve_refund_delayed',
  'approve_refund_fails',
  'decline',
  'delay_approve',
  'delay_decline',
  'debit_decline',
  'delay_debit_decline',
  'debit_decline_payback_fails_twice',
]);

function parseReference(ref: string): { scenario: CardScenario; decideAt: number } | null {
  const m = /^sim\.([a-z_]+)\.([0-9]+)\./.exec(ref);
  if (!m || !SCENARIOS.has(m[1] as CardScenario)) return null;
  return { scenario: m[1] as CardScenario, decideAt: Number(m[2]) };
}
