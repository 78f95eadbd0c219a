/**
 * ISO 4217 currencies and exact money formatting.
 *
 * Amounts live as integer minor units (fils, cents, yen, baisa). The exponent of a currency says how
 * many of its minor units make one major unit: AED 2 (10000 = "100.00"), JPY 0 (100 = "100"),
 * KWD 3 (100000 = "100.000"). Every conversion here is string and bigint arithmetic, never floats:
 * 0.1 + 0.2 is not a price anyone wants to explain to a finance team.
 *
 * The table holds the active ISO 4217 codes that have an exponent (the list of 2025). Codes with no
 * minor unit in ISO ("N.A.": XAU, XDR, ...) are left out because an order cannot be priced in them.
 */
import { paymentError } from './errors.js';

/** Codes whose exponent is not 2. Everything in `TWO` below has exponent 2. */
const ZERO = [
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
];
const THREE = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const FOUR = ['CLF', 'UYW'];
const TWO = [
  'AED',
  'AFN',
  'ALL',
  'AMD',
  'AOA',
  'ARS',
  'AUD',
  'AWG',
  'AZN',
  'BAM',
  'BBD',
  'BDT',
  'BGN',
  'BMD',
  'BND',
  'BOB',
  'BOV',
  'BRL',
  'BSD',
  'BTN',
  'BWP',
  'BYN',
  'BZD',
  'CAD',
  'CDF',
  'CHE',
  'CHF',
  'CHW',
  'CNY',
  'COP',
  'COU',
  'CRC',
  'CUP',
  'CVE',
  'CZK',
  'DKK',
  'DOP',
  'DZD',
  'EGP',
  'ERN',
  'ETB',
  'EUR',
  'FJD',
  'FKP',
  'GBP',
  'GEL',
  'GHS',
  'GIP',
  'GMD',
  'GTQ',
  'GYD',
  'HKD',
  'HNL',
  'HTG',
  'HUF',
  'IDR',
  'ILS',
  'INR',
  'IRR',
  'JMD',
  'KES',
  'KGS',
  'KHR',
  'KPW',
  'KYD',
  'KZT',
  'LAK',
  'LBP',
  'LKR',
  'LRD',
  'LSL',
  'MAD',
  'MDL',
  'MGA',
  'MKD',
  'MMK',
  'MNT',
  'MOP',
  'MRU',
  'MUR',
  'MVR',
  'MWK',
  'MXN',
  'MXV',
  'MYR',
  'MZN',
  'NAD',
  'NGN',
  'NIO',
  'NOK',
  'NPR',
  'NZD',
  'PAB',
  'PEN',
  'PGK',
  'PHP',
  'PKR',
  'PLN',
  'QAR',
  'RON',
  'RSD',
  'RUB',
  'SAR',
  'SBD',
  'SCR',
  'SDG',
  'SEK',
  'SGD',
  'SHP',
  'SLE',
  'SOS',
  'SRD',
  'SSP',
  'STN',
  'SVC',
  'SYP',
  'SZL',
  'THB',
  'TJS',
  'TMT',
  'TOP',
  'TRY',
  'TTD',
  'TWD',
  'TZS',
  'UAH',
  'USD',
  'USN',
  'UYU',
  'UZS',
  'VED',
  'VES',
  'WST',
  'XCD',
  'XCG',
  'YER',
  'ZAR',
  'ZMW',
  'ZWG',
];

/** ISO 4217 code → exponent (number of decimal places of the minor unit). */
export const CURRENCIES: ReadonlyMap<string, number> = new Map<string, number>([
  ...TWO.map((c) => [c, 2] as const),
  ...ZERO.map((c) => [c, 0] as const),
  ...THREE.map((c) => [c, 3] as const),
  ...FOUR.map((c) => [c, 4] as const),
]);

/** True when `code` is an ISO 4217 code payhook can price an order in (upper case only). */
export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && CURRENCIES.has(code);
}

/** The exponent of `currency`; throws `unknown_currency` for a code not in the table. */
export function exponentOf(currency: string): number {
  const e = CURRENCIES.get(currency);
  if (e === undefined) throw paymentError('unknown_currency', undefined, { currency });
  return e;
}

/**
 * The largest amount payhook can take at all: 2^53 - 1 minor units, so the amount stays an exact JSON
 * number in every receiver's language (JavaScript parses larger integers inexactly). The maximum per
 * currency (config.ts, `amount_too_large`) is at most this.
 */
export const MAX_MINOR = Number.MAX_SAFE_INTEGER;

/**
 * Validates an amount in minor units as the request wrote it, exactly: a string of digits (the text of
 * the JSON number as the client sent it, read before JSON.parse could round it, or a digit string), or
 * a number that is a safe integer (a caller in this process). Negative, zero, fractional and exponent
 * forms are `invalid_amount`, whatever they would round to; a number written with a point is refused
 * even when its fraction is zero ("10000.0"): the field is a whole number of minor units. The result
 * is exact and unbounded: the caller checks it against the currency's maximum (`capAmount`).
 *
 * @example
 * parseMinorAmount('10000');               // 10000n
 * parseMinorAmount('9007199254740993');    // 9007199254740993n (not 9007199254740992)
 * parseMinorAmount('10000.0000000000001'); // throws invalid_amount
 */
export function parseMinorAmount(value: unknown): bigint {
  let minor: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) minor = BigInt(value);
  else if (typeof value === 'string' && /^[0-9]{1,400}$/.test(value)) minor = BigInt(value);
  else throw paymentError('invalid_amount', undefined, { amount: value ?? null });
  if (minor <= 0n) throw paymentError('invalid_amount', undefined, { amount: value });
  return minor;
}

/**
 * `minor` as a number when it is at most `max` (minor units of `currency`); `amount_too_large`, with the
 * maximum in both forms, when it is above.
 */
export function capAmount(minor: bigint, currency: string, max: number): number {
  if (minor > BigInt(max)) {
    throw paymentError(
      'amount_too_large',
      `The most payhook takes in ${currency} is ${toDecimalString(max, currency)}.`,
      {
        amount: minor.toString(),
        currency,
        max,
        max_decimal: toDecimalString(max, currency),
      },
    );
  }
  return Number(minor);
}

function toBig(minor: bigint | number | string): bigint {
  if (typeof minor === 'bigint') return minor;
  if (typeof minor === 'number') {
    if (!Number.isSafeInteger(minor)) throw paymentError('invalid_amount', undefined, { amount: minor });
    return BigInt(minor);
  }
  if (!/^-?[0-9]+$/.test(minor)) throw paymentError('invalid_amount', undefined, { amount: minor });
  return BigInt(minor);
}

export interface DecimalOptions {
  /**
   * Drop trailing zeros of the fraction, and the point when nothing is left: "100.00" → "100",
   * "100.50" → "100.5". The `foloosi` format prints amounts this way (its sample shows "100" for
   * AED 100.00).
   */
  trim?: boolean;
}

/**
 * The exact decimal string of an amount in minor units.
 *
 * @example
 * toDecimalString(10000, 'AED');            // "100.00"
 * toDecimalString(10000, 'AED', { trim: true }); // "100"
 * toDecimalString(1234, 'KWD');             // "1.234"
 * toDecimalString(500, 'JPY');              // "500"
 */
export function toDecimalString(
  minor: bigint | number | string,
  currency: string,
  options: DecimalOptions = {},
): string {
  const exp = exponentOf(currency);
  const value = toBig(minor);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  let out: string;
  if (exp === 0) {
    out = digits;
  } else {
    const padded = digits.padStart(exp + 1, '0');
    let whole = padded.slice(0, padded.length - exp);
    let frac = padded.slice(padded.length - exp);
    if (options.trim) frac = frac.replace(/0+$/, '');
    whole = whole === '' ? '0' : whole;
    out = frac === '' ? whole : `${whole}.${frac}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * Parses an exact decimal string ("100", "100.5", "100.50") into minor units of `currency`. More
 * fraction digits than the currency has ("1.005" AED) is `invalid_amount`, never a rounding.
 *
 * @example
 * parseDecimal('100.5', 'AED'); // 10050n
 * parseDecimal('1.234', 'KWD'); // 1234n
 */
export function parseDecimal(text: string, currency: string): bigint {
  const exp = exponentOf(currency);
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (!m) throw paymentError('invalid_amount', undefined, { amount: text });
  const [, sign, whole, frac = ''] = m;
  if (frac.length > exp)
    throw paymentError('invalid_amount', `${currency} has ${exp} decimal places.`, { amount: text });
  const value = BigInt(whole + frac.padEnd(exp, '0'));
  return sign === '-' ? -value : value;
}
