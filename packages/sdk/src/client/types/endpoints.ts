/**
 * The API's JSON shapes of endpoints, their signing secrets and test webhooks (conventions in ./common.ts).
 */
import type { AttemptErrorClass } from './deliveries.js';

/**
 * Why an endpoint is disabled: `merchant` (through the API) or `gone` (it answered 410 Gone).
 *
 * @example
 * if (ep.disabled && ep.disabled_reason === ('gone' as EndpointDisabledReason)) alertOps(ep);
 */
export type EndpointDisabledReason = 'merchant' | 'gone' | 'failing';

/**
 * A webhook endpoint of the merchant.
 *
 * @example
 * const ep: Endpoint = await client.endpoints.get('ep_01J…');
 */
export interface Endpoint {
  id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  url: string;
  description: string;
  /** `null`: every event type. */
  event_types: string[] | null;
  disabled: boolean;
  disabled_reason: EndpointDisabledReason | null;
  headers: Record<string, string>;
  /** `standard` (the envelope) or another registered format such as `foloosi`. */
  format: string;
  /** The event version it receives (docs/versions.md), e.g. `2026-12-05`. */
  api_version: string;
  /** `snapshot`: events carry their data; `thin`: only the object they are about (`fetchRelated`). */
  payload_style: 'snapshot' | 'thin';
  timeout_ms: number | null;
  /** Deliveries that share an ordering key go out one at a time, in event order. */
  ordered: boolean;
  /** `skip`: a delivery that exhausts its retries lets the next of its key go; `hold`: the key waits. */
  ordering_on_failure: 'skip' | 'hold';
  /** Deliveries per second across every dispatcher; `null`: no limit. */
  rate_limit: number | null;
  /** Seconds before retry 1..n; `null`: the server's schedule. */
  retry_schedule: number[] | null;
  /** The circuit breaker: `open` while payhook holds deliveries back after repeated failures. */
  circuit: { state: 'closed' | 'open' | 'half_open'; failing_since: string | null; next_probe_at: string | null };
  created_at: string;
  updated_at: string;
}

/**
 * The body of `endpoints.create`.
 *
 * @example
 * await client.endpoints.create({ url: 'https://shop.example/webhooks', event_types: ['order.*'] });
 */
export interface CreateEndpointInput {
  url: string;
  description?: string;
  event_types?: string[] | null;
  disabled?: boolean;
  headers?: Record<string, string>;
  format?: string;
  /** Default: the latest version. */
  api_version?: string;
  payload_style?: 'snapshot' | 'thin';
  timeout_ms?: number | null;
  ordered?: boolean;
  ordering_on_failure?: 'skip' | 'hold';
  /** Deliveries per second, 1 to 10000; `null`: no limit. */
  rate_limit?: number | null;
  /** 1 to 20 delays, whole seconds or durations (`"30s"`, `"5m"`), each 1 s to 3 days; `null`: the server's. */
  retry_schedule?: (number | string)[] | null;
}

/**
 * The body of `endpoints.update`: any subset of the creatable fields.
 *
 * @example
 * await client.endpoints.update('ep_01J…', { disabled: true });
 */
export type UpdateEndpointInput = Partial<CreateEndpointInput>;

/**
 * An endpoint's signing secrets (what `getSecret` and `rotateSecret` return): the current one, and
 * rotated-out ones that keep signing until they expire. Verify with all of them during a rotation.
 *
 * @example
 * const { secret, previous_secrets } = await client.endpoints.getSecret('ep_01J…');
 * const secrets = [secret, ...previous_secrets.map((p) => p.secret)];
 */
export interface EndpointSecrets {
  secret: string;
  previous_secrets: { secret: string; expires_at: string }[];
}

/**
 * A test webhook sent to one endpoint (`endpoints.test`), and what the endpoint answered. It is not an
 * event: nothing is stored or retried.
 *
 * @example
 * const t: TestWebhook = await client.endpoints.test('ep_01J…');
 * if (!t.succeeded) console.log(t.status_code ?? t.error_class, t.response_body);
 */
export interface TestWebhook {
  /** The `webhook-id` it carried: a fresh id that no stored event has. */
  event_id: string;
  /** `payhook.test`. */
  type: string;
  url: string;
  sent_at: string;
  /** The endpoint answered 2xx. */
  succeeded: boolean;
  status_code: number | null;
  duration_ms: number;
  /** The first 4 KiB of the response body. */
  response_body: string | null;
  error_class: AttemptErrorClass | null;
  error_message: string | null;
}
