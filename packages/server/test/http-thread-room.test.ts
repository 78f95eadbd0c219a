/**
 * The HTTP worker's waiting room (delivery/http-thread.ts, http-worker.ts, queues.ts): the worker holds
 * what it is handed beyond `maxInFlight` and opens it as requests end, never more than `maxInFlight`
 * open nor more than an endpoint's limit; what cannot start by its start-by, or waits for an endpoint
 * that just answered slowly, is handed back unsent and its claim given back with no attempt. Real
 * receivers on loopback, IP literals only (no DNS).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResult } from '../src/delivery/http.js';
import { ThreadedHttpClient } from '../src/delivery/http-thread.js';
import { createEndpoint } from '../src/endpoints/service.js';
import { startEngine } from './helpers/engine.js';
import { held, loopback, Target } from './helpers/http-targets.js';
import { eventually } from './helpers/receiver.js';

describe('the threaded HTTP client, its waiting room', () => {
  test('holds what it is handed beyond maxInFlight waiting, and never has more open than maxInFlight or a group its limit', async () => {
    const target = await new Target().start();
    // Every request is held until the test answers it; the receiver counts what is open at once.
    const open: { path: string; res: ServerResponse }[] = [];
    let most = 0;
    let mostA = 0;
    const hold = (path: string) => (res: ServerResponse) => {
      open.push({ path, res });
      most = Math.max(most, open.length);
      mostA = Math.max(mostA, open.filter((o) => o.path.startsWith('/a')).length);
    };
    for (let i = 0; i < 3; i++) {
      target.routes.set(`/a${i}`, hold(`/a${i}`));
      target.routes.set(`/b${i}`, hold(`/b${i}`));
    }
    const client = new ThreadedHttpClient({
      connectionsPerOrigin: 8,
      maxInFlight: 2,
      waitingRoom: 4,
      destinations: loopback(),
      userAgent: 'payhook/test',
    });
    assert.equal(client.waitingRoom, 4);
    try {
      const far = Date.now() + 60_000;
      const answers: Promise<HttpResult>[] = [];
      // Group a may have one request open, group b ten: a1 and a2 wait for a0 even while a slot is free.
      for (let i = 0; i < 3; i++)
        answers.push(client.post(`${target.url}/a${i}`, {}, '{}', 10_000, { group: 'a', groupLimit: 1, startBy: far }));
      for (let i = 0; i < 3; i++)
        answers.push(
          client.post(`${target.url}/b${i}`, {}, '{}', 10_000, { group: 'b', groupLimit: 10, startBy: far }),
        );
      let answered = 0;
      while (answered < 6) {
        await eventually(() => open.length > 0, 5000, 'a request open at the receiver');
        const o = open.shift()!;
        o.res.writeHead(200).end('ok');
        answered++;
      }
      const results = await Promise.all(answers);
      assert.deepEqual(
        results.map((r) => r.statusCode),
        [200, 200, 200, 200, 200, 200],
      );
      assert.ok(results.every((r) => !r.notSent));
      assert.equal(target.seen.length, 6, 'each request made once');
      assert.equal(most, 2, 'never more than maxInFlight open, and the room kept both busy');
      assert.equal(mostA, 1, "never more than group a's limit open");
    } finally {
      await client.close();
      await target.close();
    }
  });

  test('a request that cannot start by its startBy is answered notSent and never made', async () => {
    const target = await new Target().start();
    const h = held();
    target.routes.set('/first', h.route);
    const client = new ThreadedHttpClient({
      connectionsPerOrigin: 8,
      maxInFlight: 1,
      destinations: loopback(),
      userAgent: 'payhook/test',
    });
    try {
      const far = Date.now() + 60_000;
      const first = client.post(`${target.url}/first`, {}, '{}', 10_000, { group: 'a', groupLimit: 5, startBy: far });
      const res = await h.arrived;
      // The one slot is held: the second waits in the room past the time it had to start by.
      const startBy = Date.now() + 100;
      const second = client.post(`${target.url}/second`, {}, '{}', 10_000, { group: 'a', groupLimit: 5, startBy });
      while (Date.now() <= startBy + 20) await new Promise((r) => setTimeout(r, 25));
      res.writeHead(200).end('ok');
      const [a, b] = await Promise.all([first, second]);
      assert.equal(a.statusCode, 200);
      assert.equal(b.notSent, true);
      assert.equal(b.internal, true, "not the endpoint's failure");
      assert.equal(b.statusCode, null);
      // Already late when handed over, with a slot free: not made either.
      const late = await client.post(`${target.url}/late`, {}, '{}', 10_000, {
        group: 'b',
        groupLimit: 5,
        startBy: Date.now() - 1,
      });
      assert.equal(late.notSent, true);
      const sent = await client.post(`${target.url}/after`, {}, '{}', 10_000);
      assert.equal(sent.statusCode, 200, 'requests without a turn are opened as before');
      assert.deepEqual(
        target.seen.map((s) => s.path),
        ['/first', '/after'],
        'the receiver never saw the requests that were not sent',
      );
    } finally {
      await client.close();
      await target.close();
    }
  });

  test("what waits for an endpoint that just answered slowly is handed back unsent; other endpoints' requests go", async () => {
    const target = await new Target().start();
    const h = held();
    target.routes.set('/a0', h.route);
    const client = new ThreadedHttpClient({
      connectionsPerOrigin: 8,
      maxInFlight: 1,
      waitingRoom: 4,
      destinations: loopback(),
      userAgent: 'payhook/test',
    });
    try {
      const far = Date.now() + 60_000;
      const turn = (group: string) => ({ group, groupLimit: 1, startBy: far });
      const a0 = client.post(`${target.url}/a0`, {}, '{}', 10_000, turn('a'));
      const res = await h.arrived;
      const a1 = client.post(`${target.url}/a1`, {}, '{}', 10_000, turn('a'));
      const b0 = client.post(`${target.url}/b0`, {}, '{}', 10_000, turn('b'));
      // Give both time to reach the worker's room before the first answer (they cross in one message).
      await new Promise((r) => setTimeout(r, 100));
      res.socket?.destroy(); // no answer: the connection is reset
      const [r0, r1, rb] = await Promise.all([a0, a1, b0]);
      assert.equal(r0.errorClass, 'reset');
      assert.equal(r1.notSent, true, "a's waiting request goes back to the dispatcher");
      assert.equal(rb.statusCode, 200, "b's is opened as usual");
      assert.deepEqual(
        target.seen.map((s) => s.path),
        ['/a0', '/b0'],
      );
    } finally {
      await client.close();
      await target.close();
    }
  });
});

describe('the dispatcher on the waiting room', () => {
  test('hands the worker more than maxInFlight, yet never has more open at the receiver; each webhook once', async () => {
    // Each request is answered a moment later, so requests overlap and the room is used.
    let open = 0;
    let most = 0;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      open++;
      most = Math.max(most, open);
      req.resume();
      req.on('end', () => {
        seen.push(String(req.headers['webhook-id']));
        setTimeout(() => {
          open--;
          res.writeHead(200).end('ok');
        }, 5);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const engine = await startEngine({ httpThread: true, maxInFlight: 3, maxInFlightPerEndpoint: 8 });
    try {
      for (let i = 0; i < 3; i++)
        await createEndpoint(engine.store, engine.merchantId, { url: `${url}?e=${i}`, event_types: ['order.success'] });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++)
        ids.push(
          (await engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.success', data: { i } })).event.id,
        );
      await eventually(() => seen.length >= 120, 20_000, '120 webhooks');
      await engine.dispatcher.flush();
      assert.equal(seen.length, 120, 'each delivery made once');
      assert.equal(new Set(seen).size, 40);
      assert.ok(most <= 3, `at most maxInFlight open at once (saw ${most})`);
      assert.ok(most >= 2, 'requests overlapped');
    } finally {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('a webhook that waited in the worker past its start-by is given back and sent on a new claim; the wait is no attempt', async () => {
    const target = await new Target().start();
    const h = held();
    target.routes.set('/hang', h.route);
    // One request open at a time and a short lease: what waits behind the hanging request must start
    // within a second of its claim (lease 4 s − timeout 2 s − margin 1 s), and cannot.
    const engine = await startEngine({ httpThread: true, maxInFlight: 1, leaseMs: 4000, timeoutMs: 2000 });
    try {
      await createEndpoint(engine.store, engine.merchantId, {
        url: `${target.url}/hang`,
        event_types: ['order.cancel'],
      });
      await createEndpoint(engine.store, engine.merchantId, {
        url: `${target.url}/ok`,
        event_types: ['order.success'],
      });
      // The claims the dispatcher gives back, seen on their way to the real store.
      const givenBack: string[] = [];
      const release = engine.store.releaseClaims.bind(engine.store);
      engine.store.releaseClaims = (owner, ids) => {
        givenBack.push(...ids);
        return release(owner, ids);
      };
      await engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.cancel', data: {} });
      await h.arrived;
      const { event } = await engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.success', data: {} });
      const delivered = await eventually(async () => {
        const list = await engine.store.listDeliveries({ merchantId: engine.merchantId, eventId: event.id, limit: 10 });
        const d = list.items[0];
        return d?.status === 'succeeded' ? d : null;
      }, 15_000);
      assert.equal(delivered.attempts, 1, 'the wait was not counted as an attempt');
      assert.ok(givenBack.includes(delivered.id), 'its claim was given back when it could not start in time');
      assert.equal(target.seen.filter((s) => s.path === '/ok').length, 1, 'sent once');
      const [attempt] = await engine.store.listAttempts(engine.merchantId, delivered.id);
      assert.equal(attempt.statusCode, 200);
    } finally {
      await engine.close();
      await target.close();
    }
  });
});
