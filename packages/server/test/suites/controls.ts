/**
 * The delivery controls end to end (docs/delivery.md#delivery-controls): real stores, real
 * dispatchers, a real receiver. `controls.sqlite.test.ts` runs it with one dispatcher on a SQLite file,
 * `controls.postgres.test.ts` with two dispatchers on one PostgreSQL schema, so a rate and a circuit
 * are shown to hold across processes' worth of dispatchers.
 *
 * Nothing here asserts a duration: the rate limit is checked by counting what the receiver got in
 * every one-second window, the circuit by its states and the requests made, disabling by what arrives.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { generateSecret, verifySignature } from '@payhook/sdk';
import { DestinationPolicy, LOOPBACK_NETWORKS } from '../../src/delivery/destinations.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import { OperationalEvents } from '../../src/endpoints/operational.js';
import { createEndpoint, updateEndpoint } from '../../src/endpoints/service.js';
import type { EndpointId } from '../../src/ids.js';
import { Metrics } from '../../src/metrics.js';
import type { Store } from '../../src/store/types.js';
import { startEngine, type Engine } from '../helpers/engine.js';
import { eventually, Receiver } from '../helpers/receiver.js';

const BURST = 1;
/** Short cool-downs, so a probe comes within the test; the failure count is the default. */
const CIRCUIT = { failures: 5, cooldownMs: 1000, cooldownMaxMs: 4000, disableAfterMs: 86_400_000 };

export interface ControlsSuiteOptions {
  /** The store of the first dispatcher (migrated here). */
  store(): Promise<Store>;
  /** A second store on the same database, for a second dispatcher; none on SQLite (one process owns its file). */
  secondStore?(): Promise<Store>;
  cleanup?(): Promise<void>;
}

export function runControlsSuite(o: ControlsSuiteOptions): void {
  let engine: Engine;
  let rx: Receiver;
  let second: { dispatcher: Dispatcher; store: Store } | null = null;
  const secondMetrics = new Metrics();
  const operatorSecret = generateSecret();

  before(async () => {
    rx = await new Receiver().start();
    const store = await o.store();
    await store.migrate();
    const logger = pino({ level: 'silent' });
    const operational = () =>
      new OperationalEvents({
        store,
        logger,
        userAgent: 'payhook/test',
        operator: { url: `${rx.url}/operator`, secret: operatorSecret },
        operatorRetryMs: [50, 50],
      });
    engine = await startEngine({ operational: operational(), rateBurst: BURST, circuit: CIRCUIT }, store);
    if (o.secondStore) {
      const s2 = await o.secondStore();
      const dispatcher = new Dispatcher({
        store: s2,
        logger,
        metrics: secondMetrics,
        policy: { schedule: [30, 30, 30], jitter: 0 },
        timeoutMs: 2000,
        maxInFlight: 64,
        maxInFlightPerEndpoint: 8,
        leaseMs: 10_000,
        pollIntervalMs: 25,
        claimBatch: 100,
        userAgent: 'payhook/test',
        destinations: new DestinationPolicy(LOOPBACK_NETWORKS),
        rateBurst: BURST,
        circuit: CIRCUIT,
        operational: operational(),
      });
      dispatcher.start();
      await dispatcher.ready;
      second = { dispatcher, store: s2 };
    }
  });
  after(async () => {
    await second?.dispatcher.stop(100);
    await second?.store.close();
    await engine.close();
    await rx.close();
    await o.cleanup?.();
  });

  const endpoint = (path: string, extra: Record<string, unknown> = {}) =>
    createEndpoint(engine.store, engine.merchantId, { url: rx.url + path, ...extra });
  const send = async (type: string, n: number) => {
    const out = [];
    for (let i = 0; i < n; i++)
      out.push((await engine.ingestor.send({ merchantId: engine.merchantId, type, data: { i } })).event);
    return out;
  };
  const deliveries = async (endpointId: EndpointId) =>
    (await engine.store.listDeliveries({ merchantId: engine.merchantId, endpointId, limit: 100 })).items;
  /** The operational events an endpoint subscribed to `endpoint.*`/`delivery.*` received, verified. */
  const operationalAt = (path: string, secret: string) =>
    rx.for(path).map((r) => {
      verifySignature(r.body, r.headers, secret);
      return JSON.parse(r.body) as { type: string; data: Record<string, unknown> };
    });

  describe('rate limit', () => {
    test('the busiest second never exceeds rate + burst; throttled deliveries wait without using attempts', async (t) => {
      const rate = 5;
      const { endpoint: ep } = await endpoint('/rate', { rate_limit: rate });
      const events = await send('order.success', 25);
      await rx.waitFor(() => rx.for('/rate').length >= events.length, 30_000);
      const times = rx
        .for('/rate')
        .map((r) => r.at)
        .sort((a, b) => a - b);
      let busiest = 0;
      for (let i = 0; i < times.length; i++) {
        let n = 0;
        for (let j = i; j < times.length && times[j] < times[i] + 1000; j++) n++;
        busiest = Math.max(busiest, n);
      }
      t.diagnostic(`busiest second: ${busiest} requests at rate_limit ${rate}, burst ${BURST}`);
      assert.ok(busiest <= rate + BURST, `the busiest second had ${busiest} requests; the limit is ${rate} + ${BURST}`);
      const ds = await eventually(async () => {
        const all = await deliveries(ep.id);
        return all.every((d) => d.status === 'succeeded') ? all : null;
      });
      assert.equal(ds.length, events.length);
      assert.ok(
        ds.every((d) => d.attempts === 1),
        'waiting for the rate is not an attempt',
      );
      assert.equal(new Set(rx.for('/rate').map((r) => r.headers['webhook-id'])).size, events.length, 'each once');
      const waits = async (m: Metrics) =>
        Number(/^payhook_rate_limited_waits_total (\d+)$/m.exec(await m.render())?.[1] ?? 0);
      assert.ok((await waits(engine.metrics)) + (second ? await waits(secondMetrics) : 0) > 0, 'the waits are counted');
    });
  });

  describe('circuit breaker, disabling and operational webhooks', () => {
    test('a success right after a failure of requests claimed together is counted: no failure is left on an endpoint that answers', async () => {
      // The first request fails, the second is answered; the failed one retries only in an hour.
      rx.on('/back', { kind: 'fail-then-ok', failures: 1, status: 503 });
      const { endpoint: ep } = await endpoint('/back', { event_types: ['back.*'], retry_schedule: ['1h'] });
      // Accepted together, so both are claimed as they are appended, while the circuit is clean: the
      // success's claim says nothing to undo, yet the failure before it left a count.
      await Promise.all(
        [0, 1].map((i) => engine.ingestor.send({ merchantId: engine.merchantId, type: 'back.event', data: { i } })),
      );
      const settled = await eventually(async () => {
        const ds = await deliveries(ep.id);
        return ds.length === 2 && ds.every((d) => d.attempts === 1) ? ds : null;
      });
      assert.deepEqual(settled.map((d) => d.status).sort(), ['pending', 'succeeded']);
      const circuit = (await engine.store.getEndpoint(engine.merchantId, ep.id))!.circuit;
      assert.deepEqual(
        circuit,
        { state: 'closed', failingSince: null, nextProbeAt: null },
        'the success undid the failure',
      );
      await engine.store.deleteEndpoint(engine.merchantId, ep.id, Date.now());
    });

    test('failures open the circuit; a probe after the cool-down closes it; subscribers and the operator hear both', async () => {
      const watcher = await endpoint('/ops', { event_types: ['endpoint.*', 'delivery.exhausted'] });
      // Five failures (PAYHOOK_CIRCUIT_FAILURES' default) 1 s apart by the endpoint's own schedule.
      rx.on('/flaky', { kind: 'fail-then-ok', failures: 5, status: 503 });
      const { endpoint: ep } = await endpoint('/flaky', { retry_schedule: [1, 1, 1, 1, 1, 1] });
      assert.deepEqual(
        (await engine.store.getEndpoint(engine.merchantId, ep.id))!.retrySchedule,
        [1000, 1000, 1000, 1000, 1000, 1000],
      );
      await send('order.success', 1);
      const open = await eventually(async () => {
        const c = (await engine.store.getEndpoint(engine.merchantId, ep.id))!.circuit;
        return c.state === 'open' ? c : null;
      }, 20_000);
      assert.ok(open.failingSince !== null && open.nextProbeAt !== null);
      const [d] = await deliveries(ep.id);
      assert.equal(d.attempts, 5, 'no request while open: the attempts stay at the failures that opened it');
      const closed = await eventually(async () => {
        const e = (await engine.store.getEndpoint(engine.merchantId, ep.id))!;
        return e.circuit.state === 'closed' ? e : null;
      }, 20_000);
      assert.deepEqual(closed.circuit, { state: 'closed', failingSince: null, nextProbeAt: null });
      assert.equal(rx.for('/flaky').length, 6, 'five failures and one probe, which succeeded');
      assert.equal((await deliveries(ep.id))[0].status, 'succeeded');

      await rx.waitFor(() => rx.for('/ops').length >= 2, 10_000);
      const told = operationalAt('/ops', watcher.secret);
      assert.deepEqual(
        told.map((e) => [e.type, e.data.endpoint_id]),
        [
          ['endpoint.circuit_opened', ep.id],
          ['endpoint.circuit_closed', ep.id],
        ],
      );
      await rx.waitFor(
        () => rx.for('/operator').filter((r) => JSON.parse(r.body).data.endpoint_id === ep.id).length >= 2,
        10_000,
      );
      const operator = operationalAt('/operator', operatorSecret).filter((e) => e.data.endpoint_id === ep.id);
      assert.deepEqual(
        operator.map((e) => [e.type, e.data.merchant_id]),
        [
          ['endpoint.circuit_opened', engine.merchantId],
          ['endpoint.circuit_closed', engine.merchantId],
        ],
      );
    });

    test('410 disables the endpoint; new deliveries wait; enabling sends every one exactly once', async () => {
      const watcher = await endpoint('/ops410', { event_types: ['endpoint.disabled'] });
      rx.on('/gone', { kind: 'status', status: 410 });
      const { endpoint: ep } = await endpoint('/gone', { event_types: ['refund.*'] });
      await endpoint('/sync', { event_types: ['refund.*'] });
      await send('refund.succeeded', 1);
      const disabled = await eventually(async () => {
        const e = (await engine.store.getEndpoint(engine.merchantId, ep.id))!;
        return e.disabled ? e : null;
      });
      assert.equal(disabled.disabledReason, 'gone');
      const more = await send('refund.succeeded', 4);
      await rx.waitFor(() => rx.for('/sync').length === 5);
      assert.equal(rx.for('/gone').length, 1, 'nothing more went to the disabled endpoint');
      const waiting = await deliveries(ep.id);
      assert.equal(waiting.length, 5, 'its deliveries were made');
      assert.ok(
        waiting.every((d) => d.status === 'pending' && d.nextAttemptAt === null),
        'and wait',
      );
      await rx.waitFor(() => rx.for('/ops410').length >= 1, 10_000);
      assert.deepEqual(
        operationalAt('/ops410', watcher.secret).map((e) => [e.type, e.data.endpoint_id, e.data.reason]),
        [['endpoint.disabled', ep.id, 'gone']],
      );

      rx.on('/gone', { kind: 'ok' });
      await updateEndpoint(engine.store, engine.merchantId, ep.id, { disabled: false });
      await eventually(async () => (await deliveries(ep.id)).every((d) => d.status === 'succeeded'));
      const ids = rx
        .for('/gone')
        .slice(1)
        .map((r) => r.headers['webhook-id']);
      assert.equal(ids.length, 5, 'each waiting delivery once');
      assert.equal(new Set(ids).size, 5);
      assert.ok(more.every((e) => ids.includes(e.id)));
    });

    test('a delivery that fails for good is told as delivery.exhausted, to subscribers and the operator', async () => {
      const watcher = await endpoint('/opsx', { event_types: ['delivery.exhausted'] });
      rx.on('/dead', { kind: 'status', status: 500 });
      const { endpoint: ep } = await endpoint('/dead', { event_types: ['payout.*'] });
      const [ev] = await send('payout.sent', 1);
      await rx.waitFor(() => rx.for('/opsx').length >= 1, 10_000);
      const [told] = operationalAt('/opsx', watcher.secret);
      assert.equal(told.type, 'delivery.exhausted');
      assert.equal(told.data.event_id, ev.id);
      assert.equal(told.data.endpoint_id, ep.id);
      assert.equal(told.data.attempts, 4);
      assert.equal(told.data.last_status_code, 500);
      await rx.waitFor(() => rx.for('/operator').some((r) => JSON.parse(r.body).data.event_id === ev.id), 10_000);
    });
  });
}
