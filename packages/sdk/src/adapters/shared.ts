/**
 * What every adapter does after it has the raw body: verify, run the handler (through idempotency when
 * configured), and turn the outcome into an HTTP answer. One place, so Express, Fastify, Node and fetch
 * receivers answer the same way:
 *
 * | outcome                                   | answer |
 * |-------------------------------------------|--------|
 * | handled                                   | 200 `{"received":true}` |
 * | already handled (idempotency)             | 200 `{"received":true,"duplicate":true}` |
 * | same id in flight (`DuplicateInFlightError`) | 409, payhook retries later |
 * | not trusted (`WebhookVerificationError`)  | 400 (413 over the size limit) `{"error":{"code","message"}}` |
 * | `body_type` (a body parser ran first)     | thrown to the framework: a 500 and a log line, as it is the receiver's bug |
 * | the handler throws                        | thrown to the framework: a 500, payhook retries |
 */
import { DuplicateInFlightError, WebhookVerificationError } from '../errors.js';
import type { PayhookEvent } from '../events.js';
import type { Idempotency } from '../idempotency/index.js';
import type { VerifyOptions } from '../verify.js';

/**
 * Options every adapter takes: the `verify` options, the body size limit, and optional idempotency.
 *
 * @example
 * expressWebhook(secret, handler, { toleranceSeconds: 300, limit: 512 * 1024, idempotency });
 */
export interface WebhookHandlerOptions extends VerifyOptions {
  /** Largest body accepted, in bytes; default 1 MiB. Larger bodies get 413 without being verified. */
  limit?: number;
  /** When set, the handler runs through `idempotency.run(event.id, …)`: duplicates are answered 200 without running it. */
  idempotency?: Idempotency;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Runs the handler; returns the answer for success or a duplicate. Handler errors propagate. */
export async function runHandler(
  event: PayhookEvent,
  options: WebhookHandlerOptions,
  call: () => unknown,
): Promise<{ answer: Answer; result: unknown }> {
  if (options.idempotency) {
    const r = await options.idempotency.run(event.id, async () => call());
    if (r.status === 'duplicate')
      return { answer: { status: 200, body: { received: true, duplicate: true } }, result: undefined };
    return { answer: { status: 200, body: { received: true } }, result: r.result };
  }
  return { answer: { status: 200, body: { received: true } }, result: await call() };
}

/** The answer for an error the sender should hear about, or null for one the framework must handle. */
export function errorAnswer(err: unknown): Answer | null {
  if (err instanceof DuplicateInFlightError) {
    return { status: 409, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof WebhookVerificationError && err.reason !== 'body_type') {
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  }
  return null;
}

export function tooLarge(limit: number): WebhookVerificationError {
  return new WebhookVerificationError('payload', `the webhook body is larger than the limit of ${limit} bytes`, 413);
}
