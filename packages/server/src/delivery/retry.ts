/**
 * What happens after an attempt: the pure decision, separate from sending so it can be tested alone
 * and printed in docs/delivery.md.
 *
 *   2xx                      -> succeeded
 *   410 Gone                 -> the endpoint is disabled (`gone`); this delivery and its other pending
 *                               ones wait for it to be enabled (nothing fails or is dropped)
 *   anything else, retries   -> retry after schedule[attemptNo - 1] ± jitter
 *     left                      (429/503 with Retry-After: that delay, clamped to [scheduled, 2 × scheduled])
 *   anything else, none left -> failed
 *
 * A 3xx is a failure like any other non-2xx: redirects are not followed, because a webhook that
 * silently lands somewhere else is worse than one that visibly fails.
 */

export interface RetryPolicy {
  /** Delays before retry 1..n in ms; attempts in all = schedule.length + 1. */
  schedule: readonly number[];
  /**
   * Test mode's schedule (PAYHOOK_TEST_RETRY_SCHEDULE), for deliveries of a merchant's test scope
   * (src/modes.ts); absent or empty: the same as `schedule`.
   */
  testSchedule?: readonly number[];
  /** ±fraction, e.g. 0.2 */
  jitter: number;
}

/** The policy a delivery of this mode follows: test mode's own schedule when one is set. */
export function policyOfMode(policy: RetryPolicy, livemode: boolean): RetryPolicy {
  if (livemode || !policy.testSchedule || policy.testSchedule.length === 0) return policy;
  return { ...policy, schedule: policy.testSchedule };
}

export type Decision =
  | { outcome: 'succeeded' }
  | { outcome: 'failed'; disableEndpoint: false }
  | { outcome: 'retry'; delayMs: number; disableEndpoint?: boolean };

/** Parses a Retry-After header (delta seconds or an HTTP date) into ms from `now`; null if absent or invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function jittered(delayMs: number, jitter: number, random: () => number = Math.random): number {
  if (jitter === 0) return delayMs;
  return Math.max(0, Math.round(delayMs * (1 - jitter + 2 * jitter * random())));
}

/**
 * Decides the fate of a delivery after attempt number `attemptNo` (1 = first try) ended with
 * `statusCode` (null when no response came back).
 */
export function decide(
  policy: RetryPolicy,
  attemptNo: number,
  statusCode: number | null,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): Decision {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { outcome: 'succeeded' };
  if (statusCode === 410) return { outcome: 'retry', delayMs: 0, disableEndpoint: true };
  if (attemptNo > policy.schedule.length) return { outcome: 'failed', disableEndpoint: false };
  const scheduled = jittered(policy.schedule[attemptNo - 1], policy.jitter, random);
  if ((statusCode === 429 || statusCode === 503) && retryAfterMs !== null) {
    return { outcome: 'retry', delayMs: Math.min(Math.max(retryAfterMs, scheduled), 2 * scheduled) };
  }
  return { outcome: 'retry', delayMs: scheduled };
}
