/** Row shapes of the SQLite tables and their mapping to the Store's records. */
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
  event_types: string | null;
  disabled: number;
  disabled_reason: EndpointDisabledReason | null;
  headers: string;
  format: string;
  api_version: string;
  payload_style: string;
  timeout_ms: number | null;
  ordered: number;
  ordering_on_failure: string;
  rate_limit?: number | null;
  rate_tat?: number;
  retry_schedule?: string | null;
  circuit_state?: CircuitState;
  circuit_failures?: number;
  circuit_opens?: number;
  circuit_next_probe_at?: number | null;
  failing_since?: number | null;
  created_at: number;
  updated_at: number;
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
  last_status_code: number | null;
  last_error: string | null;
  ordering_key: string | null;
  held: number;
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
  createdAt: Number(r.created_at),
});

/** `headers` is stored sealed: `box` opens it. */
export const toEndpoint = (r: EndpointRow, box: SecretBox): Endpoint => ({
  id: r.id,
  merchantId: r.merchant_id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types === null ? null : (JSON.parse(r.event_types) as string[]),
  disabled: Boolean(r.disabled),
  disabledReason: r.disabled_reason,
  headers: box.openHeaders(r.headers),
  format: r.format as PayloadFormat,
  apiVersion: r.api_version,
  payloadStyle: r.payload_style as PayloadStyle,
  timeoutMs: r.timeout_ms === null ? null : Number(r.timeout_ms),
  ordered: Boolean(r.ordered),
  orderingOnFailure: r.ordering_on_failure === 'hold' ? 'hold' : 'skip',
  rateLimit: r.rate_limit == null ? null : Number(r.rate_limit),
  retrySchedule: r.retry_schedule == null ? null : (JSON.parse(r.retry_schedule) as number[]),
  circuit: {
    state: r.circuit_state ?? 'closed',
    failingSince: r.failing_since == null ? null : Number(r.failing_since),
    nextProbeAt: r.circuit_next_probe_at == null ? null : Number(r.circuit_next_probe_at),
  },
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toEvent = (r: EventRow): EventRecord => ({
  id: r.id,
  merchantId: r.merchant_id,
  type: r.type,
  data: dataOfEnvelope(r.body),
  body: r.body,
  idempotencyKey: r.idempotency_key,
  orderingKey: r.ordering_key ?? null,
  createdAt: Number(r.created_at),
});

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  eventId: r.event_id,
  endpointId: r.endpoint_id,
  merchantId: r.merchant_id,
  eventType: r.event_type,
  status: r.status,
  attempts: Number(r.attempts),
  // A leased delivery's next_attempt_at is its lease end, an internal detail: show it as in flight (null).
  nextAttemptAt:
    r.status === 'pending' && r.lease_owner === null && r.next_attempt_at !== null ? Number(r.next_attempt_at) : null,
  lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
  lastError: r.last_error,
  orderingKey: r.ordering_key ?? null,
  held: Boolean(r.held),
  skippedAt: r.skipped_at === null || r.skipped_at === undefined ? null : Number(r.skipped_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toAttempt = (r: AttemptRow): Attempt => ({
  id: r.id,
  deliveryId: r.delivery_id,
  attemptNo: Number(r.attempt_no),
  startedAt: Number(r.started_at),
  durationMs: Number(r.duration_ms),
  statusCode: r.status_code === null ? null : Number(r.status_code),
  responseBody: r.response_body,
  errorClass: r.error_class,
  errorMessage: r.error_message,
  nextRetryAt: r.next_retry_at === null ? null : Number(r.next_retry_at),
});
