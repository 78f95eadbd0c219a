/**
 * A claim query's rows as the dispatcher's `ClaimedDelivery`s: the same mapping for both backends,
 * whose claim statements return the same columns.
 */
import { dataOfEnvelope } from './envelope.js';
import type { DeliveryId, EndpointId, EventId, MerchantId } from '../ids.js';
import type { SecretBox } from '../secrets/box.js';
import type { PayloadStyle } from '../events/thin.js';
import type { ClaimedDelivery, PayloadFormat } from './types.js';

export interface ClaimRow {
  id: DeliveryId;
  event_id: EventId;
  event_type: string;
  attempts: number;
  endpoint_id: EndpointId;
  merchant_id: MerchantId;
  body: string;
  event_created_at: number;
  url: string;
  headers: string;
  format: string;
  api_version: string;
  payload_style: string;
  timeout_ms: number | null;
  traceparent: string | null;
  ordering_key: string | null;
  /** JSON text on SQLite, an array on PostgreSQL. */
  retry_schedule: string | number[] | null;
  circuit_dirty: number | boolean;
}

/** An endpoint's columns in a claim, as a claim query returns them. */
export type EndpointColumns = Pick<
  ClaimRow,
  'url' | 'headers' | 'format' | 'api_version' | 'payload_style' | 'timeout_ms' | 'retry_schedule'
>;

/** The endpoint's part of a claimed delivery, made once a claim and shared by its deliveries. */
export type ClaimEndpoint = Pick<
  ClaimedDelivery,
  'url' | 'headers' | 'format' | 'apiVersion' | 'payloadStyle' | 'timeoutMs' | 'retrySchedule'
>;

/** An endpoint's columns opened: its sealed headers, its retry schedule parsed. */
export function claimEndpoint(r: EndpointColumns, box: SecretBox): ClaimEndpoint {
  return {
    url: r.url,
    headers: box.openHeaders(r.headers),
    format: r.format as PayloadFormat,
    apiVersion: r.api_version,
    payloadStyle: r.payload_style as PayloadStyle,
    timeoutMs: r.timeout_ms === null ? null : Number(r.timeout_ms),
    retrySchedule:
      r.retry_schedule === null
        ? null
        : typeof r.retry_schedule === 'string'
          ? (JSON.parse(r.retry_schedule) as number[])
          : r.retry_schedule.map(Number),
  };
}

/**
 * One claimed delivery from its own columns and its endpoint's part. Positional, for the SQLite claim,
 * which reads its rows as arrays (sqlite/deliveries.ts says why).
 */
export function claimedDelivery(
  ep: ClaimEndpoint,
  id: DeliveryId,
  eventId: EventId,
  eventType: string,
  eventCreatedAt: number,
  body: string,
  attempts: number,
  endpointId: EndpointId,
  merchantId: MerchantId,
  traceparent: string | null,
  orderingKey: string | null,
  circuitDirty: boolean,
): ClaimedDelivery {
  return {
    id,
    eventId,
    eventType,
    eventCreatedAt,
    // Only formats other than `standard` render from the data; the standard body is sent as stored.
    // and thin events read the object's id from it; a snapshot in `standard` is rendered from the body.
    data: ep.format === 'standard' && ep.payloadStyle !== 'thin' ? '' : dataOfEnvelope(body),
    body,
    attempts,
    endpointId,
    merchantId,
    url: ep.url,
    headers: ep.headers,
    format: ep.format,
    apiVersion: ep.apiVersion,
    payloadStyle: ep.payloadStyle,
    timeoutMs: ep.timeoutMs,
    traceparent,
    orderingKey,
    retrySchedule: ep.retrySchedule,
    circuitDirty,
  };
}

export function toClaimedDeliveries(rows: readonly ClaimRow[], box: SecretBox): ClaimedDelivery[] {
  // Endpoints repeat across a batch, with the same columns (one statement): open each once.
  const endpoints = new Map<string, ClaimEndpoint>();
  return rows.map((r) => {
    let ep = endpoints.get(r.endpoint_id);
    if (!ep) {
      ep = claimEndpoint(r, box);
      endpoints.set(r.endpoint_id, ep);
    }
    return claimedDelivery(
      ep,
      r.id,
      r.event_id,
      r.event_type,
      Number(r.event_created_at),
      r.body,
      Number(r.attempts),
      r.endpoint_id,
      r.merchant_id,
      r.traceparent,
      r.ordering_key ?? null,
      Boolean(r.circuit_dirty),
    );
  });
}

/**
 * The rate's tolerance in slots: the burst less one. The one kept back absorbs the time between a
 * claim and its request reaching the receiver (a queued claim, a new connection): a burst granted at
 * once but sent late would otherwise share a second with the next grants. So the busiest second a
 * receiver sees stays within rate + burst (test/suites/controls.ts counts it).
 */
export function rateTolerance(burst = 1): number {
  return Math.max(0, burst - 1);
}
