// Node's http module: readRawBody and verifyNodeRequest in a real server on port 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { readRawBody, verifyNodeRequest, WebhookVerificationError, type PayhookEvent } from '@payhook/sdk';
import { close, listen, paymentEvent, post, SECRET, signed } from './helpers.js';

// Each route shows one way a receiver is wired; the server records what verification produced.
const received: PayhookEvent[] = [];
const rawBodies: Buffer[] = [];

function answer(res: ServerResponse, err: unknown) {
  const status = err instanceof WebhookVerificationError ? err.status : 500;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ reason: (err as WebhookVerificationError).reason, message: (err as Error).message }));
}

async function route(req: IncomingMessage & { body?: unknown }, res: ServerResponse) {
  try {
    if (req.url === '/raw') {
      const raw = await readRawBody(req, { limit: 64 * 1024 });
      rawBodies.push(raw);
      res.writeHead(200).end(String(raw.length));
    } else if (req.url === '/webhooks') {
      received.push(await verifyNodeRequest(req, SECRET, { limit: 64 * 1024 }));
      res.writeHead(200).end('{"received":true}');
    } else if (req.url === '/parsed-first') {
      // What a JSON body parser does: read the stream, keep only the object.
      let text = '';
      for await (const chunk of req) text += chunk;
      req.body = JSON.parse(text);
      received.push(await verifyNodeRequest(req, SECRET));
      res.writeHead(200).end();
    } else if (req.url === '/read-first') {
      for await (const _ of req) {
        /* drained, nothing kept */
      }
      received.push(await verifyNodeRequest(req, SECRET));
      res.writeHead(200).end();
    } else if (req.url === '/kept-raw') {
      // What a raw-body plugin does: read the stream and keep the bytes on req.rawBody.
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      Object.assign(req, { rawBody: Buffer.concat(chunks), body: JSON.parse(Buffer.concat(chunks).toString()) });
      received.push(await verifyNodeRequest(req, SECRET));
      res.writeHead(200).end();
    } else {
      res.writeHead(404).end();
    }
  } catch (err) {
    answer(res, err);
  }
}

const server = http.createServer((req, res) => void route(req, res));
let url: string;
before(async () => {
  url = await listen(server);
});
after(() => close(server));

test('verifyNodeRequest returns the typed event of a signed webhook', async () => {
  const event = paymentEvent('order.success', { sequence: 4 });
  const { body, headers } = signed(event);
  const r = await post(`${url}/webhooks`, body, headers);
  assert.equal(r.status, 200);
  assert.deepEqual(received.at(-1), event);
});

test('readRawBody returns the exact bytes, across chunks and multi-byte characters', async () => {
  const body = ' {"a" :  "é€😀",\n "b":[1, 2.50]}  '.repeat(500);
  // A stream body makes fetch send it in several chunks.
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += 777) c.enqueue(bytes.slice(i, i + 777));
      c.close();
    },
  });
  const res = await fetch(`${url}/raw`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  assert.equal(res.status, 200);
  assert.equal(rawBodies.at(-1)!.toString('utf8'), body);
});

test('a tampered webhook is answered 400 with the reason', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${url}/webhooks`, body.replace('10000', '10001'), headers);
  assert.equal(r.status, 400);
  assert.equal(r.body.reason, 'signature');
});

test('a body over the limit is refused with 413, declared or streamed', async () => {
  const big = 'x'.repeat(70 * 1024);
  const r = await post(`${url}/raw`, big, { 'content-type': 'application/json' });
  assert.equal(r.status, 413);
  // Streamed (no content-length) in many chunks, well past the limit: still answered, not reset.
  const chunk = new TextEncoder().encode('y'.repeat(16 * 1024));
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 64; i++) c.enqueue(chunk);
      c.close();
    },
  });
  const res = await fetch(`${url}/raw`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  assert.equal(res.status, 413);
});

test('a body that a parser consumed is reported as body_type, with the fix', async () => {
  const { body, headers } = signed(paymentEvent('order.success'));
  const r = await post(`${url}/parsed-first`, body, headers);
  assert.equal(r.status, 500);
  assert.equal(r.body.reason, 'body_type');
  assert.match(r.body.message, /parsed object/);
  assert.match(r.body.message, /express\.raw/);
  const drained = await post(`${url}/read-first`, body, headers);
  assert.equal(drained.body.reason, 'body_type');
  assert.match(drained.body.message, /already read/);
});

test('a raw copy kept on req.rawBody is used even though req.body was parsed', async () => {
  const event = paymentEvent('transaction.failed', { status: 'failed', order_status: 'open' });
  const { body, headers } = signed(event);
  const r = await post(`${url}/kept-raw`, body, headers);
  assert.equal(r.status, 200);
  assert.deepEqual(received.at(-1), event);
});
