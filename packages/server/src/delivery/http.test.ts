/**
 * The HTTP client against real loopback receivers that answer badly: a body that drips after its
 * headers is cut and the status stands; an answer that never comes ends by the deadline.
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

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    open.add(res);
    closed.set(path, new Promise((r) => res.on('close', () => r())));
    res.on('close', () => open.delete(res));
    req.resume();
    req.on('end', () => {
      if (path.startsWith('/hang')) return;
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

function client(bodyWaitMs?: number) {
  return new HttpClient({
    connectionsPerOrigin: 4,
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
