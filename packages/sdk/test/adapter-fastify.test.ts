// Fastify: the fastifyWebhook plugin and fastifyRawBody keep the raw body inside their own scope only;
// a route behind Fastify's JSON parser is detected and explained. Real server on port 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import {
  fastifyRawBody,
  fastifyWebhook,
  isPaymentEvent,
  sign,
  verifyFastifyRequest,
  type PayhookEvent,
} from '@payhook/sdk';
import { paymentEvent, post, SECRET, signed } from './helpers.js';

const handled: PayhookEvent[] = [];
const app = Fastify({ logger: false });
app.register(fastifyWebhook, {
  prefix: '/webhooks',
  secrets: [SECRET],
  handler: async (event: PayhookEvent) => {
    handled.push(event);
    if (isPaymentEvent(event, 'order.cancel')) assert.equal(event.data.order_status, 'cancelled');
  },
});
// Your own route in your own scope, with the raw-body parser.
app.register(async (scope) => {
  fastifyRawBody(scope);
  scope.post('/custom', async (request, reply) => {
    const event = verifyFastifyRequest(request, SECRET);
    handled.push(event);
    return reply.code(201).send({ got: event.id });
  });
});
// The rest of the app still parses JSON...
app.post('/api/echo', async (request) => ({ parsed: typeof request.body, body: request.body }));
// ...so a webhook route out here sees a parsed object.
app.post('/wrong', async (request) => {
  verifyFastifyRequest(request, SECRET);
  return { ok: true };
});

let url: string;
before(async () => {
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => app.close());

test('the plugin verifies and hands over the typed event', async () => {
  const event = paymentEvent('order.cancel', { status: 'failed', order_status: 'cancelled' });
  const { body, headers } = signed(event);
  assert.deepEqual(await post(`${url}/webhooks`, body, headers), { status: 200, body: { received: true } });
  assert.deepEqual(handled.at(-1), event);
});

test('the plugin answers 400 to an untrusted webhook', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${url}/webhooks`, body, { ...headers, 'webhook-signature': 'v1,AAAA' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'webhook_signature');
});

test('the exact bytes are verified even when whitespace and key order are unusual', async () => {
  const event = paymentEvent('transaction.success');
  const body = `{ "type":"transaction.success",\n  "id" : "${event.id}", "data": ${JSON.stringify(event.data, null, 4)}, "timestamp":"${event.timestamp}" }`;
  const { headers } = signed(event);
  const ts = Number(headers['webhook-timestamp']);
  const r = await post(`${url}/webhooks`, body, {
    ...headers,
    'webhook-signature': sign({ secret: SECRET, id: event.id, timestamp: ts, payload: body }),
  });
  assert.equal(r.status, 200);
  assert.deepEqual(handled.at(-1), event);
});

test('fastifyRawBody in a scope of your own works with verifyFastifyRequest', async () => {
  const event = paymentEvent('transaction.paid_back', { status: 'paid_back', order_status: 'cancelled' });
  const { body, headers } = signed(event);
  assert.deepEqual(await post(`${url}/custom`, body, headers), { status: 201, body: { got: event.id } });
});

test('the raw-body parser does not leak: other routes still get parsed JSON', async () => {
  const r = await post(`${url}/api/echo`, '{"a":1}', { 'content-type': 'application/json' });
  assert.deepEqual(r.body, { parsed: 'object', body: { a: 1 } });
});

test('a route behind the JSON parser gets a body_type error that names the fix', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${url}/wrong`, body, headers);
  assert.equal(r.status, 500);
  assert.match(r.body.message, /parsed object/);
  assert.match(r.body.message, /fastifyRawBody/);
});
