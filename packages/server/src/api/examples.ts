/**
 * Example resources for `/openapi.json`, one story told across them: merchant `Corner Shop` has an
 * endpoint for order events, sent `order.success`, whose delivery succeeded at the first attempt.
 * The ids agree between resources, so a reader can follow them from one example to the next.
 *
 * They are real values: `npm run lint:openapi` (redocly's `no-invalid-media-type-examples`) and
 * test/api-openapi.test.ts check each one against its schema, id patterns and closed objects included.
 */

export const EXAMPLE_IDS = {
  merchant: 'mer_01JDQ8Z0RX4YV6K3M2N5P7Q9S1',
  endpoint: 'ep_01JDQ9A2B3C4D5E6F7G8H9JKMN',
  event: 'evt_01JDQ9B7X2M4N6P8R0S2T4V6W8',
  delivery: 'del_01JDQ9B7X3A5C7E9G1J3K5M7P9',
  attempt: 'att_01JDQ9B7Z8Q0R2S4T6V8W0X2Y4',
  order: 'ord_01JDQ9C1D2E3F4G5H6J7K8M9N0',
} as const;

const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T10:05:00.000Z';
const T2 = '2026-12-01T10:05:00.184Z';

export const merchantExample = { id: EXAMPLE_IDS.merchant, name: 'Corner Shop', created_at: T0 };

export const endpointExample = {
  id: EXAMPLE_IDS.endpoint,
  merchant_id: EXAMPLE_IDS.merchant,
  livemode: false,
  url: 'https://shop.example.com/webhooks/payhook',
  description: 'Order events for the shop',
  event_types: ['order.*'],
  disabled: false,
  disabled_reason: null,
  headers: { 'x-shop': 'corner' },
  format: 'standard',
  api_version: '2026-12-05',
  payload_style: 'snapshot',
  timeout_ms: null,
  ordered: true,
  ordering_on_failure: 'skip',
  rate_limit: null,
  retry_schedule: null,
  circuit: { state: 'closed', failing_since: null, next_probe_at: null },
  created_at: T0,
  updated_at: T0,
};

export const secretExample = 'whsec_MfKQ9r8GKYqYVX8Ly4bq1CxbS9qHmTYk';

export const endpointWithSecretExample = { ...endpointExample, secret: secretExample };

export const secretsExample = {
  secret: 'whsec_2lYV1sN0mKq6fVd3sP8xWcJrT5bQe7Hz',
  previous_secrets: [{ secret: secretExample, expires_at: '2026-12-02T10:00:00.000Z' }],
};

export const eventExample = {
  id: EXAMPLE_IDS.event,
  merchant_id: EXAMPLE_IDS.merchant,
  livemode: false,
  type: 'order.success',
  data: { order_id: EXAMPLE_IDS.order, reference: 'INV-1001', amount: 10000, currency: 'AED' },
  idempotency_key: 'order-INV-1001-paid',
  ordering_key: EXAMPLE_IDS.order,
  created_at: T1,
};

export const deliveryExample = {
  id: EXAMPLE_IDS.delivery,
  merchant_id: EXAMPLE_IDS.merchant,
  livemode: false,
  event_id: EXAMPLE_IDS.event,
  endpoint_id: EXAMPLE_IDS.endpoint,
  event_type: 'order.success',
  status: 'succeeded',
  attempt_count: 1,
  next_attempt_at: null,
  last_status_code: 200,
  last_error: null,
  ordering_key: EXAMPLE_IDS.order,
  held: false,
  skipped_at: null,
  created_at: T1,
  updated_at: T2,
};

export const replayExample = {
  id: 'rpl_01JDQ9D4E5F6G7H8J9K0M1N2P3',
  merchant_id: EXAMPLE_IDS.merchant,
  endpoint_id: EXAMPLE_IDS.endpoint,
  since: '2026-12-01T00:00:00.000Z',
  until: '2026-12-01T12:00:00.000Z',
  types: ['order.*'],
  status: 'failed',
  recipients: 'original',
  state: 'running',
  total: 1200,
  done: 500,
  requeued: 500,
  error: null,
  created_at: '2026-12-01T12:00:00.000Z',
  updated_at: '2026-12-01T12:00:01.250Z',
  completed_at: null,
};

export const attemptExample = {
  id: EXAMPLE_IDS.attempt,
  attempt: 1,
  started_at: '2026-12-01T10:05:00.021Z',
  duration_ms: 163,
  status_code: 200,
  response_body: 'ok',
  error_class: null,
  error_message: null,
  next_retry_at: null,
};

export const deliveryWithAttemptsExample = { ...deliveryExample, attempts: [attemptExample] };
