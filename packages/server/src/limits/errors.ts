/** The errors of payhook's limits, made in one place so every caller words and times them alike. */
import { PayhookError } from '../errors.js';

/**
 * The `Retry-After` of `endpoint_quota_exceeded`. Waiting alone frees no place (deleting an endpoint
 * or raising PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT does), but every 429 says when to try again, and a
 * minute keeps a client that retries blindly from hammering.
 */
export const ENDPOINT_QUOTA_RETRY_AFTER_SECONDS = 60;

/** Whole seconds to wait, at least 1: what `Retry-After` and `details.retry_after_seconds` carry. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function endpointQuotaExceeded(limit: number): PayhookError {
  return new PayhookError(
    'endpoint_quota_exceeded',
    `the merchant has ${limit} endpoints, the most it may have; delete one first`,
    { limit, retry_after_seconds: ENDPOINT_QUOTA_RETRY_AFTER_SECONDS },
  );
}

export function rateLimited(waitMs: number, ratePerSecond: number): PayhookError {
  return new PayhookError(
    'rate_limited',
    `this key sent events faster than ${ratePerSecond} a second; retry after the Retry-After delay`,
    { limit_per_second: ratePerSecond, retry_after_seconds: retryAfterSeconds(waitMs) },
  );
}

export function tooManyAuthFailures(waitMs: number): PayhookError {
  return new PayhookError('too_many_auth_failures', undefined, { retry_after_seconds: retryAfterSeconds(waitMs) });
}
