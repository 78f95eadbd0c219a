/**
 * Prefixed, time-ordered ids: `evt_`, `ep_`, `del_`, `att_`, `mer_`, `key_`, `ord_`, `txn_`, `pb_`, `bnk_`,
 * `rsd_`, `re_`, `rpl_`, `era_`.
 *
 * The part after the prefix is 26 characters of Crockford base32: 48 bits of milliseconds, then 80
 * random bits (the ULID layout). Ids of one kind therefore sort by creation time, which lets every list
 * page with the id itself as the cursor, and a prefix makes an id of one kind impossible to pass where
 * another is expected without it showing.
 */
import { randomBytes } from 'node:crypto';

export type IdPrefix =
  | 'evt'
  | 'ep'
  | 'del'
  | 'att'
  | 'mer'
  | 'key'
  | 'ord'
  | 'txn'
  | 'pb'
  | 'bnk'
  | 'rsd'
  | 're'
  | 'rpl'
  | 'era';

/**
 * An id of one kind, as a type: `EventId` is any string starting `evt_`, so an endpoint id passed
 * where an event id is expected fails to compile. A value gets one of these types from `newId`, from
 * `isId` (a type guard), from a route schema that checked the prefix, or from the store.
 */
export type IdOf<P extends IdPrefix> = `${P}_${string}`;
export type EventId = IdOf<'evt'>;
export type EndpointId = IdOf<'ep'>;
export type DeliveryId = IdOf<'del'>;
export type AttemptId = IdOf<'att'>;
export type MerchantId = IdOf<'mer'>;
export type ApiKeyId = IdOf<'key'>;
export type OrderId = IdOf<'ord'>;
export type TransactionId = IdOf<'txn'>;
export type PaybackId = IdOf<'pb'>;
export type BankNotificationId = IdOf<'bnk'>;
/** A resend of an event (`POST /v1/events/{id}/resend`). */
export type ResendId = IdOf<'rsd'>;
export type RefundId = IdOf<'re'>;
/** A bulk replay of an endpoint's events (`POST /v1/endpoints/{id}/replay`). */
export type ReplayId = IdOf<'rpl'>;
/** An erasure of a customer's personal data (`POST /v1/erasures`). */
export type ErasureId = IdOf<'era'>;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
// Random bytes are drawn in blocks: one randomBytes() call per id cost ~1 µs of the ~3 µs an id took.
let pool = Buffer.alloc(0);
let poolOffset = 0;
let lastMs = 0;
let lastRandom = Buffer.alloc(10);

function nextRandom(ms: number): Buffer {
  // Monotonic within one millisecond: increment the previous random part, so ids made in the same
  // millisecond by this process still sort in creation order.
  if (ms === lastMs) {
    for (let i = 9; i >= 0; i--) {
      if (lastRandom[i] === 255) {
        lastRandom[i] = 0;
        continue;
      }
      lastRandom[i]++;
      break;
    }
    return lastRandom;
  }
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  lastRandom = Buffer.from(pool.subarray(poolOffset, poolOffset + 10));
  poolOffset += 10;
  lastMs = ms;
  return lastRandom;
}

/** The 26-character time-ordered body of an id for time `ms`. */
export function ulid(ms = Date.now()): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  const r = nextRandom(ms);
  // 80 bits -> 16 base32 characters, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | r[i];
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export function newId<P extends IdPrefix>(prefix: P, ms = Date.now()): IdOf<P> {
  return `${prefix}_${ulid(ms)}`;
}

const ID_RE = /^[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}$/;
/** True when `id` has the given prefix and a well-formed body. */
export function isId<P extends IdPrefix>(prefix: P, id: string): id is IdOf<P> {
  return id.startsWith(`${prefix}_`) && ID_RE.test(id);
}

/** The smallest id of a kind created at or after `ms`: a cursor for "since this time". */
export function idFloor<P extends IdPrefix>(prefix: P, ms: number): IdOf<P> {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${out}0000000000000000`;
}

// Crockford base32 digit values by character code (0 for anything else).
const DIGIT = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
const ID_BYTES = Buffer.alloc(16);

/**
 * The 128 bits of an id's body (48 bits of milliseconds, 80 random) as 32 lower-case hex digits: the
 * W3C trace id of an event that came with no trace context (tracing/traceparent.ts). Its first
 * character carries 3 bits (a body never starts above `7`), the other 25 carry 5 each.
 */
export function idHex(id: string): string {
  const start = id.indexOf('_') + 1;
  let acc = DIGIT[id.charCodeAt(start) & 127] & 7;
  let bits = 3;
  let n = 0;
  for (let i = start + 1; i < id.length && n < 16; i++) {
    acc = ((acc << 5) | DIGIT[id.charCodeAt(i) & 127]) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      ID_BYTES[n++] = acc >>> bits;
    }
  }
  return ID_BYTES.toString('hex', 0, 16);
}

/** The creation time (unix ms) an id carries in its first 10 characters after the prefix. */
export function idTime(id: string): number {
  const body = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  let ms = 0;
  for (const c of body) ms = ms * 32 + ALPHABET.indexOf(c);
  return ms;
}
