/**
 * The bank, behind one interface: authorise a payment, pay back a debit, and answer a status enquiry
 * about a delayed authorisation. payhook ships a simulator driven by the test cards (`cards.ts`); a real
 * acquirer integration implements the same interface, and its asynchronous clearances arrive at
 * `POST /v1/bank/notifications`, which feeds the very path the simulator's enquiries feed.
 *
 * Money that has left the customer's account must come back exactly once, so `payBack` carries an
 * idempotency key (the pay-back id, one per debited transaction, stable across retries and restarts):
 * a bank that sees the same key twice must not return the money twice. The simulator holds itself to
 * that and counts what it returned, so tests can check the invariant from the bank's side.
 */
import type { Card, CardScenario } from './cards.js';
import { scenarioOf } from './cards.js';

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
  /**
   * The current outcome of an authorisation that was `delayed`: still `delayed`, or final. Banks without
   * an enquiry API push their clearances to `POST /v1/bank/notifications` instead; such an adapter
   * answers `delayed` here until then.
   */
  enquire(request: EnquiryRequest): Promise<BankOutcome>;
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
