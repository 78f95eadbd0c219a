/**
 * The payment module's settings: its section of the settings table, written with the core's helpers
 * (config/settings.ts, through module-api), so they are read, overridden and checked like the core's
 * and rendered into the same docs/configuration.md. The section lives here, not in config/schema.ts,
 * because the core never knows its modules (`npm run deps` enforces it); the composition root
 * (default-modules.ts) loads it from the same environment and hands the module the result.
 */
import {
  ConfigError,
  type ConfigOf,
  define,
  type Env,
  isPayhookError,
  loadSections,
  type OverridesOf,
} from '../module-api.js';
import { isCurrency, MAX_MINOR, parseDecimal, toDecimalString } from './currencies.js';

/** Pay-back retries: quick at first (a bank hiccup), then patient; the last step repeats for ever. */
export const DEFAULT_PAYBACK_SCHEDULE = ['10s', '1m', '5m', '30m', '2h', '6h', '12h'];

const isKeyMap = (v: unknown): v is Map<string, string> => v instanceof Map;

/** `id:secret,id:secret` → a map; each secret at least 16 characters. */
function parseBankKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    keys.set(at <= 0 ? '' : entry.slice(0, at), at <= 0 ? '' : entry.slice(at + 1));
  }
  return keys;
}

/**
 * The most an order may be in any currency not configured otherwise: 999,999,999,999 minor units
 * (AED 9,999,999,999.99, JPY 999,999,999,999, KWD 999,999,999.999), the twelve digits the card
 * networks' amount field carries (ISO 8583 field 4 is n12), so no acquirer could take more. Far below
 * 2^53, and far above any order a shop takes; `PAYHOOK_MAX_AMOUNTS` lowers (or raises) it per currency.
 */
export const DEFAULT_MAX_AMOUNT = 999_999_999_999;

/** The most an order may be in `currency`, in minor units. */
export function maxAmountFor(maxAmounts: ReadonlyMap<string, number> | undefined, currency: string): number {
  return maxAmounts?.get(currency) ?? DEFAULT_MAX_AMOUNT;
}

const MAX_AMOUNTS_FORM = 'CODE:amount pairs such as AED:50000.00,JPY:5000000';

/**
 * `PAYHOOK_MAX_AMOUNTS`: `CODE:amount` pairs, comma-separated, each amount a decimal in the currency's
 * units as written ("AED:50000.00,JPY:5000000"), checked against the currency's exponent, never rounded.
 * Throws, naming the entry, on one that is not; the bounds are `checkMaxAmounts`'s.
 */
export function parseMaxAmounts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [code, amount, ...rest] = entry.split(':');
    const bad = (why: string) => new Error(`"${entry}" ${why}; write ${MAX_AMOUNTS_FORM}`);
    if (amount === undefined || rest.length > 0) throw bad('is not CODE:amount');
    if (!isCurrency(code)) throw bad('names no ISO 4217 currency payhook knows');
    let minor: bigint;
    try {
      minor = parseDecimal(amount, code);
    } catch (err) {
      if (isPayhookError(err)) throw bad(err.message);
      throw err;
    }
    if (minor <= 0n || minor > BigInt(MAX_MINOR))
      throw bad(`must be above 0 and at most ${toDecimalString(MAX_MINOR, code)}`);
    out.set(code, Number(minor));
  }
  return out;
}

/** The problem with a map of maximums however it was given (the variable, or code), or null. */
function checkMaxAmounts(max: Map<string, number>): string | null {
  for (const [code, minor] of max) {
    if (!isCurrency(code)) return `names ${JSON.stringify(code)}, no ISO 4217 currency payhook knows`;
    if (!Number.isSafeInteger(minor) || minor <= 0)
      return `must give each currency a whole number of minor units from 1 to 2^53 - 1 (${code})`;
  }
  return null;
}

export const PAYMENT_SETTINGS = {
  payments: {
    bankKeys: define.custom<Map<string, string>>(
      {
        env: 'PAYHOOK_BANK_KEYS',
        default: new Map(),
        doc: 'Bank key id → HMAC secret for `POST /v1/bank/notifications`; unset, the route refuses everything.',
        shown: '(unset)',
        accepts: 'comma-separated id:secret pairs, each secret at least 16 characters',
        parse: parseBankKeys,
        check: (keys) =>
          [...keys].every(([id, secret]) => id !== '' && secret.length >= 16)
            ? null
            : 'must be id:secret pairs, comma-separated, each secret at least 16 characters',
      },
      isKeyMap,
      'a Map of key id to secret',
    ),
    simulatorDelayMs: define.duration(
      'PAYHOOK_BANK_DELAY',
      '10s',
      0,
      30 * 86_400_000,
      'How long the bank simulator keeps a delayed card delayed.',
    ),
    checkIntervalMs: define.duration(
      'PAYHOOK_PAYMENT_CHECK_INTERVAL',
      '5s',
      10,
      30 * 86_400_000,
      'How often a delayed transaction is enquired about.',
    ),
    pendingCheckMs: define.duration(
      'PAYHOOK_PAYMENT_PENDING_CHECK',
      '60s',
      10,
      30 * 86_400_000,
      'When a pending transaction whose checkout never finished (payhook stopped) is enquired about.',
    ),
    paybackSchedule: define.durations(
      'PAYHOOK_PAYBACK_SCHEDULE',
      DEFAULT_PAYBACK_SCHEDULE,
      'Delays before pay-back tries 2, 3, …; the last delay repeats until the bank confirms.',
      1,
    ),
    paybackLeaseMs: define.duration(
      'PAYHOOK_PAYBACK_LEASE',
      '60s',
      100,
      30 * 86_400_000,
      'How long a claimed pay-back is held before another worker may try it (must exceed a bank call).',
    ),
    pollIntervalMs: define.duration(
      'PAYHOOK_PAYMENT_POLL_INTERVAL',
      '1s',
      10,
      3_600_000,
      'How often the payment workers look for due work when nothing woke them.',
    ),
    acquirerUrl: define.optionalString(
      'PAYHOOK_ACQUIRER_URL',
      "Live mode's bank: the HTTP acquirer's base URL (docs/payments.md#the-http-acquirer). Unset, live payments and refunds answer `bank_not_configured`; test mode always pays through the simulator.",
      'an http(s) URL',
    ),
    acquirerSecret: define.optionalString(
      'PAYHOOK_ACQUIRER_SECRET',
      'The secret payhook and the acquirer share: payhook signs its requests with it and checks the notifications the acquirer signs. Required with PAYHOOK_ACQUIRER_URL.',
      'text of at least 16 characters',
    ),
    acquirerTimeoutMs: define.duration(
      'PAYHOOK_ACQUIRER_TIMEOUT',
      '10s',
      100,
      120_000,
      "One acquirer request's deadline; past it the outcome is unknown: the payment is delayed and settled by a status enquiry.",
    ),
    acquirerToleranceMs: define.duration(
      'PAYHOOK_ACQUIRER_NOTIFICATION_TOLERANCE',
      '5m',
      1000,
      3_600_000,
      "How far an acquirer notification's `acquirer-timestamp` may be from now; older (a replay) or newer is refused.",
    ),
    maxAmounts: define.custom<Map<string, number>>(
      {
        env: 'PAYHOOK_MAX_AMOUNTS',
        default: new Map(),
        doc: `The most an order may be, per currency (\`amount_too_large\` above it); a currency not named keeps ${DEFAULT_MAX_AMOUNT.toLocaleString('en')} minor units.`,
        shown: '(unset)',
        accepts:
          "comma-separated CODE:amount pairs, each amount in the currency's units as written: AED:50000.00,JPY:5000000",
        parse: parseMaxAmounts,
        check: checkMaxAmounts,
      },
      (v): v is Map<string, number> => v instanceof Map,
      'a Map of currency code to minor units',
    ),
  },
};

export type PaymentConfig = ConfigOf<typeof PAYMENT_SETTINGS>['payments'];

/** Reads the module's section from `env` with `overrides` on top; throws `ConfigError` naming the variable. */
export function loadPaymentConfig(env: Env, overrides: Partial<PaymentConfig> = {}): PaymentConfig {
  const given: OverridesOf<typeof PAYMENT_SETTINGS> = { payments: overrides };
  const config = loadSections(PAYMENT_SETTINGS, env, given).payments;
  const acquirer = acquirerProblem(config);
  if (acquirer) throw new ConfigError(acquirer);
  return config;
}

/** The acquirer settings go together: a URL needs its secret, and the URL must be http(s). */
function acquirerProblem(c: PaymentConfig): string | null {
  if (c.acquirerUrl === null) return null;
  if (!/^https?:\/\/[^\s]+$/.test(c.acquirerUrl)) return 'PAYHOOK_ACQUIRER_URL must be an http(s) URL';
  if (c.acquirerSecret === null || c.acquirerSecret.length < 16)
    return 'PAYHOOK_ACQUIRER_SECRET must be set, at least 16 characters, when PAYHOOK_ACQUIRER_URL is';
  return null;
}
