/**
 * `verify`: signature, timestamp and envelope checks in one call, returning a typed event.
 *
 * The order of checks is the order of trust: nothing about the body is believed (not even that it is
 * JSON) until a signature over its exact bytes has matched, so a forged body can only ever produce a
 * `signature` error, never a `payload` one that would leak how far it got.
 */
import { WebhookVerificationError } from './errors.js';
import { apiVersionOf, isThinEvent, SDK_API_VERSION } from './versions.js';
import { PAYMENT_EVENT_TYPES, paymentDataProblem, type PayhookEvent } from './events.js';
import {
  bodyTypeError,
  isRawBody,
  verifySignature,
  type HeaderSource,
  type RawBody,
  type VerifySignatureOptions,
} from './signature.js';

/**
 * Options of `verify`.
 *
 * @example
 * verify(rawBody, headers, secret, { toleranceSeconds: 600 });
 */
export interface VerifyOptions extends VerifySignatureOptions {}

/**
 * Verifies a webhook and returns its event, typed. Throws `WebhookVerificationError` with a `reason`:
 * `headers` (a `webhook-*` header is missing), `timestamp` (not a number or further than
 * `toleranceSeconds`, default 300, from `now`), `signature` (nothing matches any secret), `payload` (the
 * signed body is not an event envelope, or a payment event lacks `order_id`/`sequence`/`amount`), or
 * `body_type` (the body was a parsed object, not the raw string or bytes).
 *
 * `secrets` may hold several: `whsec_…` secrets verify `v1` (HMAC) signatures and `whpk_…` public keys
 * verify `v1a` (ed25519) ones. During a rotation pass the new and the old secret.
 *
 * @example
 * import { verify, isPaymentEvent } from '@payhook/sdk';
 * const event = verify(rawBody, req.headers, [process.env.PAYHOOK_SECRET!, process.env.PAYHOOK_OLD_SECRET!]);
 * if (isPaymentEvent(event, 'order.success')) await markPaid(event.data.order_id);
 */
export function verify(
  rawBody: RawBody,
  headers: HeaderSource,
  secrets: string | readonly string[],
  options: VerifyOptions = {},
): PayhookEvent {
  if (!isRawBody(rawBody)) throw bodyTypeError(rawBody);
  verifySignature(rawBody, headers, secrets, options);
  return parseEnvelope(rawBody);
}

const paymentTypes: ReadonlySet<string> = new Set(PAYMENT_EVENT_TYPES);

function parseEnvelope(rawBody: RawBody): PayhookEvent {
  const text = typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: false }).decode(rawBody);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('payload', 'the signed body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WebhookVerificationError('payload', 'the signed body is not a JSON object');
  }
  const e = parsed as Record<string, unknown>;
  const wrong: string[] = [];
  for (const key of ['id', 'type', 'timestamp']) if (typeof e[key] !== 'string' || e[key] === '') wrong.push(key);
  if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) wrong.push('data');
  if (wrong.length > 0) {
    throw new WebhookVerificationError(
      'payload',
      `the signed body is not a payhook event envelope {id, type, timestamp, data}: bad or missing ${wrong.join(', ')}` +
        ' (is this endpoint set to the "standard" format?)',
    );
  }
  // The payment fields are checked in the version the SDK's types describe; an event of another
  // version, or a thin one, is verified as an envelope and left to the reader (docs/versions.md).
  if (paymentTypes.has(e.type as string) && apiVersionOf(e) === SDK_API_VERSION && !isThinEvent(e)) {
    const problem = paymentDataProblem(e.data);
    if (problem) throw new WebhookVerificationError('payload', `${e.type as string} event: ${problem}`);
  }
  return parsed as PayhookEvent;
}
