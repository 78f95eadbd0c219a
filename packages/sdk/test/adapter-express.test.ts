// Express: expressWebhook with no body parser, behind express.raw(), behind express.json() (detected and
// explained), with idempotency (duplicates and a concurrent duplicate), in a real server on port 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  createIdempotency,
  expressWebhook,
  isPaymentEvent,
  memoryIdempotencyStore,
  WebhookVerificationError,
  type PayhookEvent,
} from '@payhook/sdk';
import { close, listen, paymentEvent, post, SECRET, signed } from './helpers.js';

const handled: PayhookEvent[] = [];
const errors: unknown[] = [];
const paid = new Set<string>();
let gate: Promise<void> | null = null;
let gateEntered: (() => void) | null = null;

const app = express();
// Registered before any body parser: reads the body itself.
app.post(
  '/webhooks',
  expressWebhook(SECRET, async (event) => {
    handled.push(event);
    if (isPaymentEvent(event, 'order.success')) paid.add(event.data.order_id); // typed after the guard
  }),
);
app.post(
  '/raw',
  express.raw({ type: 'application/json' }),
  expressWebhook(SECRET, (event) => {
    handled.push(event);
  }),
);
app.post(
  '/answers-itself',
  expressWebhook(SECRET, (_event, _req, res: Response) => {
    res.status(202).json({ queued: true });
  }),
);
app.post(
  '/throws',
  expressWebhook(SECRET, () => {
    throw new Error('database down');
  }),
);
const idempotency = createIdempotency({ store: memoryIdempotencyStore() });
let runs = 0;
app.post(
  '/idempotent',
  expressWebhook(
    SECRET,
    async () => {
      runs++;
      if (gate) {
        gateEntered?.();
        await gate;
      }
    },
    { idempotency },
  ),
);
// The classic mistake: a global JSON parser in front of the webhook route.
app.use(express.json());
app.post(
  '/after-json',
  expressWebhook(SECRET, (event) => {
    handled.push(event);
  }),
);
app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
  errors.push(err);
  res.status(500).json({ message: (err as Error).message });
});

const server = http.createServer(app);
let url: string;
before(async () => {
  url = await listen(server);
});
after(() => close(server));

test('a signed webhook reaches the handler typed, and is answered 200', async () => {
  const event = paymentEvent('order.success', { order_id: 'ord_express_1' });
  const { body, headers } = signed(event);
  const r = await post(`${url}/webhooks`, body, headers);
  assert.deepEqual(r, { status: 200, body: { received: true } });
  assert.deepEqual(handled.at(-1), event);
  assert.ok(paid.has('ord_express_1'));
});

test('works behind express.raw()', async () => {
  const event = paymentEvent('transaction.delayed', { status: 'delayed', order_status: 'open' });
  const { body, headers } = signed(event);
  assert.equal((await post(`${url}/raw`, body, headers)).status, 200);
  assert.deepEqual(handled.at(-1), event);
});

test('untrusted webhooks get 400 with a stable code, and never reach the handler', async () => {
  const before = handled.length;
  const { body, headers } = signed(paymentEvent('order.success'));
  const bad = await post(`${url}/webhooks`, body.replace('A-1001', 'A-1002'), headers);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'webhook_signature');
  const old = signed(paymentEvent('order.success'), SECRET, Math.floor(Date.now() / 1000) - 3600);
  assert.equal((await post(`${url}/webhooks`, old.body, old.headers)).body.error.code, 'webhook_timestamp');
  const { 'webhook-id': _, ...noId } = headers;
  assert.equal((await post(`${url}/webhooks`, body, noId)).body.error.code, 'webhook_headers');
  assert.equal(handled.length, before);
});

test('express.json() in front is detected: next(err) with a body_type error explaining the fix', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${url}/after-json`, body, headers);
  assert.equal(r.status, 500);
  const err = errors.at(-1);
  assert.ok(err instanceof WebhookVerificationError);
  assert.equal(err.reason, 'body_type');
  assert.match(err.message, /parsed object/);
  assert.match(err.message, /express\.json\(\)/);
  assert.match(err.message, /express\.raw\(\{ type: 'application\/json' \}\)/);
});

test('a handler that answers itself keeps its answer', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  assert.deepEqual(await post(`${url}/answers-itself`, body, headers), { status: 202, body: { queued: true } });
});

test('a handler error goes to the Express error handler (500: payhook retries)', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${url}/throws`, body, headers);
  assert.equal(r.status, 500);
  assert.equal((errors.at(-1) as Error).message, 'database down');
});

test('with idempotency: a redelivery is answered 200 duplicate, a concurrent one 409', async () => {
  const event = paymentEvent('order.success');
  const first = signed(event);
  assert.deepEqual(await post(`${url}/idempotent`, first.body, first.headers), {
    status: 200,
    body: { received: true },
  });
  // A retry is signed anew (new timestamp), but it is the same webhook-id.
  const retry = signed(event, SECRET, Math.floor(Date.now() / 1000) + 1);
  assert.deepEqual(await post(`${url}/idempotent`, retry.body, retry.headers), {
    status: 200,
    body: { received: true, duplicate: true },
  });
  assert.equal(runs, 1);

  const other = signed(paymentEvent('order.cancel', { order_status: 'cancelled' }));
  let open!: () => void;
  gate = new Promise((resolve) => {
    open = resolve;
  });
  const entered = new Promise<void>((resolve) => {
    gateEntered = resolve;
  });
  const slow = post(`${url}/idempotent`, other.body, other.headers);
  await entered; // the first delivery is inside the handler
  const concurrent = await post(`${url}/idempotent`, other.body, other.headers);
  assert.equal(concurrent.status, 409);
  assert.equal(concurrent.body.error.code, 'webhook_in_flight');
  open();
  gate = null;
  assert.equal((await slow).status, 200);
  assert.equal(runs, 2);
});

test('bad arguments fail when the route is built, not per request', () => {
  assert.throws(() => expressWebhook(SECRET, undefined as never), TypeError);
  assert.throws(() => expressWebhook([], () => {}), TypeError);
});
