/**
 * Why a webhook failed verification. Each reason is a stable string a receiver can branch on.
 *
 * - `headers`: a required `webhook-*` header is missing or empty.
 * - `timestamp`: `webhook-timestamp` is not a number, or is outside the tolerance window.
 * - `signature`: no signature in `webhook-signature` matches any of the given secrets.
 * - `payload`: the signature is valid but the body is not a JSON event envelope.
 * - `body_type`: the body was handed over as a parsed object rather than the raw string or bytes.
 *
 * @example
 * if (err instanceof WebhookVerificationError && err.reason === 'timestamp') console.warn('check the server clock');
 */
export type WebhookVerificationReason = 'headers' | 'timestamp' | 'signature' | 'payload' | 'body_type';

/**
 * Thrown by `verify` when a webhook must not be trusted.
 *
 * @example
 * try {
 *   verify(rawBody, req.headers, secret);
 * } catch (err) {
 *   if (err instanceof WebhookVerificationError) console.warn(err.reason); // 'signature', 'timestamp', ...
 * }
 */
export class WebhookVerificationError extends Error {
  readonly reason: WebhookVerificationReason;
  /** A stable code, `webhook_<reason>`, for logs and metrics. */
  readonly code: string;
  /**
   * The HTTP status a receiver should answer with: 400 for a webhook that must not be trusted (payhook
   * logs the answer and retries), 413 for a body over the adapter's limit, and 500 for `body_type`,
   * which is a bug in the receiver (a body parser ran first) rather than in the request.
   */
  readonly status: number;
  constructor(reason: WebhookVerificationReason, message: string, status?: number) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
    this.code = `webhook_${reason}`;
    this.status = status ?? (reason === 'body_type' ? 500 : 400);
  }
}

/**
 * Thrown by `Idempotency.run` when another call for the same `webhook-id` is still running (a duplicate
 * delivered while the first is being handled). Answer 409 Conflict: payhook treats any non-2xx as a
 * failure and retries later, by which time the first call has finished and the retry is skipped as a
 * duplicate (or, if the first failed, runs the handler itself). The adapters in this package do that.
 *
 * @example
 * try {
 *   await idempotency.run(event.id, () => handle(event));
 * } catch (err) {
 *   if (err instanceof DuplicateInFlightError) return res.status(409).end();
 *   throw err;
 * }
 */
export class DuplicateInFlightError extends Error {
  readonly code = 'webhook_in_flight';
  /** HTTP status a receiver should answer with. */
  readonly status = 409;
  readonly webhookId: string;
  constructor(webhookId: string) {
    super(`webhook ${webhookId} is already being handled by another call; answer 409 so the sender retries later`);
    this.name = 'DuplicateInFlightError';
    this.webhookId = webhookId;
  }
}

/**
 * An error answered by the payhook management API (`{"error":{"code","message","details"}}`), or a
 * failure to reach it (`code` `network_error` or `timeout`, `status` 0), or an answer that is not
 * payhook's (`code` `http_<status>` or `invalid_response`).
 *
 * @example
 * try {
 *   await client.endpoints.get('ep_missing');
 * } catch (err) {
 *   if (err instanceof PayhookApiError && err.code === 'endpoint_not_found') console.log(err.status); // 404
 * }
 */
export class PayhookApiError extends Error {
  readonly code: string;
  /** The HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly details: unknown;
  constructor(code: string, status: number, message: string, details: unknown = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PayhookApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}
