/**
 * What `--amount` means in every payment command (`orders create`, `trigger`, and any later one): the
 * decimal amount in the currency's own units, as people write it ("100.00" AED, "500" JPY, "1.250"
 * KWD), checked against the currency's exponent and converted exactly (currencies.ts), never rounded.
 * The API takes integer minor units; the commands echo both, so what was understood is never a guess:
 * "AED 100.00 (10000 minor units)".
 */
import { UsageError } from '../module-api.js';
import { exponentOf, isCurrency, MAX_MINOR, parseDecimal, toDecimalString } from './currencies.js';

export interface AmountArg {
  /** Integer minor units, as the API takes them. */
  minor: number;
  /** The ISO 4217 code, upper case. */
  currency: string;
  /** The exact decimal string with the currency's decimal places: "100.00". */
  decimal: string;
}

/** The help text of `--amount`. */
export const AMOUNT_HELP = "the amount in the currency's units, as written: 100.00 (AED), 500 (JPY), 1.250 (KWD)";

/**
 * `("100.00", "aed")` → `{ minor: 10000, currency: 'AED', decimal: '100.00' }`. More decimal places than
 * the currency has, an amount that is not positive or too large, or an unknown currency is a usage error
 * (`invalid_amount`): nothing is sent.
 */
export function parseAmountArg(amount: string, currencyArg: string): AmountArg {
  const currency = currencyArg.trim().toUpperCase();
  const text = amount.trim();
  const fail = (why: string) =>
    new UsageError(`--amount ${amount} ${currency}: ${why}`, 'invalid_amount', { amount, currency });
  if (!isCurrency(currency)) throw fail(`${currency} is not an ISO 4217 currency payhook can price in`);
  if (!/^[0-9]+(?:\.[0-9]+)?$/.test(text)) throw fail('not a decimal amount such as 100.00');
  const exp = exponentOf(currency);
  if ((text.split('.')[1] ?? '').length > exp)
    throw fail(`${currency} has ${exp === 0 ? 'no' : exp} decimal places; nothing is rounded`);
  const minor = parseDecimal(text, currency);
  if (minor <= 0n) throw fail('must be more than zero');
  if (minor > BigInt(MAX_MINOR)) throw fail(`more than ${toDecimalString(MAX_MINOR, currency)}`);
  return { minor: Number(minor), currency, decimal: toDecimalString(minor, currency) };
}

/** "AED 100.00 (10000 minor units)". */
export function describeAmount(a: AmountArg): string {
  return `${a.currency} ${a.decimal} (${a.minor} minor ${a.minor === 1 ? 'unit' : 'units'})`;
}
