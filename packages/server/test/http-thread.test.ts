/**
 * The HTTP client in a worker thread (delivery/http-thread.ts): the same answers as the in-process
 * client for every kind of outcome, the destination policy enforced in the worker before connecting,
 * a worker crash that loses nothing, and both ways of shutting down (the waiting room has its own file,
 * http-thread-room.test.ts). Real receivers on loopback, IP literals only (no DNS).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifySignature } from '@payhook/sdk';
import { DestinationPolicy } from '../src/delivery/destinations.js';
import { HttpClient, type HttpResult, type HttpSender } from '../src/delivery/http.js';
import { ANSWER_CHUNK, createHttpSender, inChunks, ThreadedHttpClient } from '../src/delivery/http-thread.js';
import { createEndpoint } from '../src/endpoints/service.js';
import { startEngine } from './helpers/engine.js';
import { held, loopback, Target } from './helpers/http-targets.js';
import { eventually } from './helpers/receiver.js';

function threaded(destinations = loopback()): ThreadedHttpClient {
  return new ThreadedHttpClient({ connectionsPerOrigin: 8, destinations, userAgent: 'payhook/test' });
}

/** What an attempt keeps of a result, without its duration. */
function outcome(r: HttpResult) {
  return {
    statusCode: r.statusCode,
    responseBody: r.responseBody,
    retryAfter: r.retryAfter,
    errorClass: r.errorClass,
    errorMessage: r.errorMessage,
    bodyCut: r.bodyCut,
  };
}

describe('the threaded HTTP client', () => {
  let target: Target;
  before(async () => {
    target = await new Target().start();
    target.routes.set('/503', (res) => res.writeHead(503, { 'retry-after': '7' }).end('busy, later'));
    target.routes.set('/302', (res) => res.writeHead(302, { location: '/elsewhere' }).end());
    target.routes.set('/empty', (res) => res.writeHead(204).end());
    target.routes.set('/big', (res) => res.writeHead(200).end('x'.repeat(10_000)));
    target.routes.set('/hang', () => {});
    // The status at once, then a body that never ends: cut BODY_WAIT_MS after the headers.
    target.routes.set('/drip', (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
  });
  after(async () => {
    await target.close();
  });

  test('answers every kind of outcome as the in-process client does', async () => {
    const inProcess = new HttpClient({ connectionsPerOrigin: 8, destinations: loopback(), userAgent: 'payhook/test' });
    const thread = threaded();
    try {
      const cases: [string, number][] = [
        [`${target.url}/ok`, 2000],
        [`${target.url}/503`, 2000],
        [`${target.url}/302`, 2000],
        [`${target.url}/empty`, 2000],
        [`${target.url}/big`, 2000],
        [`${target.url}/hang`, 200],
        ['http://127.0.0.1:1/refused', 2000],
        ['not a url', 2000],
        [`${target.url}/drip`, 5000],
      ];
      for (const [url, timeoutMs] of cases) {
        const [a, b] = await Promise.all([
          inProcess.post(url, { 'content-type': 'application/json' }, '{}', timeoutMs),
          thread.post(url, { 'content-type': 'application/json' }, '{}', timeoutMs),
        ]);
        assert.deepEqual(outcome(b), outcome(a), url);
        assert.equal(b.internal, undefined, url);
      }
      // The classes themselves, so the comparison cannot pass on two wrong clients.
      const classes = await Promise.all(cases.map(([url, ms]) => thread.post(url, {}, '{}', ms)));
      assert.deepEqual(
        classes.map((r) => r.errorClass),
        [null, 'http_status', 'redirect', null, null, 'timeout', 'refused', 'invalid_url', null],
      );
      assert.deepEqual(
        classes.map((r) => r.bodyCut),
        [false, false, false, false, false, false, false, false, true],
      );
      assert.equal(classes[1].retryAfter, '7');
      assert.equal(classes[1].responseBody, 'busy, later');
      assert.equal(classes[4].responseBody?.length, 4096);
    } finally {
      await inProcess.close();
      await thread.destroy();
    }
  });

  test('many requests of one turn travel together and each gets its own answer', async () => {
    const thread = threaded();
    try {
      const paths = Array.from({ length: 200 }, (_, i) => `/many/${i}`);
      const results = await Promise.all(
        paths.map((p, i) => thread.post(target.url + p, { 'x-n': String(i) }, `{"n":${i}}`, 5000)),
      );
      results.forEach((r, i) => {
        assert.equal(r.statusCode, 200);
        assert.equal(r.responseBody, `ok ${paths[i]}`);
      });
      for (const [i, p] of paths.entries()) {
        const s = target.seen.find((x) => x.path === p);
        assert.equal(s?.headers['x-n'], String(i));
        assert.equal(s?.body, `{"n":${i}}`);
      }
    } finally {
      await thread.close();
    }
  });

  test('refuses a blocked destination in the worker, before connecting', async () => {
    // Only 127.0.0.2 is opened: the policy crosses to the worker as its ranges, not as a default.
    const canary = await new Target().start('127.0.0.1');
    const allowed = await new Target().start('127.0.0.2');
    const thread = threaded(new DestinationPolicy(['127.0.0.2/32']));
    try {
      for (const url of [`${canary.url}/x`, `http://[::ffff:127.0.0.1]:${new URL(canary.url).port}/x`]) {
        const r = await thread.post(url, {}, '{}', 1000);
        assert.equal(r.errorClass, 'blocked', url);
        assert.match(r.errorMessage ?? '', /loopback/);
      }
      const ok = await thread.post(`${allowed.url}/y`, {}, '{}', 1000);
      assert.equal(ok.statusCode, 200);
      assert.equal(canary.connections, 0, 'the refused address saw no connection');
      assert.equal(allowed.connections, 1);
    } finally {
      await thread.close();
      await canary.close();
      await allowed.close();
    }
  });

  test('a worker that dies ends its requests as internal failures, and the next request starts another', async () => {
    const thread = threaded();
    const h = held();
    target.routes.set('/crash', h.route);
    try {
      await thread.post(`${target.url}/warm`, {}, '{}', 2000);
      const first = thread.worker;
      assert.ok(first);
      const pending = thread.post(`${target.url}/crash`, {}, '{}', 10_000);
      await h.arrived;
      await first.terminate();
      const r = await pending;
      assert.equal(r.errorClass, 'unknown');
      assert.equal(r.internal, true);
      assert.match(r.errorMessage ?? '', /worker thread stopped/);
      await h.closed; // its connection went with the thread
      const again = await thread.post(`${target.url}/after`, {}, '{}', 2000);
      assert.equal(again.statusCode, 200);
      assert.ok(thread.worker && thread.worker !== first, 'a new worker serves');
    } finally {
      target.routes.delete('/crash');
      await thread.close();
    }
  });

  test('close() waits for what is in flight; nothing is sent after it', async () => {
    const thread = threaded();
    const h = held();
    target.routes.set('/slow', h.route);
    try {
      const pending = thread.post(`${target.url}/slow`, {}, '{}', 10_000);
      const res = await h.arrived;
      const closing = thread.close();
      res.writeHead(200).end('late');
      const r = await pending;
      assert.equal(r.statusCode, 200, 'the request in flight finished');
      assert.equal(r.responseBody, 'late');
      await closing;
      assert.equal(thread.worker, null);
      const afterClose = await thread.post(`${target.url}/never`, {}, '{}', 1000);
      assert.equal(afterClose.errorClass, 'unknown');
      assert.equal(
        target.seen.some((s) => s.path === '/never'),
        false,
      );
    } finally {
      target.routes.delete('/slow');
    }
  });

  test('destroy() drops the connections now and ends the requests in flight', async () => {
    const thread = threaded();
    const h = held();
    target.routes.set('/stuck', h.route);
    try {
      const pending = thread.post(`${target.url}/stuck`, {}, '{}', 30_000);
      await h.arrived;
      await thread.destroy();
      const r = await pending;
      assert.equal(r.statusCode, null);
      assert.equal(r.internal, true);
      await h.closed;
      assert.equal(thread.worker, null);
    } finally {
      target.routes.delete('/stuck');
    }
  });

  test('warm() starts the worker and resolves once it has loaded; requests then go to that worker', async () => {
    const thread = threaded();
    try {
      assert.equal(thread.worker, null, 'no worker before it is needed');
      await thread.warm();
      const warmed = thread.worker;
      assert.ok(warmed);
      assert.equal((await thread.post(`${target.url}/warmed`, {}, '{}', 2000)).statusCode, 200);
      assert.equal(thread.worker, warmed);
    } finally {
      await thread.close();
    }
  });

  test('an injected lookup keeps the in-process client (a function cannot cross threads)', async () => {
    const common = { connectionsPerOrigin: 1, destinations: loopback(), userAgent: 'payhook/test', thread: true };
    const senders: HttpSender[] = [
      createHttpSender({ ...common, lookup: (_h, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) }),
      createHttpSender(common),
      createHttpSender({ ...common, thread: false }),
    ];
    assert.ok(senders[0] instanceof HttpClient);
    assert.ok(senders[1] instanceof ThreadedHttpClient);
    assert.ok(senders[2] instanceof HttpClient);
    await Promise.all(senders.map((s) => s.close()));
  });
});

test('a batch of answers is taken ANSWER_CHUNK at a time, a turn of the event loop between chunks', async () => {
  // Each answer ends its attempt on the dispatcher's thread; a whole burst in one task held the API's
  // requests behind it (http-thread.ts, ANSWER_CHUNK).
  const count = 5 * ANSWER_CHUNK + 3;
  const taken: Array<[number, number]> = [];
  inChunks(count, ANSWER_CHUNK, (first, end) => taken.push([first, end]));
  assert.deepEqual(taken, [[0, ANSWER_CHUNK]], 'one chunk in the turn of the batch');
  let turns = 0;
  while (taken.length < 6) {
    await new Promise<void>((r) => setImmediate(r));
    turns++;
    assert.ok(taken.length <= turns + 1, `at most one more chunk a turn (${taken.length} after ${turns})`);
  }
  assert.deepEqual(
    taken,
    [0, 1, 2, 3, 4, 5].map((k) => [k * ANSWER_CHUNK, Math.min(count, (k + 1) * ANSWER_CHUNK)]),
  );
});

describe('the dispatcher on the threaded client', () => {
  test('delivers signed webhooks; a worker crash mid-request ends that attempt as a retried failure, and nothing is lost', async () => {
    const target = await new Target().start();
    const http = threaded();
    const engine = await startEngine({ http });
    const h = held();
    target.routes.set('/crash', h.route);
    try {
      const { secret } = await createEndpoint(engine.store, engine.merchantId, {
        url: `${target.url}/hook`,
        event_types: ['order.success'],
      });
      // One event only, so no later success resets its circuit; an hour before its retry, so the failed
      // attempt can be looked at before the delivery goes again.
      const crashing = await createEndpoint(engine.store, engine.merchantId, {
        url: `${target.url}/crash`,
        event_types: ['order.cancel'],
        retry_schedule: ['1h'],
      });
      const crashEvent = (
        await engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.cancel', data: { n: 0 } })
      ).event;
      // The request to /crash is held at the receiver; the others go beside it meanwhile.
      await h.arrived;
      const events = [];
      for (let i = 0; i < 20; i++)
        events.push(
          (await engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.success', data: { i } })).event,
        );
      const hooks = () => target.seen.filter((s) => s.path === '/hook');
      await eventually(() => hooks().length >= 20, 10_000, '20 webhooks');
      for (const s of hooks()) verifySignature(s.body, s.headers as Record<string, string>, secret);
      assert.deepEqual(new Set(hooks().map((s) => s.headers['webhook-id'])), new Set(events.map((e) => e.id)));

      // The worker is ended under the held request.
      target.routes.delete('/crash');
      await http.worker?.terminate();
      const attemptOf = async () => {
        const page = await engine.store.listDeliveries({
          merchantId: engine.merchantId,
          eventId: crashEvent.id,
          endpointId: crashing.endpoint.id,
          limit: 1,
        });
        return page.items[0];
      };
      const crashed = await eventually(
        async () => {
          const d = await attemptOf();
          return d?.attempts === 1 ? d : null;
        },
        10_000,
        'the crashed attempt recorded',
      );
      assert.equal(crashed.status, 'pending', 'retried later');
      const [attempt] = await engine.store.listAttempts(engine.merchantId, crashed.id);
      assert.equal(attempt.errorClass, 'unknown');
      assert.equal(attempt.statusCode, null);
      assert.match(attempt.errorMessage ?? '', /worker thread stopped/);
      assert.ok(attempt.nextRetryAt, 'it is retried');
      // payhook's own failure is not the endpoint's: its circuit breaker did not count it.
      const ep = await engine.store.getEndpoint(engine.merchantId, crashing.endpoint.id);
      assert.equal(ep?.circuit.failingSince, null);

      // A new worker sends the retry.
      await engine.store.retryDelivery(engine.merchantId, crashed.id, Date.now());
      engine.dispatcher.kick();
      const retried = await eventually(async () => {
        const d = await attemptOf();
        return d?.status === 'succeeded' ? d : null;
      }, 10_000);
      assert.equal(retried.attempts, 2);
      assert.equal(target.seen.filter((s) => s.path === '/crash').length, 2, 'the crashed one was sent again');
    } finally {
      await engine.close();
      await target.close();
    }
  });
});
