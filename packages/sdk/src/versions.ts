/**
 * Event versions as a receiver sees them (the server's table: docs/versions.md). An endpoint receives
 * events in its `api_version`; from `2026-12-05` on the envelope names it (`api_version`), and an
 * envelope without one is the first version, `2026-11-27`.
 *
 * The SDK's typed payment events (`PaymentEvent`, `isPaymentEvent`) describe one version,
 * `SDK_API_VERSION`; on an event of another they throw `ApiVersionMismatchError` naming both, rather
 * than misreading a field whose shape changed (an amount that became an object). The ordering helper
 * reads only `order_id` and `sequence`, which no version has changed.
 */

/**
 * Every event version this SDK knows, oldest first.
 *
 * @example
 * API_VERSIONS.includes(endpoint.api_version as ApiVersion);
 */
export const API_VERSIONS = ['2026-11-27', '2026-12-05'] as const;
/**
 * One of `API_VERSIONS`.
 *
 * @example
 * const pinned: ApiVersion = '2026-11-27';
 */
export type ApiVersion = (typeof API_VERSIONS)[number];

/**
 * The version the SDK's typed payment events are built for: create the endpoints they read with it.
 *
 * @example
 * await client.endpoints.create({ url, api_version: SDK_API_VERSION });
 */
export const SDK_API_VERSION: ApiVersion = '2026-11-27';

/**
 * The version an event was rendered in: its envelope's `api_version`, or `2026-11-27` when it has none.
 *
 * @example
 * if (apiVersionOf(event) !== SDK_API_VERSION) console.warn('endpoint is on another version');
 */
export function apiVersionOf(event: { api_version?: unknown }): string {
  return typeof event.api_version === 'string' ? event.api_version : API_VERSIONS[0];
}

/**
 * A typed helper met an event of another version than the one it was built for.
 *
 * @example
 * try { isPaymentEvent(event); } catch (err) { if (err instanceof ApiVersionMismatchError) console.log(err.eventVersion); }
 */
export class ApiVersionMismatchError extends Error {
  readonly eventVersion: string;
  readonly sdkVersion: string;
  constructor(eventVersion: string, helper: string) {
    const reads = helper === 'amountOf' ? API_VERSIONS.join(' and ') : SDK_API_VERSION;
    super(
      `${helper} reads events of api version ${reads}, but this event is in ${eventVersion}: ` +
        `set the endpoint's api_version to ${SDK_API_VERSION} (PATCH /v1/endpoints/{id}), or read event.data as ${eventVersion} shapes it (docs/versions.md)`,
    );
    this.name = 'ApiVersionMismatchError';
    this.eventVersion = eventVersion;
    this.sdkVersion = SDK_API_VERSION;
  }
}

/**
 * What a thin event's `data` is: the object the event is about, to fetch through the API.
 *
 * @example
 * const ref: ThinEventData = { object: 'order', id: 'ord_01J…', url: '/v1/orders/ord_01J…' };
 */
export interface ThinEventData {
  /** `order`, `transaction`, `refund`, or `event` for an event about itself. */
  object: string;
  id: string;
  /** The API path that reads it (`/v1/orders/ord_…`). */
  url: string;
}

/**
 * True when the event is thin (its endpoint has `payload_style: "thin"`): `data` names an object.
 *
 * @example
 * if (isThinEvent(event)) { const order = await client.fetchRelated(event); }
 */
export function isThinEvent(event: { data?: unknown } | null | undefined): event is { data: ThinEventData } & {
  id: string;
  type: string;
} {
  const d = event?.data as Record<string, unknown> | null | undefined;
  if (!d || typeof d !== 'object') return false;
  const keys = Object.keys(d);
  return (
    keys.length === 3 &&
    typeof d.object === 'string' &&
    typeof d.id === 'string' &&
    typeof d.url === 'string' &&
    d.url.startsWith('/v1/')
  );
}

/**
 * An amount as `2026-12-05` writes it, and as `amountOf` reads it from any version.
 *
 * @example
 * const m: Money = { value: '100.50', minor: 10050, currency: 'AED' };
 */
export interface Money {
  /** The exact decimal, with the currency's decimal places. */
  value: string;
  /** Integer minor units. */
  minor: number;
  currency: string;
}

/**
 * An event's `data.amount` (or another money field: `amount_refunded`) read the same way in every
 * version this SDK knows: `2026-11-27`'s `amount` + `amount_decimal` + `currency`, or `2026-12-05`'s
 * object. Helps a receiver through a version switch; a version it does not know throws
 * `ApiVersionMismatchError`, and a field that is not there returns `null`.
 *
 * @example
 * const { value, currency } = amountOf(event) ?? { value: '?', currency: '' };
 */
export function amountOf(event: { api_version?: unknown; data?: unknown }, field = 'amount'): Money | null {
  const version = apiVersionOf(event);
  if (!(API_VERSIONS as readonly string[]).includes(version)) throw new ApiVersionMismatchError(version, 'amountOf');
  const d = (event.data ?? {}) as Record<string, unknown>;
  const v = d[field];
  if (version === API_VERSIONS[0]) {
    const dec = d[`${field}_decimal`];
    return Number.isSafeInteger(v) && typeof dec === 'string' && typeof d.currency === 'string'
      ? { value: dec, minor: v as number, currency: d.currency }
      : null;
  }
  const m = v as Partial<Money> | null | undefined;
  return m &&
    typeof m === 'object' &&
    typeof m.value === 'string' &&
    Number.isSafeInteger(m.minor) &&
    typeof m.currency === 'string'
    ? { value: m.value, minor: m.minor as number, currency: m.currency }
    : null;
}
