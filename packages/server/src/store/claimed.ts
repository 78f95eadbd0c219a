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

export function toClaimedDeliveries(rows: readonly ClaimRow[], box: SecretBox): ClaimedDelivery[] {
  // Endpoints repeat across a batch: open each distinct (sealed) headers text once.
  const headerCache = new Map<string, Record<string, string>>();
  return rows.map((r) => {
    let headers = headerCache.get(r.headers);
    if (!headers) {
      headers = box.openHeaders(r.headers);
      headerCache.set(r.headers, headers);
    }
    return {
      id: r.id,
      eventId: r.event_id,
      eventType: r.event_type,
      eventCreatedAt: Number(r.event_created_at),
      // Only formats other than `standard` render from the data; the standard body is sent as stored.
      // and thin events read the object's id from it; a snapshot in `standard` is rendered from the body.
      data: r.format === 'standard' && r.payload_style !== 'thin' ? '' : dataOfEnvelope(r.body),
      body: r.body,
      attempts: Number(r.attempts),
      endpointId: r.endpoint_id,
      merchantId: r.merchant_id,
      url: r.url,
      headers,
      format: r.format as PayloadFormat,
      apiVersion: r.api_version,
      payloadStyle: r.payload_style as PayloadStyle,
      timeoutMs: r.timeout_ms === null ? null : Number(r.timeout_ms),
      traceparent: r.traceparent,
      orderingKey: r.ordering_key ?? null,
      retrySchedule:
        r.retry_schedule === null
          ? null
          : typeof r.retry_schedule === 'string'
            ? (JSON.parse(r.retry_schedule) as number[])
            : r.retry_schedule.map(Number),
      circuitDirty: Boolean(r.circuit_dirty),
    };
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
