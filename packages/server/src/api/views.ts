/**
 * Store records as the API shows them: snake_case, ISO 8601 times, ids as they are. One function a
 * resource, so every route shows a resource the same way.
 */
import { renderDataVersion } from '../events/versions.js';
import { isLiveScope, merchantOfScope, ownerFields } from '../modes.js';
import type {
  ApiKeyRecord,
  Attempt,
  Delivery,
  Endpoint,
  EndpointSecret,
  EventRecord,
  Merchant,
  Page,
  Replay,
} from '../store/types.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function merchantView(m: Merchant) {
  return { id: m.id, name: m.name, created_at: iso(m.createdAt) };
}

export function endpointView(e: Endpoint) {
  return {
    id: e.id,
    ...ownerFields(e.merchantId),
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    disabled: e.disabled,
    disabled_reason: e.disabledReason,
    headers: e.headers,
    format: e.format,
    api_version: e.apiVersion,
    payload_style: e.payloadStyle,
    timeout_ms: e.timeoutMs,
    ordered: e.ordered,
    ordering_on_failure: e.orderingOnFailure,
    rate_limit: e.rateLimit,
    retry_schedule: e.retrySchedule === null ? null : e.retrySchedule.map((ms) => ms / 1000),
    circuit: {
      state: e.circuit.state,
      failing_since: e.circuit.failingSince === null ? null : iso(e.circuit.failingSince),
      next_probe_at: e.circuit.nextProbeAt === null ? null : iso(e.circuit.nextProbeAt),
    },
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

/**
 * An event as JSON text. The event's `data` is stored as JSON text already; splicing it in (ids, types
 * and times need no escaping beyond what JSON.stringify gives them) saves parsing and re-serialising
 * it on the ingest path, and shows the data exactly as stored.
 */
export function eventJson(e: EventRecord, apiVersion?: string): string {
  const data = apiVersion === undefined ? e.data : renderDataVersion(e.data, apiVersion);
  const version = apiVersion === undefined ? '' : `"api_version":"${apiVersion}",`;
  return (
    `{"id":"${e.id}","merchant_id":"${merchantOfScope(e.merchantId)}","livemode":${isLiveScope(e.merchantId)},"type":${JSON.stringify(e.type)},"data":${data},${version}` +
    `"idempotency_key":${e.idempotencyKey === null ? 'null' : JSON.stringify(e.idempotencyKey)},` +
    `"ordering_key":${e.orderingKey === null || e.orderingKey === undefined ? 'null' : JSON.stringify(e.orderingKey)},` +
    `"created_at":"${iso(e.createdAt)}"}`
  );
}

export function eventPageJson(page: Page<EventRecord>, apiVersion?: string): string {
  return `{"data":[${page.items.map((e) => eventJson(e, apiVersion)).join(',')}],"next_cursor":${page.nextCursor === null ? 'null' : JSON.stringify(page.nextCursor)}}`;
}

export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    ...ownerFields(d.merchantId),
    event_id: d.eventId,
    endpoint_id: d.endpointId,
    event_type: d.eventType,
    status: d.status,
    attempt_count: d.attempts,
    next_attempt_at: isoOrNull(d.nextAttemptAt),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    ordering_key: d.orderingKey,
    held: d.held,
    skipped_at: isoOrNull(d.skippedAt),
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
  };
}

export function attemptView(a: Attempt) {
  return {
    id: a.id,
    attempt: a.attemptNo,
    started_at: iso(a.startedAt),
    duration_ms: a.durationMs,
    status_code: a.statusCode,
    response_body: a.responseBody,
    error_class: a.errorClass,
    error_message: a.errorMessage,
    next_retry_at: isoOrNull(a.nextRetryAt),
  };
}

export function secretsView(current: string, previous: EndpointSecret[]) {
  return {
    secret: current,
    previous_secrets: previous.map((s) => ({ secret: s.secret, expires_at: iso(s.expiresAt ?? 0) })),
  };
}

/** `{"data":[…], "next_cursor"}`. */
export function pageView<T, V>(page: Page<T>, view: (item: T) => V) {
  return { data: page.items.map(view), next_cursor: page.nextCursor };
}

export function apiKeyView(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    livemode: k.merchantId !== null && isLiveScope(k.merchantId),
    scopes: k.scopes,
    created_at: iso(k.createdAt),
    last_used_at: isoOrNull(k.lastUsedAt),
  };
}

export function replayView(r: Replay) {
  return {
    id: r.id,
    merchant_id: r.merchantId,
    endpoint_id: r.endpointId,
    since: iso(r.since),
    until: iso(r.until),
    types: r.types,
    status: r.status,
    recipients: r.recipients,
    state: r.state,
    total: r.total,
    done: r.done,
    requeued: r.requeued,
    error: r.error,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    completed_at: isoOrNull(r.completedAt),
  };
}
