/**
 * The delivery controls through the HTTP API and a real payhook: the new endpoint fields round-trip,
 * out-of-bounds values are 400 with their stable codes, the catalogue lists the operational types, a
 * merchant cannot post one, and disabling and enabling by hand are told as operational webhooks (to
 * the merchant's subscribed endpoint and to the operator), each verified against its secret.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { generateSecret, verifySignature } from '@payhook/sdk';
import { Harness, Receiver } from './api-harness.js';

let h: Harness;
let rx: Receiver;
let key: string;
const operatorSecret = generateSecret();

before(async () => {
  rx = await new Receiver().start();
  h = await Harness.start({
    delivery: { operatorWebhookUrl: `${rx.url}/operator`, operatorWebhookSecret: operatorSecret },
  });
  key = (await h.call('POST', '/v1/merchants', { body: { name: 'controls' } })).body.api_key;
});
after(async () => {
  await h.close();
  await rx.close();
});

test('rate_limit and retry_schedule round-trip; circuit is shown; out of bounds is 400 with a stable code', async () => {
  const created = await h.call('POST', '/v1/endpoints', {
    key,
    body: { url: `${rx.url}/c`, rate_limit: 10, retry_schedule: [5, '1m', '2h'] },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.rate_limit, 10);
  assert.deepEqual(created.body.retry_schedule, [5, 60, 7200]);
  assert.deepEqual(created.body.circuit, { state: 'closed', failing_since: null, next_probe_at: null });
  const id = created.body.id;
  const patched = await h.call('PATCH', `/v1/endpoints/${id}`, {
    key,
    body: { rate_limit: null, retry_schedule: null },
  });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.rate_limit, patched.body.retry_schedule], [null, null]);
  const got = await h.call('GET', `/v1/endpoints/${id}`, { key });
  assert.deepEqual([got.body.rate_limit, got.body.retry_schedule, got.body.circuit.state], [null, null, 'closed']);

  for (const [body, code] of [
    [{ rate_limit: 0 }, 'invalid_rate_limit'],
    [{ rate_limit: 10_001 }, 'invalid_rate_limit'],
    [{ retry_schedule: [] }, 'invalid_retry_schedule'],
    [{ retry_schedule: Array.from({ length: 21 }, () => 5) }, 'invalid_retry_schedule'],
    [{ retry_schedule: [0] }, 'invalid_retry_schedule'],
    [{ retry_schedule: ['4d'] }, 'invalid_retry_schedule'],
    [{ retry_schedule: ['soon'] }, 'invalid_retry_schedule'],
    [{ retry_schedule: [259_201] }, 'invalid_retry_schedule'],
  ] as const) {
    const r = await h.call('PATCH', `/v1/endpoints/${id}`, { key, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.code, code, JSON.stringify(body));
  }
});

test('the catalogue lists the operational types, and a merchant cannot post one', async () => {
  const types = (await h.call('GET', '/v1/event-types', { key })).body.data.map((t: { type: string }) => t.type);
  for (const t of [
    'endpoint.disabled',
    'endpoint.enabled',
    'endpoint.circuit_opened',
    'endpoint.circuit_closed',
    'delivery.exhausted',
  ])
    assert.ok(types.includes(t), t);
  const posted = await h.call('POST', '/v1/events', { key, body: { type: 'endpoint.disabled', data: {} } });
  assert.equal(posted.status, 400);
  assert.equal(posted.body.error.code, 'reserved_event_type');
});

test('disabling and enabling by hand are told to subscribers and to the operator, signed', async () => {
  const watcher = await h.call('POST', '/v1/endpoints', {
    key,
    body: { url: `${rx.url}/watch`, event_types: ['endpoint.disabled', 'endpoint.enabled'] },
  });
  const ep = (await h.call('POST', '/v1/endpoints', { key, body: { url: `${rx.url}/paused` } })).body;
  const off = await h.call('PATCH', `/v1/endpoints/${ep.id}`, { key, body: { disabled: true } });
  assert.equal(off.body.disabled_reason, 'merchant');
  await h.call('PATCH', `/v1/endpoints/${ep.id}`, { key, body: { disabled: false } });
  await rx.waitFor(() => rx.for('/watch').length === 2 && rx.for('/operator').length >= 2, 10_000);
  const told = rx.for('/watch').map((r) => {
    verifySignature(r.body, r.headers, watcher.body.secret);
    return JSON.parse(r.body);
  });
  assert.deepEqual(told.map((e) => [e.type, e.data.endpoint_id]).sort(), [
    ['endpoint.disabled', ep.id],
    ['endpoint.enabled', ep.id],
  ]);
  const operator = rx.for('/operator').map((r) => {
    verifySignature(r.body, r.headers, operatorSecret);
    return JSON.parse(r.body);
  });
  assert.ok(operator.some((e) => e.type === 'endpoint.disabled' && e.data.merchant_id && e.data.endpoint_id === ep.id));
  assert.ok(operator.some((e) => e.type === 'endpoint.enabled' && e.data.endpoint_id === ep.id));
  assert.equal(rx.for('/paused').length, 0, 'the endpoint the events are about does not get them');
  // Their data satisfies the schemas the catalogue publishes.
  const catalogue = (await h.call('GET', '/v1/event-types', { key: null })).body.data as {
    type: string;
    schema: object;
  }[];
  const ajv = new Ajv({ strict: false, validateFormats: false });
  for (const e of [...told, ...operator]) {
    const schema = catalogue.find((t) => t.type === e.type)!.schema;
    assert.ok(ajv.validate(schema, e.data), `${e.type}: ${ajv.errorsText()}`);
  }
});
