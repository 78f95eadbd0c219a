/** Endpoints: validation of what a merchant may register, secrets and rotation. */
import { generateSecret } from '@payhook/sdk';
import { PayhookError } from '../errors.js';
import { newId, type EndpointId, type MerchantId } from '../ids.js';
import type { DestinationPolicy } from '../delivery/destinations.js';
import { isValidFilter } from '../events/filter.js';
import { FormatRegistry } from '../events/formats.js';
import { PAYLOAD_STYLES, type PayloadStyle } from '../events/thin.js';
import { checkApiVersion, LATEST_API_VERSION } from '../events/versions.js';
import type { Endpoint, EndpointPatch, EndpointSecret, Store } from '../store/types.js';

/** Checks an endpoint filter's exact types are known (events/event-types.ts `EventTypeRegistry.checkFilters`). */
export type FilterCheck = (merchantId: MerchantId, filters: readonly string[]) => Promise<void>;

/** Headers payhook sets itself; an endpoint's custom headers may not replace them. */
const RESERVED_HEADERS = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'traceparent', // the attempt's W3C trace context (delivery/attempt.ts)
  'content-type',
  'content-length',
  'user-agent',
  'host',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_URL_LENGTH = 2048;

/**
 * RFC 9110 §5.5 field-value: visible ASCII and obs-text (0x80-0xFF), with spaces and tabs allowed
 * inside but not at either end. Control characters (CR, LF, NUL and the rest) are refused here, at
 * registration, rather than failing every delivery later.
 */
export function isFieldValue(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the class names the allowed bytes; HTAB (\x09) is one of them.
  return /^(?:[\x21-\x7e\x80-\xff](?:[\x20\x09\x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/.test(value);
}

export interface EndpointInput {
  url?: unknown;
  description?: unknown;
  event_types?: unknown;
  disabled?: unknown;
  headers?: unknown;
  format?: unknown;
  api_version?: unknown;
  payload_style?: unknown;
  timeout_ms?: unknown;
  ordered?: unknown;
  ordering_on_failure?: unknown;
  rate_limit?: unknown;
  retry_schedule?: unknown;
}

/** The bounds of an endpoint's own retry schedule (docs/delivery.md#retry-schedule-per-endpoint). */
export const RETRY_SCHEDULE_BOUNDS = { minEntries: 1, maxEntries: 20, minMs: 1000, maxMs: 3 * 86_400_000 };
export const MAX_RATE_LIMIT = 10_000;
const DELAY_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** One delay of a retry schedule: whole seconds, or `30s`, `5m`, `2h`, `1d`; null when not one. */
function delayMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) ? v * 1000 : null;
  if (typeof v !== 'string') return null;
  const m = /^(\d{1,7})(s|m|h|d)$/.exec(v.trim());
  return m ? Number(m[1]) * DELAY_UNITS[m[2]] : null;
}

/** `retry_schedule` as given: null, or a list of delays within RETRY_SCHEDULE_BOUNDS, in ms. */
export function parseRetrySchedule(v: unknown): number[] | null {
  if (v === null) return null;
  const b = RETRY_SCHEDULE_BOUNDS;
  const bad = (why: string): never => {
    throw new PayhookError('invalid_retry_schedule', `retry_schedule: ${why}`, { field: 'retry_schedule' });
  };
  if (!Array.isArray(v) || v.length < b.minEntries || v.length > b.maxEntries)
    bad(`must be null or a list of ${b.minEntries} to ${b.maxEntries} delays`);
  return (v as unknown[]).map((d, i) => {
    const ms = delayMs(d);
    if (ms === null)
      bad(`entry ${i + 1} (${JSON.stringify(d)}) is not whole seconds or a duration such as "30s", "5m", "2h", "1d"`);
    if (ms! < b.minMs || ms! > b.maxMs) bad(`entry ${i + 1} (${JSON.stringify(d)}) is outside 1 second to 3 days`);
    return ms!;
  });
}

function fail(code: 'invalid_url' | 'validation_failed', message: string, field: string): never {
  throw new PayhookError(code, message, { field });
}

/**
 * An absolute http(s) URL without credentials. With `destinations`, an IP-literal URL in a refused range
 * is refused (`destination_not_allowed`, naming the range); a host name passes here and is checked
 * after DNS on every connection (delivery/http.ts).
 */
export function validateUrl(value: unknown, destinations?: DestinationPolicy): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_URL_LENGTH)
    fail('invalid_url', 'url must be an absolute http(s) URL of at most 2048 characters', 'url');
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    fail('invalid_url', 'url is not a valid absolute URL', 'url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail('invalid_url', 'url must use http or https', 'url');
  if (u.username || u.password) fail('invalid_url', 'url must not carry credentials; use custom headers', 'url');
  const verdict = destinations?.checkUrl(u.toString());
  if (verdict && !verdict.allowed) {
    throw new PayhookError(
      'destination_not_allowed',
      `url: ${verdict.reason}; payhook does not send webhooks there unless the operator allows it (PAYHOOK_ALLOW_NETWORKS)`,
      { field: 'url' },
    );
  }
  return u.toString();
}

/**
 * Validates the fields present in `input` (a create when `full`, otherwise a patch). `formats` is the
 * process's registry (`AppContext.formats`); without one, only `standard` is known.
 */
export function parseEndpointInput(
  input: EndpointInput,
  full: boolean,
  formats: FormatRegistry = new FormatRegistry(),
  defaultTimeoutMs: number | null = null,
  destinations?: DestinationPolicy,
): EndpointPatch {
  const patch: EndpointPatch = {};
  if (full || input.url !== undefined) patch.url = validateUrl(input.url, destinations);
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.length > 1024)
      fail('validation_failed', 'description must be a string of at most 1024 characters', 'description');
    patch.description = input.description;
  }
  if (input.event_types !== undefined) {
    const t = input.event_types;
    if (t === null) patch.eventTypes = null;
    else {
      if (!Array.isArray(t) || t.length === 0 || t.length > 100)
        fail('validation_failed', 'event_types must be null or a list of 1 to 100 names', 'event_types');
      for (const e of t)
        if (typeof e !== 'string' || !isValidFilter(e))
          fail(
            'validation_failed',
            `event_types: "${String(e)}" is not an event type or a prefix.* wildcard`,
            'event_types',
          );
      patch.eventTypes = [...new Set(t as string[])];
    }
  }
  if (input.disabled !== undefined) {
    if (typeof input.disabled !== 'boolean') fail('validation_failed', 'disabled must be true or false', 'disabled');
    patch.disabled = input.disabled;
  }
  if (input.headers !== undefined) {
    const h = input.headers;
    if (h === null || typeof h !== 'object' || Array.isArray(h))
      fail('validation_failed', 'headers must be an object of strings', 'headers');
    const out: Record<string, string> = {};
    const entries = Object.entries(h as Record<string, unknown>);
    if (entries.length > 20) fail('validation_failed', 'at most 20 custom headers', 'headers');
    for (const [k, v] of entries) {
      const name = k.toLowerCase();
      if (!HEADER_NAME_RE.test(k)) fail('validation_failed', `headers: "${k}" is not a valid header name`, 'headers');
      if (RESERVED_HEADERS.has(name) || name.startsWith('webhook-'))
        fail('validation_failed', `headers: "${k}" is set by payhook and cannot be replaced`, 'headers');
      if (typeof v !== 'string' || v.length > 4096 || !isFieldValue(v))
        fail(
          'validation_failed',
          `headers: "${k}" must be a header value (RFC 9110: visible characters, spaces and tabs inside, at most 4096)`,
          'headers',
        );
      out[name] = v;
    }
    patch.headers = out;
  }
  if (input.format !== undefined) {
    if (typeof input.format !== 'string' || !formats.has(input.format))
      fail('validation_failed', `format must be one of ${formats.names().join(', ')}`, 'format');
    patch.format = input.format;
  }
  if (input.api_version !== undefined) patch.apiVersion = checkApiVersion(input.api_version);
  if (input.payload_style !== undefined) {
    if (!(PAYLOAD_STYLES as readonly unknown[]).includes(input.payload_style))
      fail('validation_failed', `payload_style must be one of ${PAYLOAD_STYLES.join(', ')}`, 'payload_style');
    patch.payloadStyle = input.payload_style as PayloadStyle;
  }
  if (input.timeout_ms !== undefined) {
    const t = input.timeout_ms;
    if (t !== null && (typeof t !== 'number' || !Number.isInteger(t) || t < 1000 || t > 30_000))
      fail('validation_failed', 'timeout_ms must be null or a whole number from 1000 to 30000', 'timeout_ms');
    patch.timeoutMs = t as number | null;
  } else if (full) patch.timeoutMs = defaultTimeoutMs;
  if (input.ordered !== undefined) {
    if (typeof input.ordered !== 'boolean') fail('validation_failed', 'ordered must be true or false', 'ordered');
    patch.ordered = input.ordered;
  }
  if (input.ordering_on_failure !== undefined) {
    if (input.ordering_on_failure !== 'skip' && input.ordering_on_failure !== 'hold')
      fail('validation_failed', 'ordering_on_failure must be skip or hold', 'ordering_on_failure');
    patch.orderingOnFailure = input.ordering_on_failure;
  }
  if (input.rate_limit !== undefined) {
    const r = input.rate_limit;
    if (r !== null && (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > MAX_RATE_LIMIT))
      throw new PayhookError('invalid_rate_limit', undefined, { field: 'rate_limit' });
    patch.rateLimit = r as number | null;
  }
  if (input.retry_schedule !== undefined) patch.retrySchedule = parseRetrySchedule(input.retry_schedule);
  return patch;
}

/**
 * Thin events are payhook's envelope with a reference for data; another format is a provider's fixed
 * shape with no place for one, so the two do not combine.
 */
function checkStyle(format: string, style: PayloadStyle): void {
  if (style === 'thin' && format !== 'standard')
    throw new PayhookError('thin_needs_standard_format', undefined, { field: 'payload_style', format });
}

/** Registers an endpoint; with `maxPerMerchant`, refused (`endpoint_quota_exceeded`) when the merchant has that many. */
export async function createEndpoint(
  store: Store,
  merchantId: MerchantId,
  input: EndpointInput,
  now = Date.now(),
  options: {
    formats?: FormatRegistry;
    maxPerMerchant?: number;
    destinations?: DestinationPolicy;
    checkFilters?: FilterCheck;
  } = {},
): Promise<{ endpoint: Endpoint; secret: string }> {
  const p = parseEndpointInput(input, true, options.formats, null, options.destinations);
  checkStyle(p.format ?? 'standard', p.payloadStyle ?? 'snapshot');
  if (p.eventTypes && options.checkFilters) await options.checkFilters(merchantId, p.eventTypes);
  const secret = generateSecret();
  const endpoint = await store.createEndpoint({
    id: newId('ep', now),
    merchantId,
    url: p.url!,
    description: p.description ?? '',
    eventTypes: p.eventTypes ?? null,
    disabled: p.disabled ?? false,
    headers: p.headers ?? {},
    format: p.format ?? 'standard',
    // A new endpoint gets the latest event version unless it names one (existing ones kept the oldest).
    apiVersion: p.apiVersion ?? LATEST_API_VERSION,
    payloadStyle: p.payloadStyle ?? 'snapshot',
    timeoutMs: p.timeoutMs ?? null,
    ordered: p.ordered ?? false,
    orderingOnFailure: p.orderingOnFailure ?? 'skip',
    rateLimit: p.rateLimit ?? null,
    retrySchedule: p.retrySchedule ?? null,
    secret,
    now,
    maxPerMerchant: options.maxPerMerchant,
  });
  return { endpoint, secret };
}

export async function updateEndpoint(
  store: Store,
  merchantId: MerchantId,
  id: EndpointId,
  input: EndpointInput,
  now = Date.now(),
  options: { formats?: FormatRegistry; destinations?: DestinationPolicy; checkFilters?: FilterCheck } = {},
): Promise<Endpoint> {
  const patch = parseEndpointInput(input, false, options.formats, null, options.destinations);
  if (patch.eventTypes && options.checkFilters) await options.checkFilters(merchantId, patch.eventTypes);
  if (patch.format !== undefined || patch.payloadStyle !== undefined) {
    const current = await store.getEndpoint(merchantId, id);
    if (!current) throw new PayhookError('endpoint_not_found');
    checkStyle(patch.format ?? current.format, patch.payloadStyle ?? current.payloadStyle);
  }
  const ep = await store.updateEndpoint(merchantId, id, patch, now);
  if (!ep) throw new PayhookError('endpoint_not_found');
  return ep;
}

/** Makes a new current secret; the previous one keeps signing for `overlapMs`. */
export async function rotateSecret(
  store: Store,
  merchantId: MerchantId,
  id: EndpointId,
  overlapMs: number,
  now = Date.now(),
): Promise<string> {
  const secret = generateSecret();
  if (!(await store.rotateSecret(merchantId, id, secret, now, now + overlapMs)))
    throw new PayhookError('endpoint_not_found');
  return secret;
}

export async function getSecrets(
  store: Store,
  merchantId: MerchantId,
  id: EndpointId,
  now = Date.now(),
): Promise<{ current: string; previous: EndpointSecret[] }> {
  if (!(await store.getEndpoint(merchantId, id))) throw new PayhookError('endpoint_not_found');
  const secrets = await store.getSigningSecrets(id, now);
  const current = secrets.find((s) => s.expiresAt === null);
  if (!current) throw new PayhookError('internal_error', 'endpoint has no current secret');
  return { current: current.secret, previous: secrets.filter((s) => s.expiresAt !== null) };
}
