/**
 * Why a webhook failed verification. Each reason is a stable string a receiver can branch on.
 *
 * - `headers`: a required `webhook-*` header is missing or empty.
 * - `timestamp`: `webhook-timestamp` is not a number, or is outside the tolerance window.
 * - `signature`: no signature in `webhook-signature` matches any of the given secrets.
 * - `payload`: the signature is valid but the body is not a JSON event envelope.
 * - `body_type`: the body was handed over as a parsed object rather than the raw string or bytes.
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
  constructor(reason: WebhookVerificationReason, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
    this.code = `webhook_${reason}`;
  }
}
