/**
 * A test webhook (`POST /v1/endpoints/{id}/test`): one signed request to one endpoint, sent now by the
 * API process and answered with what the endpoint said, for a person checking a receiver
 * (`payhook endpoints test`). It is built and sent as a delivery attempt is (the endpoint's format; its
 * event version, or the one the caller names; every valid secret signing, its custom headers, the
 * destination policy, the per-attempt deadline), always as a snapshot,
 * but it is not an event: nothing is stored, retried or fanned out, so no other endpoint and no
 * `payhook listen` sees it. Its id is a fresh `evt_` id that no event has.
 */
import { isLiveScope } from '../modes.js';
import { webhookHeaders } from '../delivery/attempt.js';
import type { HttpClient, HttpResult } from '../delivery/http.js';
import type { Signer } from '../delivery/signer.js';
import type { FormatRegistry } from '../events/formats.js';
import { newId, type EventId } from '../ids.js';
import { buildEnvelope } from '../store/envelope.js';
import { attemptTraceparent } from '../tracing/traceparent.js';
import type { Endpoint } from '../store/types.js';

/** The type of a test webhook: receivers can tell it apart and answer 2xx without acting on it. */
export const TEST_EVENT_TYPE = 'payhook.test';

export interface TestWebhookResult {
  eventId: EventId;
  type: string;
  sentAt: number;
  /** 2xx: what payhook counts as delivered. */
  succeeded: boolean;
  http: HttpResult;
}

export interface TestWebhookDeps {
  http: HttpClient;
  signer: Signer;
  formats: FormatRegistry;
  userAgent: string;
  /** The server's per-attempt timeout, for an endpoint without its own. */
  timeoutMs: number;
}

/**
 * Sends one test webhook to `endpoint`, rendered as its deliveries are; `apiVersion` renders it in
 * another version than the endpoint's, to try a version before switching to it.
 */
export async function sendTestWebhook(
  endpoint: Endpoint,
  deps: TestWebhookDeps,
  now = Date.now(),
  apiVersion: string = endpoint.apiVersion,
): Promise<TestWebhookResult> {
  const eventId = newId('evt', now);
  const data = JSON.stringify({
    endpoint_id: endpoint.id,
    message: 'A test webhook from payhook: nothing happened; answer 2xx.',
    // A sample amount, so a version's change to amounts shows in the test webhook (docs/versions.md).
    amount: 10000,
    amount_decimal: '100.00',
    currency: 'AED',
  });
  const envelope = buildEnvelope(eventId, TEST_EVENT_TYPE, now, data, isLiveScope(endpoint.merchantId));
  // Always a snapshot: a test webhook is not stored, so a thin reference to it would point at nothing;
  // its own type tells a thin receiver to answer 2xx without fetching anything.
  const target = { format: endpoint.format, apiVersion, payloadStyle: 'snapshot' as const };
  const body = deps.formats.renderFor(target, {
    eventId,
    eventType: TEST_EVENT_TYPE,
    eventCreatedAt: now,
    body: envelope,
    data,
  });
  const timestamp = Math.floor(now / 1000);
  const signature = await deps.signer.signature(endpoint.id, eventId, timestamp, body);
  const traceparent = attemptTraceparent(eventId, null);
  const headers = webhookHeaders(endpoint.headers, deps.userAgent, eventId, timestamp, signature, traceparent);
  const http = await deps.http.post(endpoint.url, headers, body, endpoint.timeoutMs ?? deps.timeoutMs);
  const code = http.statusCode;
  return { eventId, type: TEST_EVENT_TYPE, sentAt: now, succeeded: code !== null && code >= 200 && code < 300, http };
}
