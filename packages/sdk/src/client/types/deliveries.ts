/**
 * The API's JSON shapes of deliveries and their attempts (conventions in ./common.ts).
 */
import type { ListParams } from './common.js';

/**
 * Status of a delivery of one event to one endpoint.
 *
 * @example
 * await client.deliveries.list({ status: 'failed' as DeliveryStatus });
 */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/**
 * One event's delivery to one endpoint.
 *
 * @example
 * const d: Delivery = (await client.deliveries.list({ event_id })).data[0];
 */
export interface Delivery {
  id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  event_id: string;
  endpoint_id: string;
  event_type: string;
  status: DeliveryStatus;
  /** How many attempts were made. */
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  ordering_key: string | null;
  /** A failed delivery that keeps its ordering key blocked until it is retried or skipped. */
  held: boolean;
  skipped_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Why an attempt failed (`null` on an attempt that succeeded): no answer in time, the name did not
 * resolve, the connection was refused or reset, TLS failed, a non-2xx status, a redirect (never
 * followed), an invalid URL, an address payhook may not call, or anything else.
 *
 * @example
 * const timedOut = detail.attempts.filter((a) => a.error_class === ('timeout' as AttemptErrorClass));
 */
export type AttemptErrorClass =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http_status'
  | 'redirect'
  | 'invalid_url'
  | 'blocked'
  | 'unknown';

/**
 * One HTTP try of a delivery.
 *
 * @example
 * for (const a of (await client.deliveries.get(id)).attempts) console.log(a.status_code);
 */
export interface Attempt {
  id: string;
  /** 1 for the first try. */
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error_class: AttemptErrorClass | null;
  error_message: string | null;
  next_retry_at: string | null;
}

/**
 * A delivery with its attempts, as `deliveries.get` returns it.
 *
 * @example
 * const d: DeliveryDetail = await client.deliveries.get('del_01J…');
 */
export interface DeliveryDetail extends Delivery {
  attempts: Attempt[];
}

/**
 * Filters of `deliveries.list`.
 *
 * @example
 * await client.deliveries.list({ endpoint_id: 'ep_01J…', status: 'failed' });
 */
export interface DeliveryListParams extends ListParams {
  endpoint_id?: string;
  event_id?: string;
  status?: DeliveryStatus;
}
