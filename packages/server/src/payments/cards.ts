/**
 * Card input: Luhn check, expiry, last four, and the test cards the bank simulator understands.
 *
 * A card number is used for exactly two things: choosing the simulator's behaviour, and keeping its last
 * four digits. It is never stored, logged or put in an error's details beyond those four digits; the
 * `Card` type below is the only place a full number lives, for the length of one request.
 */
import { paymentError } from './errors.js';

export interface Card {
  /** Digits only (spaces and dashes removed). */
  number: string;
  expMonth: number;
  /** Four-digit year. */
  expYear: number;
  cvc: string;
}

/** True when `digits` (digits only) passes the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Digits only: removes the spaces and dashes people type between groups. */
export function normaliseNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function lastFour(digits: string): string {
  return digits.slice(-4);
}

/**
 * Parses an expiry as people write it: "MM/YY", "MM/YYYY", "MMYY". Two-digit years are 20YY.
 * Returns null when it is not an expiry at all.
 */
export function parseExpiry(text: string): { month: number; year: number } | null {
  const m = /^\s*(0[1-9]|1[0-2])\s*\/?\s*([0-9]{2}|[0-9]{4})\s*$/.exec(text);
  if (!m) return null;
  const month = Number(m[1]);
  const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  return { month, year };
}

/** A card is good through the last moment of its expiry month (UTC), as card networks treat it. */
export function isExpired(month: number, year: number, now: number): boolean {
  const firstOfNextMonth = Date.UTC(year, month, 1); // Date.UTC months are 0-based: `month` is next month
  return now >= firstOfNextMonth;
}

/**
 * Validates what a checkout sends and returns a `Card`. Errors: `card_invalid` (not 12–19 digits, fails
 * Luhn, bad expiry or cvc), `card_expired`. Details name the field and carry at most the last four.
 */
export function parseCard(input: { number: unknown; expiry: unknown; cvc: unknown }, now: number): Card {
  if (typeof input.number !== 'string')
    throw paymentError('card_invalid', 'The card number must be a string.', { field: 'number' });
  const number = normaliseNumber(input.number);
  if (!/^[0-9]{12,19}$/.test(number))
    throw paymentError('card_invalid', 'The card number must have 12 to 19 digits.', { field: 'number' });
  if (!luhnValid(number))
    throw paymentError('card_invalid', 'The card number fails the Luhn check.', {
      field: 'number',
      last_four: lastFour(number),
    });
  const expiry = typeof input.expiry === 'string' ? parseExpiry(input.expiry) : null;
  if (!expiry) throw paymentError('card_invalid', 'The expiry must be MM/YY.', { field: 'expiry' });
  if (typeof input.cvc !== 'string' || !/^[0-9]{3,4}$/.test(input.cvc)) {
    throw paymentError('card_invalid', 'The cvc must be 3 or 4 digits.', { field: 'cvc' });
  }
  if (isExpired(expiry.month, expiry.year, now))
    throw paymentError('card_expired', undefined, { last_four: lastFour(number) });
  return { number, expMonth: expiry.month, expYear: expiry.year, cvc: input.cvc };
}

/** What the bank simulator does with a card. */
export type CardScenario =
  | 'approve'
  | 'approve_refund_delayed'
  | 'approve_refund_fails'
  | 'decline'
  | 'delay_approve'
  | 'delay_decline'
  | 'debit_decline'
  | 'delay_debit_decline'
  | 'debit_decline_payback_fails_twice';

export interface TestCard {
  number: string;
  scenario: CardScenario;
  /** What the simulator's bank says, as it reaches `bank_message` and foloosi's `transaction_message`. */
  description: string;
}

/**
 * The test cards (all Luhn-valid, none a real card range in use for live payments). Any other valid
 * number is approved, as most acquirer sandboxes do, so a demo with a made-up card still works.
 * `docs/payments.md` prints this table.
 */
export const TEST_CARDS: readonly TestCard[] = [
  { number: '4111111111111111', scenario: 'approve', description: 'Approved at once.' },
  { number: '5555555555554444', scenario: 'approve', description: 'Approved at once (Mastercard).' },
  { number: '4000000000000002', scenario: 'decline', description: 'Declined at once; nothing debited.' },
  {
    number: '4000000000001000',
    scenario: 'delay_approve',
    description: 'Delayed, then approved after the simulator delay.',
  },
  {
    number: '4000000000002008',
    scenario: 'delay_decline',
    description: 'Delayed, then declined after the simulator delay; nothing debited.',
  },
  {
    number: '4000000000003006',
    scenario: 'debit_decline',
    description: 'Declined after the issuer debited: paid back automatically.',
  },
  {
    number: '4000000000005001',
    scenario: 'delay_debit_decline',
    description: 'Delayed, then declined after the issuer debited: paid back automatically.',
  },
  {
    number: '4000000000004004',
    scenario: 'debit_decline_payback_fails_twice',
    description: 'Declined after the issuer debited; the pay-back fails twice, then the bank confirms it.',
  },
  {
    number: '4000000000006009',
    scenario: 'approve_refund_delayed',
    description: 'Approved at once; its refunds are delayed, then succeed after the simulator delay.',
  },
  {
    number: '4000000000007007',
    scenario: 'approve_refund_fails',
    description: 'Approved at once; the issuer declines its refunds.',
  },
];

const BY_NUMBER = new Map(TEST_CARDS.map((c) => [c.number, c.scenario]));

/** The simulator scenario of a card number (digits only); `approve` for any number not in the table. */
export function scenarioOf(number: string): CardScenario {
  return BY_NUMBER.get(number) ?? 'approve';
}
