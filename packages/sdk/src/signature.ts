/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/).
 *
 * The signed content is `${id}.${timestamp}.${body}`; `v1` signatures are HMAC-SHA256 under the
 * base64-decoded part of a `whsec_` secret, `v1a` signatures are ed25519 under a `whsk_` seed
 * (verified with the matching `whpk_` public key). A `webhook-signature` header holds one or more
 * space-separated `version,base64` entries so that a sender can sign with several secrets during a
 * rotation; a receiver accepts the message when any entry matches any of its secrets.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as edSign,
  timingSafeEqual,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { WebhookVerificationError } from './errors.js';

const SECRET_PREFIX = 'whsec_';
const SIGNING_KEY_PREFIX = 'whsk_';
const PUBLIC_KEY_PREFIX = 'whpk_';
/** At most this many `webhook-signature` entries are examined. */
const MAX_SIGNATURES = 16;
/**
 * Default tolerance between the sender's timestamp and the receiver's clock, in seconds (5 minutes).
 *
 * @example
 * verify(rawBody, headers, secret, { toleranceSeconds: 2 * DEFAULT_TOLERANCE_SECONDS });
 */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/**
 * Creates a new `whsec_` secret of 32 random bytes.
 *
 * @example
 * const secret = generateSecret(); // 'whsec_3q2+7w...'
 */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * Decodes a `whsec_` secret (the prefix is optional) into the HMAC key bytes.
 *
 * @example
 * const key = decodeSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
 */
export function decodeSecret(secret: string): Buffer {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(raw, 'base64');
  if (key.length === 0) throw new TypeError('webhook secret is empty or not base64');
  return key;
}

function ed25519PrivateKey(secret: string): KeyObject {
  const seed = Buffer.from(secret.slice(SIGNING_KEY_PREFIX.length), 'base64');
  if (seed.length !== 32) throw new TypeError('a whsk_ signing key must hold a 32-byte ed25519 seed');
  // PKCS#8 wrapping of a raw ed25519 seed (RFC 8410): fixed 16-byte prefix, then the seed.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

function ed25519PublicKey(publicKey: string): KeyObject {
  const raw = Buffer.from(publicKey.slice(PUBLIC_KEY_PREFIX.length), 'base64');
  if (raw.length !== 32) throw new TypeError('a whpk_ public key must hold 32 bytes');
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/**
 * The `whpk_` public key that verifies `v1a` signatures made with a `whsk_` signing key.
 *
 * @example
 * const pub = publicKeyFor('whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=');
 */
export function publicKeyFor(signingKey: string): string {
  const jwk = createPublicKey(ed25519PrivateKey(signingKey)).export({ format: 'jwk' }) as { x: string };
  return PUBLIC_KEY_PREFIX + Buffer.from(jwk.x, 'base64url').toString('base64');
}

/**
 * A raw webhook body: the exact bytes received, as a string, bytes or an `ArrayBuffer`.
 *
 * @example
 * const body: RawBody = await request.arrayBuffer();
 */
export type RawBody = string | Uint8Array | ArrayBuffer;

function toBuffer(payload: RawBody): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof ArrayBuffer) return Buffer.from(payload);
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** True for what `verify` accepts as a body; anything else was most likely parsed by a framework. */
export function isRawBody(value: unknown): value is RawBody {
  return typeof value === 'string' || value instanceof Uint8Array || value instanceof ArrayBuffer;
}

/** The error for a body that is not raw, with the fix spelled out: this is the most common integration bug. */
export function bodyTypeError(value: unknown, hint = ''): WebhookVerificationError {
  const kind =
    value === null ? 'null' : value === undefined ? 'undefined' : Array.isArray(value) ? 'array' : typeof value;
  return new WebhookVerificationError(
    'body_type',
    `the webhook body must be the raw request body (a string or bytes), but it was handed over as ${kind === 'object' ? 'a parsed object' : kind}. ` +
      "A body that a framework parsed (express.json(), Fastify's JSON parser, request.json()) and re-serialised " +
      'does not have the bytes that were signed, so it cannot be verified' +
      (hint ? `. ${hint}` : '. Pass the raw body instead.'),
  );
}

/**
 * What `sign` signs: the message id, its unix timestamp in seconds, and the exact body.
 *
 * @example
 * const input: SignInput = { secret: generateSecret(), id: 'evt_1', timestamp: 1614265330, payload: '{}' };
 */
export interface SignInput {
  /** A `whsec_` secret (HMAC, `v1`) or a `whsk_` key (ed25519, `v1a`). */
  secret: string;
  id: string;
  /** Unix time in seconds. */
  timestamp: number;
  payload: RawBody;
}

/**
 * Signs one message; returns a single `webhook-signature` entry (`v1,…` or `v1a,…`).
 *
 * @example
 * const sig = sign({ secret, id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), payload: body });
 * // headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': sig }
 */
export function sign(input: SignInput): string {
  const { secret, id, timestamp, payload } = input;
  if (!Number.isSafeInteger(timestamp)) throw new TypeError('timestamp must be whole unix seconds');
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), toBuffer(payload)]);
  if (secret.startsWith(SIGNING_KEY_PREFIX)) {
    return `v1a,${edSign(null, content, ed25519PrivateKey(secret)).toString('base64')}`;
  }
  return `v1,${createHmac('sha256', decodeSecret(secret)).update(content).digest('base64')}`;
}

/**
 * Headers as Node gives them (`IncomingHttpHeaders`), a fetch `Headers`, or a plain record.
 *
 * @example
 * const headers: HeaderSource = new Headers({ 'webhook-id': 'evt_1' });
 */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/**
 * Reads one header, case-insensitively, from Node's `req.headers`, a fetch `Headers` or a plain record.
 * A header sent several times (an array in Node) is joined with spaces, which is how several
 * `webhook-signature` entries combine.
 *
 * @example
 * const id = readHeader(req.headers, 'webhook-id'); // string | undefined
 */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const wanted = name.toLowerCase();
    for (const key of Object.keys(record))
      if (key.toLowerCase() === wanted) {
        value = record[key];
        break;
      }
  }
  return Array.isArray(value) ? value.join(' ') : value;
}

/**
 * Options of `verifySignature` and `verify`.
 *
 * @example
 * const options: VerifySignatureOptions = { toleranceSeconds: 600, now: Math.floor(Date.now() / 1000) };
 */
export interface VerifySignatureOptions {
  /** Seconds of clock difference accepted either way; default 300. */
  toleranceSeconds?: number;
  /** The receiver's clock in unix seconds; defaults to now. For tests. */
  now?: number;
}

/**
 * Checks the `webhook-*` headers of a raw body against one or several secrets (`whsec_…` for `v1`,
 * `whpk_…` for `v1a`). Returns the message id and timestamp, or throws a `WebhookVerificationError`.
 * It does not parse the body: `verify` in this package does that and returns a typed event.
 *
 * @example
 * const { id } = verifySignature(rawBody, req.headers, [newSecret, oldSecret]);
 */
export function verifySignature(
  payload: RawBody,
  headers: HeaderSource,
  secrets: string | readonly string[],
  options: VerifySignatureOptions = {},
): { id: string; timestamp: number } {
  if (!isRawBody(payload)) throw bodyTypeError(payload);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!(tolerance >= 0)) throw new TypeError('toleranceSeconds must be a number >= 0');
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('verify needs at least one secret');
  const id = readHeader(headers, 'webhook-id');
  const ts = readHeader(headers, 'webhook-timestamp');
  const sigHeader = readHeader(headers, 'webhook-signature');
  if (!id || !ts || !sigHeader) {
    const missing = [!id && 'webhook-id', !ts && 'webhook-timestamp', !sigHeader && 'webhook-signature'].filter(
      Boolean,
    );
    throw new WebhookVerificationError('headers', `missing required header(s): ${missing.join(', ')}`);
  }
  if (!/^\d{1,15}$/.test(ts)) throw new WebhookVerificationError('timestamp', 'webhook-timestamp is not unix seconds');
  const timestamp = Number(ts);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp',
      `webhook-timestamp is more than ${tolerance}s from the receiver's clock`,
    );
  }
  const content = Buffer.concat([Buffer.from(`${id}.${ts}.`, 'utf8'), toBuffer(payload)]);
  // A sender signing with many secrets is legitimate during a rotation, but a header with hundreds of
  // entries is not: cap the work an unauthenticated request can cause.
  const offered = sigHeader
    .split(' ')
    .filter(Boolean)
    .slice(0, MAX_SIGNATURES)
    .map((entry) => {
      const comma = entry.indexOf(',');
      return comma < 0 ? { version: '', value: '' } : { version: entry.slice(0, comma), value: entry.slice(comma + 1) };
    });
  for (const secret of list) {
    if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
      const key = ed25519PublicKey(secret);
      for (const o of offered) {
        if (o.version !== 'v1a') continue;
        const sig = Buffer.from(o.value, 'base64');
        if (sig.length === 64 && edVerify(null, content, key, sig)) return { id, timestamp };
      }
      continue;
    }
    // Compare the base64 text, not decoded bytes: Node's base64 decoder skips characters it does not
    // know, so decoding first would accept a mangled signature that happens to decode to the same bytes.
    const expected = Buffer.from(createHmac('sha256', decodeSecret(secret)).update(content).digest('base64'), 'utf8');
    for (const o of offered) {
      if (o.version !== 'v1') continue;
      const sig = Buffer.from(o.value, 'utf8');
      if (sig.length === expected.length && timingSafeEqual(sig, expected)) return { id, timestamp };
    }
  }
  throw new WebhookVerificationError('signature', 'no signature in webhook-signature matches the given secret(s)');
}
