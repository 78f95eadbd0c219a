/**
 * The HTTP client against real loopback receivers: an answer's status, Retry-After and first 4 KiB are
 * kept; a body that drips after its headers is cut and the status stands; a body past the drain limit
 * drops its connection; an answer that never comes ends by the deadline, and a request whose deadline
 * passes while it waits for a connection is never sent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DestinationPolicy, LOOPBACK_NETWORKS } from './destinations.js';
import { HttpClient } from './http.js';

let server: Server;
let base = '';
/** Resolved when the receiver sees the response to the path it keys closed (the client let go). */
const closed = new Map<string, Promise<void>>();
const open = new Set<ServerResponse>();
/** Every path the receiver was sent, in order. */
const seen: string[] = [];
/** Resolved when the connection that carried the path's request closes. */
const socketClosed = new Map<string, Promise<void>>();

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(path);
    socketClosed.set(path, new Promise((r) => req.socket.once('close', () => r())));
    open.add(res);
    closed.set(path, new Promise((r) => res.on('close', () => r())));
    res.on('close', () => open.delete(res));
    req.resume();
    req.on('end', () => {
      if (path.startsWith('/hang')) return;
      if (path === '/big-429') {
        res.writeHead(429, { 'retry-after': '7', 'content-length': '10000' });
        res.end('b'.repeat(4096) + 'c'.repeat(5904));
        return;
      }
      if (path === '/huge') {
        // 100 KiB of body and no end: only the drain limit can end this attempt.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('d'.repeat(100 * 1024));
        return;
      }
      const status = path.startsWith('/drip-500') ? 500 : 200;
      if (path.startsWith('/drip-flushed')) {
        // The status and headers alone, at once; the body never comes.
        res.writeHead(status, { 'content-length': '1000' });
        res.flushHeaders();
        return;
      }
      // The headers with the first body byte (one write, so both are in before the body wait starts),
      // then nothing more: a body that never ends.
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.write('a');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of open) res.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

function client(bodyWaitMs?: number, connectionsPerOrigin = 4) {
  return new HttpClient({
    connectionsPerOrigin,
    destinations: new DestinationPolicy(LOOPBACK_NETWORKS),
    userAgent: 'payhook/test',
    bodyWaitMs,
  });
}

test('a 200 whose body drips is a 200: the body is cut after the body wait, with what had arrived', async () => {
  const http = client(50);
  try {
    // A deadline far beyond the test's own time-out: only the body wait can end this attempt.
    const r = await http.post(`${base}/drip-chunked`, {}, '{}', 600_000);
    assert.equal(r.statusCode, 200);
    assert.equal(r.errorClass, null);
    assert.equal(r.errorMessage, null);
    assert.equal(r.bodyCut, true);
    assert.equal(r.responseBody, 'a');
    await closed.get('/drip-chunked'); // the connection was let go, not kept for the rest of the body
  } finally {
    await http.close();
  }
});

test('a body wait longer than the deadline: the deadline cuts the body, and the status still stands', async () => {
  const http = client(600_000);
  try {
    const r = await http.post(`${base}/drip-flushed`, {}, '{}', 1000);
    assert.equal(r.statusCode, 200);
    assert.equal(r.errorClass, null);
    assert.equal(r.bodyCut, true);
    assert.equal(r.responseBody, null, 'no byte of the body arrived');
    await closed.get('/drip-flushed');
  } finally {
    await http.close();
  }
});

test('a 500 whose body drips is a 500 (http_status), cut the same way', async () => {
  const http = client(50);
  try {
    const r = await http.post(`${base}/drip-500`, {}, '{}', 600_000);
    assert.equal(r.statusCode, 500);
    assert.equal(r.errorClass, 'http_status');
    assert.equal(r.bodyCut, true);
  } finally {
    await http.close();
  }
});

test('no answer at all is still a timeout at the deadline, whatever the body wait', async () => {
  const http = client(50);
  try {
    const r = await http.post(`${base}/hang`, {}, '{}', 1000);
    assert.equal(r.statusCode, null);
    assert.equal(r.errorClass, 'timeout');
    assert.equal(r.bodyCut, false);
    await closed.get('/hang');
  } finally {
    await http.close();
  }
});

test("an answer's status, Retry-After and first 4 KiB of body are kept", async () => {
  const http = client();
  try {
    const r = await http.post(`${base}/big-429`, {}, '{}', 600_000);
    assert.equal(r.statusCode, 429);
    assert.equal(r.errorClass, 'http_status');
    assert.equal(r.errorMessage, 'HTTP 429');
    assert.equal(r.retryAfter, '7');
    assert.equal(r.responseBody, 'b'.repeat(4096));
    assert.equal(r.bodyCut, false);
  } finally {
    await http.close();
  }
});

test('a body past the drain limit: the status and excerpt stand, and the connection is dropped', async () => {
  const http = client(600_000);
  try {
    const r = await http.post(`${base}/huge`, {}, '{}', 600_000);
    assert.equal(r.statusCode, 200);
    assert.equal(r.errorClass, null);
    assert.equal(r.responseBody, 'd'.repeat(4096));
    assert.equal(r.bodyCut, false, 'the body was not cut by a wait: it was too long to keep reading');
    await socketClosed.get('/huge');
  } finally {
    await http.close();
  }
});

test('a request whose deadline passes while it waits for a connection times out and is never sent', async () => {
  const http = client(50, 1);
  try {
    // The only connection is held by an answer that never comes, until its deadline.
    const first = http.post(`${base}/hang-holder`, {}, '{}', 1500);
    const queued = await http.post(`${base}/queued`, {}, '{}', 100);
    assert.equal(queued.errorClass, 'timeout');
    assert.equal(queued.statusCode, null);
    assert.equal((await first).errorClass, 'timeout');
    // Requests on one connection go in order: once the next one has arrived, the queued one had its
    // turn and was dropped unsent.
    const next = await http.post(`${base}/big-429`, {}, '{}', 600_000);
    assert.equal(next.statusCode, 429);
    assert.ok(!seen.includes('/queued'), `the receiver was sent: ${seen.join(', ')}`);
  } finally {
    await http.close();
  }
});
