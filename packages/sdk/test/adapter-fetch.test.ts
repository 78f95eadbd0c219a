// Web-standard Request/Response: verifyRequest in Hono, and fetchWebhook as a Next.js-style route
// handler, each served by a real Node server on port 0 (@hono/node-server turns requests into Requests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import {
  createIdempotency,
  fetchWebhook,
  isPaymentEvent,
  memoryIdempotencyStore,
  verifyRequest,
  WebhookVerificationError,
  type PayhookEvent,
} from '@payhook/sdk';
import { close, listen, paymentEvent, post, SECRET, signed } from './helpers.js';

const handled: PayhookEvent[] = [];

const hono = new Hono();
hono.post('/webhooks', async (c) => {
  try {
    const event = await verifyRequest(c.req.raw, SECRET);
    handled.push(event);
    return c.json({ received: true, order: isPaymentEvent(event) ? event.data.order_id : null });
  } catch (err) {
    if (err instanceof WebhookVerificationError)
      return c.json({ reason: err.reason, message: err.message }, err.status as 400);
    throw err;
  }
});
hono.post('/json-first', async (c) => {
  await c.req.json(); // reads the body: the signed bytes are gone
  try {
    await verifyRequest(c.req.raw, SECRET);
    return c.json({ ok: true });
  } catch (err) {
    return c.json({ reason: (err as WebhookVerificationError).reason, message: (err as Error).message }, 500);
  }
});
const onWebhook = fetchWebhook(SECRET, (event) => {
  handled.push(event);
});
hono.post('/handler', (c) => onWebhook(c.req.raw));

// A Next.js route handler is exactly `(request: Request) => Promise<Response>`.
let runs = 0;
const nextRoute = fetchWebhook(
  SECRET,
  async (event) => {
    runs++;
    if (event.type === 'custom.answer') return new Response('custom', { status: 202 });
  },
  { idempotency: createIdempotency({ store: memoryIdempotencyStore() }) },
);

const honoServer = createAdaptorServer({ fetch: hono.fetch }) as Server;
const nextServer = createAdaptorServer({ fetch: nextRoute }) as Server;
let honoUrl: string;
let nextUrl: string;
before(async () => {
  [honoUrl, nextUrl] = await Promise.all([listen(honoServer), listen(nextServer)]);
});
after(() => Promise.all([close(honoServer), close(nextServer)]));

test('Hono: verifyRequest on c.req.raw returns the typed event', async () => {
  const event = paymentEvent('order.success', { order_id: 'ord_hono' });
  const { body, headers } = signed(event);
  assert.deepEqual(await post(`${honoUrl}/webhooks`, body, headers), {
    status: 200,
    body: { received: true, order: 'ord_hono' },
  });
  assert.deepEqual(handled.at(-1), event);
});

test('Hono: a wrong secret or a stale timestamp is refused with its reason', async () => {
  const { body, headers } = signed(paymentEvent('order.success'), `whsec_${Buffer.alloc(32, 3).toString('base64')}`);
  assert.equal((await post(`${honoUrl}/webhooks`, body, headers)).body.reason, 'signature');
  const stale = signed(paymentEvent('order.success'), SECRET, 1_000_000_000);
  assert.deepEqual((await post(`${honoUrl}/webhooks`, stale.body, stale.headers)).status, 400);
});

test('Hono: a body already read by c.req.json() is reported as body_type', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${honoUrl}/json-first`, body, headers);
  assert.equal(r.body.reason, 'body_type');
  assert.match(r.body.message, /already read.*request\.clone\(\)/s);
});

test('Hono: fetchWebhook as the route handler', async () => {
  const event = paymentEvent('transaction.failed', { status: 'failed', order_status: 'open' });
  const { body, headers } = signed(event);
  assert.deepEqual(await post(`${honoUrl}/handler`, body, headers), { status: 200, body: { received: true } });
  assert.deepEqual(handled.at(-1), event);
  const bad = await post(`${honoUrl}/handler`, body, { ...headers, 'webhook-id': 'evt_other' });
  assert.deepEqual(bad.status, 400);
  assert.equal(bad.body.error.code, 'webhook_signature');
});

test('route handler: idempotent redelivery, a Response from the handler, and the size limit', async () => {
  const event = paymentEvent('order.success');
  const first = signed(event);
  assert.deepEqual(await post(nextUrl, first.body, first.headers), { status: 200, body: { received: true } });
  assert.deepEqual(await post(nextUrl, first.body, first.headers), {
    status: 200,
    body: { received: true, duplicate: true },
  });
  assert.equal(runs, 1);
  const custom = signed({ id: 'evt_custom', type: 'custom.answer', timestamp: new Date().toISOString(), data: {} });
  const res = await fetch(nextUrl, { method: 'POST', body: custom.body, headers: custom.headers });
  assert.equal(res.status, 202);
  assert.equal(await res.text(), 'custom');
  const big = await post(nextUrl, 'x'.repeat(1024 * 1024 + 1), first.headers);
  assert.equal(big.status, 413);
});

test('verifyRequest works on a plain Request and a Request clone', async () => {
  const event = paymentEvent('order.success');
  const { body, headers } = signed(event);
  const request = new Request('http://localhost/webhooks', { method: 'POST', body, headers });
  const copy = request.clone();
  assert.deepEqual(await verifyRequest(request, SECRET), event);
  await assert.rejects(
    verifyRequest(request, SECRET),
    (e: unknown) => e instanceof WebhookVerificationError && e.reason === 'body_type',
  );
  assert.deepEqual(await verifyRequest(copy, SECRET), event);
});
