/**
 * The delivery engine end to end, in process: a real store (SQLite file or PostgreSQL schema), a real
 * dispatcher, a real receiver. `delivery.sqlite.test.ts` and `delivery.postgres.test.ts` run it.
 */
import { OLDEST_API_VERSION } from '../../src/events/versions.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { verifySignature } from '@payhook/sdk';
import type { EndpointId, EventId } from '../../src/ids.js';
import { createEndpoint, getSecrets, rotateSecret } from '../../src/endpoints/service.js';
import { eventually, Receiver, type OpenClose } from '../helpers/receiver.js';
import { startEngine, type Engine } from '../helpers/engine.js';
import type { Store } from '../../src/store/types.js';

/** How many requests to the dripping endpoints (`/drips/…`) a stretch of the receiver's log opened. */
function countDripOpens(log: readonly OpenClose[]): number {
  return log.filter((e) => e.open && e.path.startsWith('/drips/')).length;
}

export function runDeliverySuite(
  newStore: () => Promise<Store | undefined>,
  cleanup: () => Promise<void> = async () => {},
): void {
  let engine: Engine;
  let rx: Receiver;

  before(async () => {
    engine = await startEngine({}, await newStore());
    rx = await new Receiver().start();
  });
  after(async () => {
    await engine.close();
    await rx.close();
    await cleanup();
  });

  async function endpoint(path: string, extra: Record<string, unknown> = {}) {
    return createEndpoint(engine.store, engine.merchantId, { url: rx.url + path, ...extra });
  }

  async function send(type: string, data: Record<string, unknown> = { n: 1 }) {
    return (await engine.ingestor.send({ merchantId: engine.merchantId, type, data })).event;
  }

  async function deliveryOf(eventId: EventId, endpointId: EndpointId) {
    const page = await engine.store.listDeliveries({ merchantId: engine.merchantId, eventId, endpointId, limit: 10 });
    assert.equal(page.items.length, 1, 'one delivery per event and endpoint');
    return page.items[0];
  }

  async function settled(eventId: EventId, endpointId: EndpointId) {
    return eventually(
      async () => {
        const d = await deliveryOf(eventId, endpointId);
        return d.status !== 'pending' ? d : null;
      },
      10_000,
      `delivery of ${eventId} to settle`,
    );
  }

  describe('fan-out', () => {
    test('an event goes only to the endpoints whose filter matches it', async () => {
      const orders = await endpoint('/fan/orders', { event_types: ['order.*'] });
      const txn = await endpoint('/fan/txn', { event_types: ['transaction.success'] });
      const all = await endpoint('/fan/all');
      const ev = await send('order.success');
      await rx.waitFor(() => rx.for('/fan/orders').length === 1 && rx.for('/fan/all').length === 1);
      assert.equal((await settled(ev.id, orders.endpoint.id)).status, 'succeeded');
      assert.equal((await settled(ev.id, all.endpoint.id)).status, 'succeeded');
      const none = await engine.store.listDeliveries({
        merchantId: engine.merchantId,
        eventId: ev.id,
        endpointId: txn.endpoint.id,
        limit: 10,
      });
      assert.equal(none.items.length, 0);
      assert.equal(rx.for('/fan/txn').length, 0);
    });

    test('the body is the stored envelope and the headers follow Standard Webhooks', async () => {
      // The oldest event version sends the stored bytes (a later one renders them: api-versions.test.ts).
      const { endpoint: ep, secret } = await endpoint('/hdr', {
        headers: { 'x-merchant-tag': 'abc' },
        api_version: OLDEST_API_VERSION,
      });
      const ev = await send('order.cancel', { order_id: 'ord_1', amount: 10000 });
      await rx.waitFor(() => rx.for('/hdr').length === 1);
      const r = rx.for('/hdr')[0];
      assert.equal(r.body, ev.body);
      assert.deepEqual(JSON.parse(r.body), {
        id: ev.id,
        type: 'order.cancel',
        timestamp: new Date(ev.createdAt).toISOString(),
        livemode: false,
        data: { order_id: 'ord_1', amount: 10000 },
      });
      assert.equal(r.headers['webhook-id'], ev.id);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.match(String(r.headers['user-agent']), /^payhook\//);
      assert.equal(r.headers['x-merchant-tag'], 'abc');
      assert.match(String(r.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
      verifySignature(r.body, r.headers, secret);
      assert.doesNotThrow(() => new StandardWebhook(secret).verify(r.body, r.headers as Record<string, string>));
      assert.doesNotThrow(() =>
        new SvixWebhook(secret).verify(r.body, {
          'svix-id': String(r.headers['webhook-id']),
          'svix-timestamp': String(r.headers['webhook-timestamp']),
          'svix-signature': String(r.headers['webhook-signature']),
        }),
      );
      assert.equal((await settled(ev.id, ep.id)).status, 'succeeded');
    });
  });

  describe('retries and failures', () => {
    test('a receiver that fails twice gets the event on the third attempt, same id and bytes each time', async () => {
      rx.on('/flaky', { kind: 'fail-then-ok', failures: 2 });
      const { endpoint: ep } = await endpoint('/flaky');
      const ev = await send('order.success');
      const d = await settled(ev.id, ep.id);
      assert.equal(d.status, 'succeeded');
      assert.equal(d.attempts, 3);
      const hits = rx.for('/flaky');
      assert.equal(hits.length, 3);
      assert.equal(new Set(hits.map((h) => h.headers['webhook-id'])).size, 1);
      assert.equal(new Set(hits.map((h) => h.body)).size, 1);
      const log = await engine.store.listAttempts(engine.merchantId, d.id);
      assert.deepEqual(
        log.map((a) => a.statusCode),
        [500, 500, 200],
      );
      assert.deepEqual(
        log.map((a) => a.errorClass),
        ['http_status', 'http_status', null],
      );
      assert.equal(log[0].responseBody, 'not yet');
      assert.ok(log[0].nextRetryAt !== null && log[2].nextRetryAt === null);
    });

    test('retries exhausted: the delivery fails visibly with every attempt logged', async () => {
      rx.on('/down', { kind: 'status', status: 503, body: 'maintenance' });
      const { endpoint: ep } = await endpoint('/down');
      const ev = await send('order.success');
      const d = await settled(ev.id, ep.id);
      assert.equal(d.status, 'failed');
      assert.equal(d.attempts, 4, 'first try plus the three scheduled retries');
      assert.equal(d.lastStatusCode, 503);
    });

    test('410 Gone disables the endpoint; the delivery waits for it', async () => {
      rx.on('/gone', { kind: 'status', status: 410 });
      const { endpoint: ep } = await endpoint('/gone');
      const ev = await send('order.success');
      const after = await eventually(async () => {
        const e = await engine.store.getEndpoint(engine.merchantId, ep.id);
        return e?.disabled ? e : null;
      });
      assert.equal(after.disabledReason, 'gone');
      const d = await eventually(async () => {
        const x = await deliveryOf(ev.id, ep.id);
        return x.attempts === 1 ? x : null;
      });
      assert.deepEqual([d.status, d.nextAttemptAt], ['pending', null]);
      const ev2 = await send('order.success');
      const waiting = await deliveryOf(ev2.id, ep.id);
      assert.deepEqual([waiting.status, waiting.nextAttemptAt], ['pending', null], 'a new delivery waits too');
    });

    test('a 3xx is a failure and the redirect is not followed', async () => {
      rx.on('/moved', { kind: 'status', status: 302, headers: { location: '/elsewhere' } });
      const { endpoint: ep } = await endpoint('/moved');
      const ev = await send('order.success');
      const d = await settled(ev.id, ep.id);
      assert.equal(d.status, 'failed');
      assert.equal(rx.for('/elsewhere').length, 0);
      const log = await engine.store.listAttempts(engine.merchantId, d.id);
      assert.ok(log.every((a) => a.statusCode === 302 && a.errorClass === 'redirect'));
    });

    test('a hanging receiver times out and is retried', async () => {
      rx.on('/hang', { kind: 'hang' });
      const { endpoint: ep } = await endpoint('/hang', { timeout_ms: 1000 });
      const ev = await send('order.success');
      const d = await settled(ev.id, ep.id);
      assert.equal(d.status, 'failed');
      const log = await engine.store.listAttempts(engine.merchantId, d.id);
      assert.equal(log.length, 4);
      assert.ok(log.every((a) => a.errorClass === 'timeout' && a.statusCode === null));
    });

    test('a receiver that answers 200 and then drips its body has accepted: one attempt each, never more in flight', async () => {
      // Its headers come at once, its body never ends: each attempt is cut by the body wait (500 ms),
      // well before the deadline, so it looks quick by its duration. The governor must still count it
      // slow, or the endpoint would be given a second request, then a third, to hold open.
      rx.on('/drip', { kind: 'drip' });
      const { endpoint: ep } = await endpoint('/drip', { event_types: ['drip.*'] });
      const events = [];
      for (let i = 0; i < 4; i++) events.push(await send('drip.event', { i }));
      for (const ev of events) {
        const d = await settled(ev.id, ep.id);
        assert.equal(d.status, 'succeeded');
        assert.equal(d.attempts, 1, 'a 2xx is not retried, however its body ends');
        const log = await engine.store.listAttempts(engine.merchantId, d.id);
        assert.equal(log.length, 1);
        assert.equal(log[0].statusCode, 200);
        assert.equal(log[0].errorClass, null);
      }
      assert.equal(rx.for('/drip').length, 4, 'no duplicate sent');
      assert.equal(rx.peakConcurrency.get('/drip'), 1);
      await rx.waitFor(() => rx.openNow('/drip') === 0, 10_000, 'every dripping response let go');
    });

    test('a refused connection is classified', async () => {
      const { endpoint: ep } = await createEndpoint(engine.store, engine.merchantId, {
        url: 'http://127.0.0.1:1/refused',
      });
      const ev = await send('order.success');
      const d = await settled(ev.id, ep.id);
      const log = await engine.store.listAttempts(engine.merchantId, d.id);
      assert.equal(log[0].errorClass, 'refused');
    });
  });

  describe('manual retry and recovery', () => {
    test('a failed delivery retried by hand is delivered once the receiver is back', async () => {
      rx.on('/manual', { kind: 'status', status: 500 });
      const { endpoint: ep } = await endpoint('/manual');
      const ev = await send('order.success');
      const d = await settled(ev.id, ep.id);
      assert.equal(d.status, 'failed');
      rx.on('/manual', { kind: 'ok' });
      const reopened = await engine.store.retryDelivery(engine.merchantId, d.id, Date.now());
      assert.equal(reopened?.status, 'pending');
      const done = await eventually(async () => {
        const x = await deliveryOf(ev.id, ep.id);
        return x.status === 'succeeded' ? x : null;
      });
      assert.equal(done.attempts, 5);
    });

    test('recover re-sends every failed delivery of an endpoint since a time', async () => {
      rx.on('/recover', { kind: 'status', status: 500 });
      const { endpoint: ep } = await endpoint('/recover');
      const since = Date.now();
      const events = [await send('order.success'), await send('order.cancel'), await send('order.success')];
      for (const ev of events) assert.equal((await settled(ev.id, ep.id)).status, 'failed');
      rx.on('/recover', { kind: 'ok' });
      assert.equal(await engine.store.recoverEndpoint(engine.merchantId, ep.id, since, Date.now()), 3);
      for (const ev of events) {
        await eventually(
          async () => (await deliveryOf(ev.id, ep.id)).status === 'succeeded',
          10_000,
          'recovered delivery',
        );
      }
    });
  });

  describe('secret rotation', () => {
    test('after a rotation both secrets sign, and third-party verifiers accept either', async () => {
      const { endpoint: ep, secret: oldSecret } = await endpoint('/rotate');
      const newSecret = await rotateSecret(engine.store, engine.merchantId, ep.id, 60_000);
      engine.bus.emit('endpoint:changed', { endpointId: ep.id });
      const secrets = await getSecrets(engine.store, engine.merchantId, ep.id);
      assert.equal(secrets.current, newSecret);
      assert.deepEqual(
        secrets.previous.map((s) => s.secret),
        [oldSecret],
      );
      await send('order.success');
      await rx.waitFor(() => rx.for('/rotate').length === 1);
      const r = rx.for('/rotate')[0];
      assert.equal(String(r.headers['webhook-signature']).split(' ').length, 2);
      for (const s of [oldSecret, newSecret]) {
        verifySignature(r.body, r.headers, s);
        assert.doesNotThrow(() => new StandardWebhook(s).verify(r.body, r.headers as Record<string, string>));
        assert.doesNotThrow(() =>
          new SvixWebhook(s).verify(r.body, {
            'svix-id': String(r.headers['webhook-id']),
            'svix-timestamp': String(r.headers['webhook-timestamp']),
            'svix-signature': String(r.headers['webhook-signature']),
          }),
        );
      }
    });

    test('a rotated-out secret stops signing when its overlap ends', async () => {
      const { endpoint: ep, secret: oldSecret } = await endpoint('/rotate-now');
      const newSecret = await rotateSecret(engine.store, engine.merchantId, ep.id, 0);
      engine.bus.emit('endpoint:changed', { endpointId: ep.id });
      await send('order.success');
      await rx.waitFor(() => rx.for('/rotate-now').length === 1);
      const r = rx.for('/rotate-now')[0];
      assert.equal(String(r.headers['webhook-signature']).split(' ').length, 1);
      verifySignature(r.body, r.headers, newSecret);
      assert.throws(() => verifySignature(r.body, r.headers, oldSecret), /no signature/);
    });
  });

  describe('isolation', () => {
    test('a hanging endpoint holds at most its in-flight limit and does not starve a healthy one', async () => {
      rx.on('/stuck', { kind: 'hang' });
      const stuck = await createEndpoint(engine.store, engine.merchantId, {
        url: `${rx.url}/stuck`,
        event_types: ['stuck.*'],
        timeout_ms: 1000,
      });
      const healthy = await createEndpoint(engine.store, engine.merchantId, {
        url: `${rx.url}/healthy`,
        event_types: ['healthy.*'],
      });
      for (let i = 0; i < 100; i++) await send('stuck.event', { i });
      for (let i = 0; i < 30; i++) await send('healthy.event', { i });
      // Every healthy event arrives while the stuck endpoint is still holding its first requests open.
      await rx.waitFor(() => rx.for('/healthy').length === 30, 10_000, 'healthy deliveries');
      // Its adaptive limit only shrinks on timeouts, so it never reaches maxInFlightPerEndpoint (8 here).
      const peak = rx.peakConcurrency.get('/stuck') ?? 0;
      assert.ok(peak >= 1 && peak < 8, `a hanging endpoint held ${peak} requests at once`);
      assert.ok(stuck.endpoint.id && healthy.endpoint.id);
      await engine.store.updateEndpoint(engine.merchantId, stuck.endpoint.id, { disabled: true }, Date.now());
    });

    test('dripping endpoints hold at most their share of the slots, and a healthy one is served while they drip', async () => {
      // Ten slots, a tenth of them for endpoints in trouble: one. The body wait is longer than the dripping endpoints' deadline (1 s), so each of
      // their attempts holds its slot until the deadline cuts it (and it is a success: they said 200).
      const own = await startEngine({ maxInFlight: 10, bodyWaitMs: 600_000 }, await newStore());
      try {
        const drips: EndpointId[] = [];
        for (let i = 0; i < 4; i++) {
          rx.on(`/drips/${i}`, { kind: 'drip' });
          const { endpoint: ep } = await createEndpoint(own.store, own.merchantId, {
            url: `${rx.url}/drips/${i}`,
            event_types: ['drip.*'],
            timeout_ms: 1000,
          });
          drips.push(ep.id);
        }
        await createEndpoint(own.store, own.merchantId, { url: `${rx.url}/beside-drips`, event_types: ['healthy.*'] });
        const sendOwn = async (type: string, i: number) =>
          (await own.ingestor.send({ merchantId: own.merchantId, type, data: { i } })).event;

        // First, one delivery to each: answered 200, cut by the deadline, so each endpoint is in trouble.
        const first = await sendOwn('drip.event', 0);
        for (const id of drips) {
          const d = await eventually(
            async () => {
              const page = await own.store.listDeliveries({
                merchantId: own.merchantId,
                eventId: first.id,
                endpointId: id,
                limit: 1,
              });
              return page.items[0]?.status === 'succeeded' ? page.items[0] : null;
            },
            20_000,
            'the first dripping deliveries',
          );
          assert.equal(d.attempts, 1);
        }

        // Then three more each (12 attempts of a second each) and 20 for the healthy endpoint.
        const from = rx.openLog.length;
        for (let i = 1; i <= 3; i++) await sendOwn('drip.event', i);
        for (let i = 0; i < 20; i++) await sendOwn('healthy.event', i);
        await rx.waitFor(() => rx.for('/beside-drips').length === 20, 30_000, 'healthy deliveries beside drips');
        const healthyDone = rx.openLog.length;
        await rx.waitFor(() => countDripOpens(rx.openLog.slice(from)) === 12, 30_000, 'every dripping attempt');

        // Never more than the one troubled slot held by the dripping endpoints.
        let open = 0;
        let peak = 0;
        for (const [i, e] of rx.openLog.entries()) {
          if (!e.path.startsWith('/drips/')) continue;
          open += e.open ? 1 : -1;
          if (i >= from) peak = Math.max(peak, open);
        }
        assert.ok(peak <= 1, `dripping endpoints held ${peak} of 10 slots at once`);
        for (let i = 0; i < 4; i++) assert.equal(rx.peakConcurrency.get(`/drips/${i}`), 1);
        // Every healthy delivery arrived while dripping attempts were still to come.
        const dripsBeforeHealthyDone = countDripOpens(rx.openLog.slice(from, healthyDone));
        assert.ok(
          dripsBeforeHealthyDone < 12,
          `the healthy endpoint waited for all ${dripsBeforeHealthyDone} dripping attempts`,
        );
      } finally {
        await own.close();
      }
    });

    test('an endpoint paced in trouble gets its backlog as soon as it answers again, not at the pace', async () => {
      // The circuit's cool-down is the pace's horizon: ten minutes here, so a backlog left at its pace
      // (one a step of the endpoint's short average, the rest at the horizon) would not arrive in this test.
      const own = await startEngine(
        { circuit: { failures: 5, cooldownMs: 600_000, cooldownMaxMs: 600_000, disableAfterMs: 86_400_000 } },
        await newStore(),
      );
      try {
        rx.on('/back', { kind: 'hang' });
        const { endpoint: ep } = await createEndpoint(own.store, own.merchantId, {
          url: `${rx.url}/back`,
          event_types: ['back.*'],
        });
        const total = 300;
        for (let i = 0; i < total; i += 100)
          await Promise.all(
            Array.from({ length: 100 }, (_, j) =>
              own.ingestor.send({ merchantId: own.merchantId, type: 'back.event', data: { i: i + j } }),
            ),
          );
        // Away for a moment: its first request is cut (a reset connection), and it is paced while the
        // next one hangs.
        await rx.waitFor(() => rx.openNow('/back') === 1, 10_000, 'the first request');
        rx.cutHanging();
        await eventually(
          async () => {
            const page = await own.store.listDeliveries({ merchantId: own.merchantId, endpointId: ep.id, limit: 500 });
            const later = Date.now() + 5_000;
            return page.items.filter((d) => d.status === 'pending' && (d.nextAttemptAt ?? 0) > later).length > 100;
          },
          10_000,
          'the backlog paced',
        );
        // Back: the request hanging now is cut too, and every one after it is answered at once.
        rx.on('/back', { kind: 'ok' });
        rx.cutHanging();
        await eventually(
          async () => {
            const page = await own.store.listDeliveries({ merchantId: own.merchantId, endpointId: ep.id, limit: 500 });
            return page.items.every((d) => d.status === 'succeeded');
          },
          15_000,
          'the whole backlog delivered',
        );
        assert.equal(new Set(rx.for('/back').map((r) => JSON.parse(r.body).data.i)).size, total);
      } finally {
        await own.close();
      }
    });
  });
}
