/**
 * What an erasure redacts, decided on the stored text alone (no database): which fields of an event
 * payload are a customer's personal data, whether an event is the subject's, and the redacted texts.
 *
 * Personal data is read from the payment payloads (payments/events.ts: `customer_email`,
 * `customer_mobile`), the Foloosi shape (`customer_email`, `customer_mobile` under `api`) and what
 * merchants commonly send in their own events: names, e-mails, phones, addresses (an object is redacted
 * whole) and card holders. `card_last_four` is not: payhook keeps no more of a card than that, and it
 * names no person.
 *
 * An event body is the exact envelope that was signed, written as the merchant sent it (numbers as
 * written), so it is not re-serialised: every personal value found is replaced where it stands, as the
 * JSON string token it is (`"a@b.example"` → `"[redacted]"`), and the result is parsed again to check
 * that nothing personal is left (a value written with escapes is then redacted by re-serialising, the
 * one case that does). Attempt response bodies are whatever the receiver answered (4 KiB at most, often
 * cut), so in them each value is replaced wherever it occurs, as written and JSON-escaped.
 */

export const REDACTED = '[redacted]';

/** A payload key that holds personal data (compared lower-cased). */
export function isPersonalKey(key: string): boolean {
  const k = key.toLowerCase();
  return (
    /e_?mail/.test(k) ||
    /mobile|phone/.test(k) ||
    /address|street|postcode|postal_code|zip_code/.test(k) ||
    /holder/.test(k) ||
    /^(name|customer_name|first_name|last_name|full_name|billing_name|shipping_name|customer)$/.test(k)
  );
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every string held under a personal key (an object or array under one: all its strings). */
export function personalValues(value: Json, under = false, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    if (under && value !== REDACTED && value.trim() !== '') out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) personalValues(v, under, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) personalValues(v, under || isPersonalKey(k), out);
  }
  return out;
}

/** Every string anywhere in the value. */
function strings(value: Json, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

function redactTree(value: Json, under = false): Json {
  if (typeof value === 'string') return under && value.trim() !== '' ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactTree(v, under));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactTree(v, under || isPersonalKey(k))]));
  }
  return value;
}

export type Subject = { kind: 'customer_email'; value: string } | { kind: 'order_id'; value: string };

/** The normalised subject: an e-mail trimmed and lower-cased, an order id as given. */
export function normalise(s: Subject): Subject {
  return s.kind === 'customer_email' ? { kind: s.kind, value: s.value.trim().toLowerCase() } : s;
}

function parse(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/**
 * Whether a stored event body is the subject's: its e-mail under a personal key (any case), or its
 * order id as any string value. Returns the personal values to redact, or null when it is not.
 */
export function matchEvent(body: string, subject: Subject): Set<string> | null {
  const tree = parse(body);
  if (tree === undefined) return null;
  const values = personalValues(tree);
  const s = normalise(subject);
  const matches =
    s.kind === 'customer_email'
      ? [...values].some((v) => v.trim().toLowerCase() === s.value)
      : strings(tree).includes(s.value);
  return matches ? values : null;
}

/** The event body with its personal values redacted (see the header); the same text when none. */
export function redactEventBody(body: string, values: ReadonlySet<string>): string {
  let out = body;
  for (const v of values) out = out.split(JSON.stringify(v)).join(JSON.stringify(REDACTED));
  const tree = parse(out);
  if (tree !== undefined && personalValues(tree).size > 0) return JSON.stringify(redactTree(tree));
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A receiver's response text with every personal value replaced wherever it occurs (case-insensitive),
 * as written and as it reads inside a JSON string. Values shorter than 3 characters are left: they
 * would match inside unrelated words.
 */
export function redactText(text: string, values: ReadonlySet<string>): string {
  let out = text;
  for (const v of values) {
    if (v.length < 3) continue;
    for (const form of new Set([v, JSON.stringify(v).slice(1, -1)])) {
      out = out.replace(new RegExp(escapeRegExp(form), 'gi'), REDACTED);
    }
  }
  return out;
}
