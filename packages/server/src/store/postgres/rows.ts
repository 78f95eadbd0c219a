/**
 * Row shapes of the PostgreSQL tables and their mapping to the Store's records. Unlike SQLite's, the
 * driver already hands back booleans, `text[]` as arrays, jsonb as objects and (with db.ts's parser)
 * bigint as numbers.
 */
import type { SecretBox } from '../../secrets/box.js';
import { dataOfEnvelope } from '../envelope.js';
import type { PayloadStyle } from '../../events/thin.js';
import type { AttemptId, DeliveryId, EndpointId, EventId, MerchantId } from '../../ids.js';
import type {
  Attempt,
  CircuitState,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EndpointDisabledReason,
  ErrorClass,
  EventRecord,
  Merchant,
  PayloadFormat,
} from '../types.js';

export interface EndpointRow {
  id: EndpointId;
  merchant_id: MerchantId;
  url: string;
  description: string;
  event_types: string[] | null;
  disabled: boolean;
  disabled_reason: EndpointDisabledReason | null;
  headers: unknown;
  format: string;
  api_version: string;
  payload_style: string;
  timeout_ms: number | null;
  ordered: boolean;
  ordering_on_failure: string;
  rate_limit?: number | null;
  rate_tat?: number;
  retry_schedule?: number[] | null;
  circuit_state?: CircuitState;
  circuit_failures?: number;
  circuit_opens?: number;
  circuit_next_probe_at?: number | null;
  failing_since?: number | null;
  created_at: number;
  updated_at: number;
  deleted_at?: number | null;
}
export interface EventRow {
  id: EventId;
  merchant_id: MerchantId;
  type: string;
  body: string;
  idempotency_key: string | null;
  ordering_key: string | null;
  created_at: number;
}
export interface DeliveryRow {
  id: DeliveryId;
  event_id: EventId;
  endpoint_id: EndpointId;
  merchant_id: MerchantId;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  /** The lease end while leased (migration 0019); next_attempt_at then stays the time it became due. */
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  ordering_key: string | null;
  held: boolean;
  skipped_at: number | null;
  created_at: number;
  updated_at: number;
}
export interface AttemptRow {
  id: AttemptId;
  delivery_id: DeliveryId;
  attempt_no: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error_class: ErrorClass | null;
  error_message: string | null;
  next_retry_at: number | null;
}

export const toMerchant = (r: { id: MerchantId; name: string; created_at: number }): Merchant => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
});

/** `headers` is stored sealed: `box` opens it. */
export const toEndpoint = (r: EndpointRow, box: SecretBox): Endpoint => ({
  id: r.id,
  merchantId: r.merchant_id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  disabled: r.disabled,
  disabledReason: r.disabled_reason,
  headers: box.openHeaders(r.headers),
  format: r.format as PayloadFormat,
  apiVersion: r.api_version,
  payloadStyle: r.payload_style as PayloadStyle,
  timeoutMs: r.timeout_ms,
  ordered: Boolean(r.ordered),
  orderingOnFailure: r.ordering_on_failure === 'hold' ? 'hold' : 'skip',
  rateLimit: r.rate_limit ?? null,
  retrySchedule: r.retry_schedule == null ? null : r.retry_schedule.map(Number),
  circuit: {
    state: r.circuit_state ?? 'closed',
    failingSince: r.failing_since == null ? null : Number(r.failing_since),
    nextProbeAt: r.circuit_next_probe_at == null ? null : Number(r.circuit_next_probe_at),
  },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toEvent = (r: EventRow): EventRecord => ({
  id: r.id,
  merchantId: r.merchant_id,
  type: r.type,
  data: dataOfEnvelope(r.body),
  body: r.body,
  idempotencyKey: r.idempotency_key,
  orderingKey: r.ordering_key ?? null,
  createdAt: r.created_at,
});

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  eventId: r.event_id,
  endpointId: r.endpoint_id,
  merchantId: r.merchant_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  // A leased delivery is in flight: no next attempt to show (null) until its result or its lease's end.
  nextAttemptAt: r.status === 'pending' && r.lease_owner === null ? r.next_attempt_at : null,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  orderingKey: r.ordering_key ?? null,
  held: Boolean(r.held),
  skippedAt: r.skipped_at ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toAttempt = (r: AttemptRow): Attempt => ({
  id: r.id,
  deliveryId: r.delivery_id,
  attemptNo: r.attempt_no,
  startedAt: r.started_at,
  durationMs: r.duration_ms,
  statusCode: r.status_code,
  responseBody: r.response_body,
  errorClass: r.error_class,
  errorMessage: r.error_message,
  nextRetryAt: r.next_retry_at,
});
