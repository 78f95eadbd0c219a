/**
 * The payment module's settings, read from `PAYHOOK_*` like the rest of payhook. Bad values fail at
 * start with the variable's name. The schedules are data, printed in docs/payments.md.
 *
 * The module itself reads no environment: the composition root (default-modules.ts) calls
 * `loadPaymentConfig(env)` and hands the module the result.
 */
import { ConfigError, parseDuration } from '../module-api.js';

export interface PaymentConfig {
  /** Bank key id → HMAC secret, for `POST /v1/bank/notifications`. Empty: the route refuses everything. */
  bankKeys: Map<string, string>;
  /** How long the simulator keeps a delayed card delayed. */
  simulatorDelayMs: number;
  /** How often a delayed transaction is enquired about. */
  checkIntervalMs: number;
  /** When a pending transaction whose checkout never finished (payhook stopped) is enquired about. */
  pendingCheckMs: number;
  /** Delays before pay-back tries 2, 3, …; the last delay repeats until the bank confirms. */
  paybackSchedule: number[];
  /** How long a claimed pay-back is held before another worker may try it (must exceed a bank call). */
  paybackLeaseMs: number;
  /** How often the payment workers look for due work when nothing woke them. */
  pollIntervalMs: number;
}

/** Pay-back retries: quick at first (a bank hiccup), then patient; the last step repeats for ever. */
export const DEFAULT_PAYBACK_SCHEDULE = ['10s', '1m', '5m', '30m', '2h', '6h', '12h'];

export function loadPaymentConfig(env: NodeJS.ProcessEnv, overrides: Partial<PaymentConfig> = {}): PaymentConfig {
  const dur = (name: string, fallback: string, min: number): number => {
    const v = parseDuration(env[name] || fallback, name);
    if (v < min) throw new ConfigError(`${name} must be at least ${min}ms`);
    return v;
  };
  const bankKeys = new Map<string, string>();
  for (const entry of (env.PAYHOOK_BANK_KEYS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const secret = entry.slice(at + 1);
    if (at <= 0 || secret.length < 16)
      throw new ConfigError(
        'PAYHOOK_BANK_KEYS must be id:secret pairs, comma-separated, each secret at least 16 characters',
      );
    bankKeys.set(id, secret);
  }
  const schedule = (env.PAYHOOK_PAYBACK_SCHEDULE ? env.PAYHOOK_PAYBACK_SCHEDULE.split(',') : DEFAULT_PAYBACK_SCHEDULE)
    .filter((s) => s.trim() !== '')
    .map((s) => parseDuration(s, 'PAYHOOK_PAYBACK_SCHEDULE'));
  if (schedule.length === 0) throw new ConfigError('PAYHOOK_PAYBACK_SCHEDULE needs at least one delay');
  const config: PaymentConfig = {
    bankKeys,
    simulatorDelayMs: dur('PAYHOOK_BANK_DELAY', '10s', 0),
    checkIntervalMs: dur('PAYHOOK_PAYMENT_CHECK_INTERVAL', '5s', 10),
    pendingCheckMs: dur('PAYHOOK_PAYMENT_PENDING_CHECK', '60s', 10),
    paybackSchedule: schedule,
    paybackLeaseMs: dur('PAYHOOK_PAYBACK_LEASE', '60s', 100),
    pollIntervalMs: dur('PAYHOOK_PAYMENT_POLL_INTERVAL', '1s', 10),
    ...overrides,
  };
  return config;
}
