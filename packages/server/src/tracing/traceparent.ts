/**
 * W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/): reading the one a
 * request came with, and the one each webhook carries so that the merchant's tracing can join the
 * event's trace. Pure functions, used whether or not payhook exports spans (tracing.ts).
 *
 *   traceparent = version "-" trace-id "-" parent-id "-" trace-flags
 *                 00        32 hex       16 hex        2 hex (01: sampled)
 *
 * Every attempt at one event carries the event's trace id: the one the event was accepted in (stored
 * with it), or, for an event that came with none, one made from the event id itself (its 128 bits,
 * `idHex`), so retries hours apart still share one trace at the merchant with nothing stored.
 */
import { randomBytes } from 'node:crypto';
import { idHex, type EventId } from '../ids.js';

export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero. */
  spanId: string;
  /** The trace flags byte as 2 hex digits; `01` is sampled. */
  flags: string;
}

// Version 00 is exactly 55 characters; a later version may append fields, which a 00 reader ignores.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The context of a `traceparent` header, or null when it is absent or not valid (it is then ignored). */
export function parseTraceparent(value: string | string[] | undefined | null): TraceContext | null {
  if (typeof value !== 'string' || value.length < 55 || value.length > 512) return null;
  const m = TRACEPARENT.exec(value);
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, flags };
}

export function formatTraceparent(c: TraceContext): string {
  return `00-${c.traceId}-${c.spanId}-${c.flags}`;
}

/**
 * The context an event's attempts are children of: the stored one, or for an event accepted without
 * one, a context made from the event id (trace id: its 128 bits; parent id: its last 64, random) and
 * marked sampled, so a merchant whose tracing samples by its parent records the webhook.
 */
export function eventTraceContext(eventId: EventId, stored: string | null): TraceContext {
  const parsed = stored === null ? null : parseTraceparent(stored);
  if (parsed) return parsed;
  const traceId = idHex(eventId);
  return { traceId, spanId: traceId.slice(16), flags: '01' };
}

// Span ids are drawn from a block of random bytes, as ids.ts does for ids.
let pool = Buffer.alloc(0);
let offset = 0;

/** A new random span id (16 hex digits, not all zero). */
export function newSpanId(): string {
  if (offset + 8 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 8);
  offset += 8;
  return id === ZERO_SPAN ? newSpanId() : id;
}

/**
 * The `traceparent` of one attempt when payhook exports no spans: the event's trace and flags, and a
 * parent id of its own, so each attempt is a distinct parent at the merchant.
 */
export function attemptTraceparent(eventId: EventId, stored: string | null): string {
  // A stored value is one payhook wrote (`formatTraceparent`, or a span's own): only its parent id is
  // replaced, without parsing it again. Anything else is treated as absent.
  if (stored !== null && stored.length === 55 && stored.startsWith('00-'))
    return `${stored.slice(0, 36)}${newSpanId()}${stored.slice(52)}`;
  return `00-${idHex(eventId)}-${newSpanId()}-01`;
}
