/**
 * Ordered delivery end to end: a real store, real dispatchers, a real receiver that answers 500 at
 * random. `ordering.sqlite.test.ts` and `ordering.postgres.test.ts` run it; on PostgreSQL two
 * dispatchers (each with its own store, as two processes would have) share the work.
 *
 * What "in order" means here: for each key, the receiver accepts (2xx) events in the order they were
 * created, and never receives a request for an event before every earlier event of its key was
 * accepted. A request of an event repeated after a restart (at-least-once) is allowed; one out of order
 * is not.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DestinationPolicy, LOOPBACK_NETWORKS } from '../../src/delivery/destinations.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import { createEndpoint } from '../../src/endpoints/service.js';
import { Metrics } from '../../src/metrics.js';
import type { Store } from '../../src/store/types.js';
import { startEngine, type Engine } from '../helpers/engine.js';
import { eventually } from '../helpers/receiver.js';

/** A receiver that fails a share of requests with 500 and records, per path, what it saw. */
class FlakyReceiver {
  /** Every request: event id, its key (from the data) and whether it was accepted. */
  readonly seen: { path: string; id: string; key: string; ok: boolean }[] = [];
  private server!: Server;
  url = '';
  inFlight = new Map<string, number>();
  /** The most requests of one key (per path) held open at once. */
  peak = 0;
  constructor(
    public failRate: number,
    private readonly holdMs = 5,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        const env = JSON.parse(body) as { id: string; data: { key: string } };
        const slot = `${req.url}|${env.data.key}`;
        const n = (this.inFlight.get(slot) ?? 0) + 1;
        this.inFlight.set(slot, n);
        this.peak = Math.max(this.peak, n);
        const ok = Math.random() >= this.failRate;
        setTimeout(() => {
          this.seen.push({ path: req.url ?? '/', id: env.id, key: env.data.key, ok });
          this.inFlight.set(slot, (this.inFlight.get(slot) ?? 1) - 1);
          res.writeHead(ok ? 200 : 500).end(ok ? 'ok' : 'injected failure');
        }, this.holdMs);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  accepted(path: string): Set<string> {
    return new Set(this.seen.filter((s) => s.path === path && s.ok).map((s) => s.id));
  }

  /**
   * Checks the order at `path` against `sent` (each key's event ids in creation order): no request of
   * an event before every earlier one of its key was accepted.
   */
  assertOrdered(path: string, sent: Map<string, string[]>): void {
    const acceptedSoFar = new Set<string>();
    for (const s of this.seen.filter((x) => x.path === path)) {
      const order = sent.get(s.key);
      assert.ok(order, `unknown key ${s.key}`);
      const i = order.indexOf(s.id);
      for (const earlier of order.slice(0, i))
        assert.ok(acceptedSoFar.has(earlier), `${s.id} (key ${s.key}) arrived before ${earlier} was accepted`);
      if (s.ok) acceptedSoFar.add(s.id);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export interface OrderingSuiteOptions {
  newStore: () => Promise<Store | undefined>;
  /** A second store on the same database (PostgreSQL), for a second dispatcher; absent on SQLite. */
  secondStore?: () => Promise<Store>;
  cleanup?: () => Promise<void>;
}

const MANY_RETRIES = { schedule: Array.from({ length: 40 }, () => 5), jitter: 0 };
/** The circuit breaker as the engine helper sets it, cool-downs compressed, for the dispatchers made here. */
const CIRCUIT = { failures: 5, cooldownMs: 50, cooldownMaxMs: 200, disableAfterMs: 5 * 86_400_000 };

export function runOrderingSuite(o: OrderingSuiteOptions): void {
  let engine: Engine;
  let rx: FlakyReceiver;

  before(async () => {
    engine = await startEngine({ policy: MANY_RETRIES, pollIntervalMs: 20 }, await o.newStore());
    rx = await new FlakyReceiver(0.3).start();
  });
  after(async () => {
    await engine.close();
    await rx.close();
    await o.cleanup?.();
  });

  /** Sends `perKey` events for each of `keys` keys, interleaved, plus unkeyed ones; returns each key's ids. */
  async function sendInterleaved(keys: number, perKey: number, prefix: string): Promise<Map<string, string[]>> {
    const sent = new Map<string, string[]>();
    for (let i = 0; i < perKey; i++) {
      for (let k = 0; k < keys; k++) {
        const key = `${prefix}-${k}`;
        const r = await engine.ingestor.send({
          merchantId: engine.merchantId,
          type: 'order.success',
          data: { key, i },
          orderingKey: key,
        });
        sent.set(key, [...(sent.get(key) ?? []), r.event.id]);
      }
    }
    return sent;
  }

  const allIds = (sent: Map<string, string[]>) => [...sent.values()].flat();

  describe('ordered delivery', () => {
    test('never reorders a key while the receiver fails requests at random', async () => {
      await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/random`, ordered: true });
      const sent = await sendInterleaved(5, 12, 'rand');
      await eventually(
        () => allIds(sent).every((id) => rx.accepted('/random').has(id)),
        60_000,
        'every event accepted',
      );
      rx.assertOrdered('/random', sent);
      assert.ok(
        rx.seen.some((s) => s.path === '/random' && !s.ok),
        'failures were injected',
      );
      assert.equal(rx.peak, 1, 'never two requests of one key at once');
    });

    test('keeps the order across a dispatcher restart', async () => {
      await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/restart`, ordered: true });
      const sent = await sendInterleaved(4, 10, 'restart');
      await eventually(() => rx.accepted('/restart').size >= 8, 30_000, 'some accepted');
      await engine.dispatcher.stop(200);
      const next = new Dispatcher({
        store: engine.store,
        logger: pino({ level: 'silent' }),
        metrics: new Metrics(),
        policy: MANY_RETRIES,
        timeoutMs: 2000,
        maxInFlight: 64,
        maxInFlightPerEndpoint: 8,
        leaseMs: 10_000,
        pollIntervalMs: 20,
        claimBatch: 100,
        userAgent: 'payhook/test',
        destinations: new DestinationPolicy(LOOPBACK_NETWORKS),
        circuit: CIRCUIT,
      });
      engine.dispatcher = next;
      next.start();
      await eventually(
        () => allIds(sent).every((id) => rx.accepted('/restart').has(id)),
        60_000,
        'every event accepted after the restart',
      );
      rx.assertOrdered('/restart', sent);
    });

    test('hold blocks the key after a delivery exhausts its retries, until it is skipped; skip lets it go', async () => {
      const hold = await createEndpoint(engine.store, engine.merchantId, {
        url: `${rx.url}/hold`,
        ordered: true,
        ordering_on_failure: 'hold',
        event_types: ['hold.*'],
      });
      const skip = await createEndpoint(engine.store, engine.merchantId, {
        url: `${rx.url}/skip`,
        ordered: true,
        ordering_on_failure: 'skip',
        event_types: ['hold.*'],
      });
      rx.failRate = 1; // every request fails: the first delivery of the key exhausts its retries
      const send = (i: number) =>
        engine.ingestor.send({
          merchantId: engine.merchantId,
          type: 'hold.step',
          data: { key: 'h', i },
          orderingKey: 'h',
        });
      const first = (await send(0)).event;
      const firstOf = async (endpointId: typeof hold.endpoint.id) =>
        (await engine.store.listDeliveries({ merchantId: engine.merchantId, eventId: first.id, endpointId, limit: 1 }))
          .items[0];
      // Fewer retries than MANY_RETRIES would take too long: wait for both first deliveries to fail.
      await eventually(
        async () =>
          (await firstOf(hold.endpoint.id))?.status === 'failed' &&
          (await firstOf(skip.endpoint.id))?.status === 'failed',
        60_000,
        'the first delivery to fail for good',
      );
      rx.failRate = 0;
      const second = (await send(1)).event;
      await eventually(() => rx.accepted('/skip').has(second.id), 10_000, 'skip: the next goes');
      const held = await firstOf(hold.endpoint.id);
      assert.equal(held.held, true);
      // Nothing of the key reaches the holding endpoint while held (the skip endpoint got the second).
      assert.ok(!rx.seen.some((s) => s.path === '/hold' && s.id === second.id));
      const out = await engine.store.skipDelivery(engine.merchantId, held.id, Date.now());
      assert.equal(out?.skipped, true);
      await eventually(() => rx.accepted('/hold').has(second.id), 10_000, 'hold: the next goes once skipped');
    });

    if (o.secondStore) {
      test('two dispatchers on one database never reorder a key', async () => {
        rx.failRate = 0.3;
        const store2 = await o.secondStore!();
        const second = new Dispatcher({
          store: store2,
          logger: pino({ level: 'silent' }),
          metrics: new Metrics(),
          policy: MANY_RETRIES,
          timeoutMs: 2000,
          maxInFlight: 64,
          maxInFlightPerEndpoint: 8,
          leaseMs: 10_000,
          pollIntervalMs: 20,
          claimBatch: 100,
          userAgent: 'payhook/test',
          destinations: new DestinationPolicy(LOOPBACK_NETWORKS),
          circuit: CIRCUIT,
        });
        second.start();
        try {
          await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/two`, ordered: true });
          const peakBefore = rx.peak;
          const sent = await sendInterleaved(6, 12, 'two');
          await eventually(
            () => allIds(sent).every((id) => rx.accepted('/two').has(id)),
            90_000,
            'every event accepted',
          );
          rx.assertOrdered('/two', sent);
          assert.ok(Math.max(peakBefore, rx.peak) === 1, 'never two requests of one key at once');
        } finally {
          await second.stop(200);
          await store2.close();
        }
      });
    }
  });
}
