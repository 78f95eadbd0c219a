/**
 * Every error payhook returns, in one table: a stable code, its HTTP status and what it means.
 * A code is never reused for another meaning. `docs/errors.md` is this table in prose, and a test
 * checks the two agree. Anything thrown that is not a `PayhookError` becomes an opaque
 * `internal_error` 500 whose cause is logged, never returned.
 */

export const ERRORS = {
  // request shape
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request does not match the schema: see details.' },
  unknown_field: { status: 400, message: 'The request has a field this route does not take.' },
  invalid_url: { status: 400, message: 'The URL is not an absolute http(s) URL.' },
  invalid_cursor: { status: 400, message: 'The cursor is not one this API returned.' },
  invalid_id: { status: 400, message: 'The id is not of the expected kind.' },
  too_deep: { status: 400, message: 'The JSON body is nested too deep.' },
  body_too_large: { status: 413, message: 'The request body is larger than the limit.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  malformed_request: { status: 400, message: 'The request is malformed (its URL, headers or body framing).' },
  // authentication and authorisation
  unauthorized: { status: 401, message: 'A valid API key is required: Authorization: Bearer <key>.' },
  forbidden: { status: 403, message: 'This key may not do that.' },
  insufficient_scope: { status: 403, message: 'This key is read-only: it may not change anything.' },
  too_many_auth_failures: { status: 429, message: 'Too many requests with a wrong API key from this address; retry after the Retry-After delay.' },
  merchant_required: { status: 400, message: 'An admin key must name merchant_id for merchant resources.' },
  // resources
  not_found: { status: 404, message: 'No such route.' },
  merchant_not_found: { status: 404, message: 'No such merchant.' },
  endpoint_not_found: { status: 404, message: 'No such endpoint.' },
  event_not_found: { status: 404, message: 'No such event.' },
  delivery_not_found: { status: 404, message: 'No such delivery.' },
  api_key_not_found: { status: 404, message: 'No such API key.' },
  method_not_allowed: { status: 405, message: 'This route does not take that method.' },
  endpoint_disabled: { status: 409, message: 'The endpoint is disabled or deleted; enable it before retrying its deliveries.' },
  idempotency_conflict: { status: 409, message: 'The idempotency key was used for a different event.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  endpoint_quota_exceeded: { status: 429, message: 'The merchant has as many endpoints as it may have.' },
  // payments (the payment module)
  order_not_found: { status: 404, message: 'No such order.' },
  transaction_not_found: { status: 404, message: 'No such transaction.' },
  invalid_amount: { status: 400, message: 'The amount must be a positive whole number of minor units.' },
  unknown_currency: { status: 400, message: 'The currency is not an ISO 4217 code payhook knows.' },
  card_invalid: { status: 400, message: 'The card number fails the Luhn check or is malformed.' },
  card_expired: { status: 400, message: 'The card has expired.' },
  order_not_payable: { status: 409, message: 'The order is already paid or cancelled.' },
  duplicate_reference: { status: 409, message: 'An order with this reference already exists for the merchant.' },
  transition_forbidden: { status: 409, message: 'The state machine does not allow this transition.' },
  bank_signature_invalid: { status: 401, message: 'The bank notification signature does not match.' },
  payment_in_progress: { status: 409, message: 'Another payment attempt for this order is still pending or delayed.' },
  notification_conflict: { status: 409, message: 'A bank notification with this id arrived before with a different body.' },
  payments_unavailable: { status: 503, message: 'The payment module is not available on this storage backend yet.' },
  // server
  shutting_down: { status: 503, message: 'payhook is shutting down; try again.' },
  overloaded: { status: 503, message: 'payhook is overloaded; try again.' },
  storage_unavailable: { status: 503, message: 'The database cannot take writes right now; nothing was stored. Retry after the Retry-After delay.' },
  internal_error: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * A failure with a stable code. `details` is safe to show the caller (never secrets or internals).
 *
 * @example
 * throw new PayhookError('endpoint_not_found', undefined, { id });
 */
export class PayhookError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message);
    this.name = 'PayhookError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details ?? null;
  }
}

export function isPayhookError(err: unknown): err is PayhookError {
  return err instanceof PayhookError;
}
