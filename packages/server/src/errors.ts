/**
 * Every error the core of payhook returns, in one table: a stable code, its HTTP status and what it
 * means. A module brings its own table (`PayhookModule.errorCodes`, such as the payment module's
 * `payments/errors.ts`); `createPayhook` refuses a module code that is already taken, so a code is never
 * reused for another meaning. `docs/errors.md` lists the core's codes and every module's, and a test
 * checks they agree. Anything thrown that is not a `PayhookError` becomes an opaque `internal_error` 500
 * whose cause is logged, never returned.
 */

/** What a code means: its HTTP status and the message returned when the thrower gives none. */
export interface ErrorDefinition {
  status: number;
  message: string;
}

/** A table of error codes, as the core's `ERRORS` and each module's `errorCodes`. */
export type ErrorTable = Readonly<Record<string, ErrorDefinition>>;

export const ERRORS = {
  // request shape
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request does not match the schema: see details.' },
  unknown_field: { status: 400, message: 'The request has a field this route does not take.' },
  invalid_url: { status: 400, message: 'The URL is not an absolute http(s) URL.' },
  destination_not_allowed: {
    status: 400,
    message:
      'The URL points to an address payhook does not send webhooks to (loopback, private or another non-public range).',
  },
  invalid_rate_limit: {
    status: 400,
    message: 'rate_limit must be null or a whole number of deliveries per second from 1 to 10000.',
  },
  invalid_retry_schedule: {
    status: 400,
    message: 'retry_schedule must be null or 1 to 20 delays, each from 1 second to 3 days.',
  },
  invalid_cursor: { status: 400, message: 'The cursor is not one this API returned.' },
  invalid_id: { status: 400, message: 'The id is not of the expected kind.' },
  invalid_ordering_key: {
    status: 400,
    message: 'ordering_key must be a string of 1 to 255 characters.',
  },
  too_deep: { status: 400, message: 'The JSON body is nested too deep.' },
  body_too_large: { status: 413, message: 'The request body is larger than the limit.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  reserved_event_type: { status: 400, message: "This event type is payhook's own: only payhook emits it." },
  invalid_schema: {
    status: 400,
    message: 'The schema is not a JSON Schema payhook can use (draft 2020-12 or 07, at most 16 KiB).',
  },
  schema_mismatch: {
    status: 400,
    message: "The event's data does not match the schema registered for its type: see details.",
  },
  unknown_event_type: {
    status: 400,
    message:
      "The endpoint filter names an event type that is neither payhook's nor registered: see details.suggestions.",
  },
  erasure_subject_required: {
    status: 400,
    message: 'Name exactly one subject to erase: customer_email or order_id.',
  },
  unknown_api_version: {
    status: 400,
    message: 'The api_version is not an event version payhook has: see details.versions (docs/versions.md).',
  },
  thin_needs_standard_format: {
    status: 400,
    message: 'Thin events (payload_style "thin") are sent in the standard format only, not in a provider\'s format.',
  },
  malformed_request: { status: 400, message: 'The request is malformed (its URL, headers or body framing).' },
  // authentication and authorisation
  unauthorized: { status: 401, message: 'A valid API key is required: Authorization: Bearer <key>.' },
  forbidden: { status: 403, message: 'This key may not do that.' },
  insufficient_scope: { status: 403, message: 'This key is read-only: it may not change anything.' },
  too_many_auth_failures: {
    status: 429,
    message: 'Too many requests with a wrong API key from this address; retry after the Retry-After delay.',
  },
  merchant_required: { status: 400, message: 'An admin key must name merchant_id for merchant resources.' },
  // resources
  not_found: { status: 404, message: 'No such route.' },
  merchant_not_found: { status: 404, message: 'No such merchant.' },
  endpoint_not_found: { status: 404, message: 'No such endpoint.' },
  event_not_found: { status: 404, message: 'No such event.' },
  delivery_not_found: { status: 404, message: 'No such delivery.' },
  event_type_not_found: { status: 404, message: 'No such registered event type.' },
  api_key_not_found: { status: 404, message: 'No such API key.' },
  erasure_not_found: { status: 404, message: 'No such erasure.' },
  method_not_allowed: { status: 405, message: 'This route does not take that method.' },
  endpoint_disabled: {
    status: 409,
    message: 'The endpoint is disabled or deleted; enable it before retrying its deliveries.',
  },
  event_type_exists: { status: 409, message: 'The merchant has already registered an event type of this name.' },
  idempotency_conflict: { status: 409, message: 'The idempotency key was used for a different event.' },
  delivery_not_skippable: {
    status: 409,
    message: 'Only a failed delivery, or a pending one not in flight, can be skipped.',
  },
  replay_not_found: { status: 404, message: 'No such replay.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  endpoint_quota_exceeded: { status: 429, message: 'The merchant has as many endpoints as it may have.' },
  // server
  shutting_down: { status: 503, message: 'payhook is shutting down; try again.' },
  overloaded: { status: 503, message: 'payhook is overloaded; try again.' },
  database_in_use: {
    status: 503,
    message: 'Another payhook process owns this SQLite database; one process runs on an embedded database.',
  },
  storage_unavailable: {
    status: 503,
    message: 'The database cannot take writes right now; nothing was stored. Retry after the Retry-After delay.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side; it has been logged.' },
} as const satisfies ErrorTable;

/** A code of the core's table. A module's codes are strings of its own table (see `moduleErrors`). */
export type ErrorCode = keyof typeof ERRORS;

/**
 * A failure with a stable code. `details` is safe to show the caller (never secrets or internals).
 *
 * @example
 * throw new PayhookError('endpoint_not_found', undefined, { id });
 */
export class PayhookError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown);
  /** A module's code, with its definition from the module's table (use `moduleErrors`). */
  constructor(code: string, message: string | undefined, details: unknown, definition: ErrorDefinition);
  constructor(code: string, message?: string, details?: unknown, definition?: ErrorDefinition) {
    const def = definition ?? (ERRORS as ErrorTable)[code];
    if (!def) throw new Error(`unknown error code ${code}`);
    super(message ?? def.message);
    this.name = 'PayhookError';
    this.code = code;
    this.status = def.status;
    this.details = details ?? null;
  }
}

/**
 * The error constructor of a module's table: its codes, typed, each with its status and message.
 *
 * @example
 * const paymentError = moduleErrors({ order_not_found: { status: 404, message: 'No such order.' } });
 * throw paymentError('order_not_found', undefined, { id });
 */
export function moduleErrors<T extends ErrorTable>(
  table: T,
): (code: keyof T & string, message?: string, details?: unknown) => PayhookError {
  return (code, message, details) => new PayhookError(code, message, details, table[code]);
}

export function isPayhookError(err: unknown): err is PayhookError {
  return err instanceof PayhookError;
}
