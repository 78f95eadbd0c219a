/**
 * Observability end to end, on a real payhook (api-harness.ts: SQLite, or PostgreSQL with
 * PAYHOOK_TEST_BACKEND=postgres) delivering to real receivers: `/metrics` after real deliveries, parsed
 * by a strict Prometheus text reader; the spans a local OTLP/HTTP collector receives; the `traceparent`
 * each webhook carries; the ids in the JSON logs. `observability.sqlite.test.ts` and
 * `observability.postgres.test.ts` run it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { verifySignature } from '@payhook/sdk';
import type { ConfigOverrides } from '../../src/config.js';
import { createEndpoint } from '../../src/endpoints/service.js';
import { createMerchant } from '../../src/merchants/service.js';
import { ADMIN_KEY, Harness, type Reply } from '../api-harness.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp.js';
import { parsePrometheus, sampleOf, type Family } from '../helpers/prometheus.js';
import { eventually, Receiver } from '../helpers/receiver.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function traceOf(value: unknown): { traceId: string; parentId: string; flags: string } {
  const m = TRACEPARENT.exec(String(value));
  assert.ok(m, `a valid traceparent: ${value}`);
  return { traceId: m[1], parentId: m[2], flags: m[3] };
}

function clientTraceparent(flags = '01'): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-${flags}`, traceId, spanId };
}

export function runObservabilitySuite(): void {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const o of open.reverse()) await o.close();
  });

  /** A payhook (closed after the receivers it sends to), a receiver, and a merchant's key. */
  async function setUp(
    settings: ConfigOverrides = {},
    options: Parameters<typeof Harness.start>[2] = {},
    logger?: pino.Logger,
  ): Promise<{ h: Harness; rx: Receiver; key: string }> {
    const h = await Harness.start(settings, logger, options);
    const rx = await new Receiver().start();
    open.push(h, rx);
    const key = (await h.call('POST', '/v1/merchants', { body: { name: 'Observed shop' } })).body.api_key as string;
    return { h, rx, key };
  }

  async function endpoint(h: Harness, key: string, url: string, types: string[] | null = null) {
    const r = await h.call('POST', '/v1/endpoints', { key, body: { url, event_types: types } });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; secret: string };
  }

  async function send(h: Harness, key: string, type: string, headers: Record<string, string> = {}, extra = {}) {
    const r: Reply = await h.call('POST', '/v1/events', { key, headers, body: { type, data: { n: 1 }, ...extra } });
    assert.ok(r.status === 202 || r.status === 200, r.text);
    return r.body as { id: string; created_at: string };
  }

  async function scrape(h: Harness): Promise<Map<string, Family>> {
    const r = await h.call('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(r.text);
  }

  async function settled(h: Harness, key: string, status: string, n: number) {
    await eventually(
      async () => (await h.call('GET', `/v1/deliveries?status=${status}&limit=100`, { key })).body.data.length === n,
      10_000,
      `${n} ${status} deliveries`,
    );
  }

  describe('metrics', () => {
    test('counters and the attempt histogram move with real deliveries; /metrics is valid Prometheus text', async () => {
      // One retry, an hour after the first attempt: a failing delivery stays pending for the whole test.
      const { h, rx, key } = await setUp({ delivery: { retrySchedule: [3_600_000], retryJitter: 0 } });
      rx.on('/down', { kind: 'status', status: 503 }).on('/gone', { kind: 'status', status: 410 });
      await endpoint(h, key, `${rx.url}/ok`);
      await endpoint(h, key, `${rx.url}/down`, ['shop.*']);
      await endpoint(h, key, `${rx.url}/gone`, ['lost.*']);
      await send(h, key, 'shop.paid', {}, { idempotency_key: 'paid-1' });
      await send(h, key, 'shop.paid', {}, { idempotency_key: 'paid-1' }); // answered from the first
      await send(h, key, 'shop.paid');
      await send(h, key, 'lost.gone');
      await rx.waitFor(
        () => rx.for('/ok').length === 3 && rx.for('/down').length === 2 && rx.for('/gone').length === 1,
      );
      await settled(h, key, 'succeeded', 3);
      await eventually(
        async () =>
          (await h.call('GET', '/v1/endpoints?limit=100', { key })).body.data.some(
            (e: { disabled: boolean }) => e.disabled,
          ),
        10_000,
        'the endpoint that answered 410 disabled',
      );

      // The first scrape of this payhook: the queue figures are read now, not from a cache.
      const m = await scrape(h);
      assert.equal(m.get('payhook_events_accepted_total')?.type, 'counter');
      assert.equal(sampleOf(m, 'payhook_events_accepted_total'), 3);
      assert.equal(sampleOf(m, 'payhook_events_deduplicated_total'), 1);
      const attempts = (outcome: string, error_class: string) =>
        sampleOf(m, 'payhook_delivery_attempts_total', { outcome, error_class });
      assert.equal(attempts('succeeded', 'none'), 3);
      assert.equal(
        attempts('retry', 'http_status'),
        3,
        "the 503s wait for their retry, the 410's delivery for its endpoint to be enabled",
      );
      assert.equal(m.get('payhook_delivery_attempt_duration_seconds')?.type, 'histogram');
      assert.equal(sampleOf(m, 'payhook_delivery_attempt_duration_seconds_count'), 6);
      assert.ok(sampleOf(m, 'payhook_delivery_attempt_duration_seconds_sum') > 0);
      assert.equal(
        sampleOf(m, 'payhook_delivery_attempt_duration_seconds_bucket', { le: '30' }),
        6,
        'every local attempt took under 30 s',
      );
      // At least the six attempts' claims: a claim that finds more of one endpoint's deliveries due than
      // its allowance gives the excess back, and they are claimed (and counted) again, which depends on
      // how many were due at once (a busy machine: 7).
      const claimedTotal = sampleOf(m, 'payhook_dispatcher_claimed_deliveries_total');
      assert.ok(claimedTotal >= 6 && claimedTotal <= 12, `claimed ${claimedTotal}`);
      assert.ok(sampleOf(m, 'payhook_dispatcher_claims_total') >= 1);
      assert.ok(sampleOf(m, 'payhook_dispatcher_result_batches_total') >= 1);

      assert.equal(m.get('payhook_deliveries_pending')?.type, 'gauge');
      assert.equal(
        sampleOf(m, 'payhook_deliveries_pending'),
        3,
        'the two waiting for their retry, the one waiting for its endpoint',
      );
      assert.equal(sampleOf(m, 'payhook_deliveries_oldest_due_age_seconds'), 0, 'their retry is an hour away');
      assert.equal(sampleOf(m, 'payhook_dispatcher_in_flight'), 0);
      assert.equal(sampleOf(m, 'payhook_dispatcher_claimed'), 0);
      const store = process.env.PAYHOOK_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
      assert.equal(sampleOf(m, 'payhook_build_info', { role: 'all', store }), 1);
      assert.ok(m.has('process_cpu_user_seconds_total'), "Node.js's process metrics");
      assert.ok(m.has('nodejs_eventloop_lag_seconds'));
      for (const name of m.keys())
        if (m.get(name)?.type === 'counter') assert.match(name, /_total$/, `${name}: a counter ends in _total`);
    });

    test('the queue gauges count deliveries no dispatcher has taken and how long the oldest has been due', async () => {
      const { h, key } = await setUp({ server: { role: 'api' } }); // no dispatcher: nothing is sent
      await endpoint(h, key, 'http://127.0.0.1:9/never');
      const sentFrom = Date.now();
      await send(h, key, 'shop.paid');
      await send(h, key, 'shop.paid');
      const sentUntil = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      const scrapeFrom = Date.now();
      const m = await scrape(h);
      const scrapeUntil = Date.now();
      assert.equal(sampleOf(m, 'payhook_deliveries_pending'), 2);
      const age = sampleOf(m, 'payhook_deliveries_oldest_due_age_seconds');
      assert.ok(age >= (scrapeFrom - sentUntil) / 1000, `${age}: at least since the last event was accepted`);
      assert.ok(age <= (scrapeUntil - sentFrom) / 1000, `${age}: at most since the first was sent`);
      assert.ok(!m.has('payhook_dispatcher_in_flight'), 'an API process has no dispatcher to report');
      assert.equal(sampleOf(m, 'payhook_build_info', { role: 'api' }), 1);
    });

    test('the dispatcher gauges show a request held open by a hanging endpoint', async () => {
      const { h, rx, key } = await setUp();
      rx.on('/hang', { kind: 'hang' });
      await endpoint(h, key, `${rx.url}/hang`);
      await send(h, key, 'shop.paid');
      await rx.waitFor(() => rx.for('/hang').length === 1);
      const m = await scrape(h);
      assert.equal(sampleOf(m, 'payhook_dispatcher_in_flight'), 1);
      assert.equal(sampleOf(m, 'payhook_dispatcher_claimed'), 1);
      assert.equal(sampleOf(m, 'payhook_deliveries_pending'), 1);
    });
  });

  describe('a dispatcher-only process', () => {
    test('serves /metrics (admin key), /healthz and /readyz on PAYHOOK_METRICS_PORT, and nothing else', async () => {
      const h = await Harness.start({ server: { role: 'dispatcher', metricsPort: 0 } });
      const rx = await new Receiver().start();
      open.push(h, rx);
      assert.equal(h.app.url, null, 'no API');
      assert.match(String(h.app.metricsUrl), /^http:\/\/127\.0\.0\.1:\d+$/);
      const get = (path: string, key: string | null = ADMIN_KEY) =>
        fetch(h.app.metricsUrl + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });

      // Work for its dispatcher, given through the store as an API process would.
      rx.on('/hang', { kind: 'hang' });
      const { merchant } = await createMerchant(h.app.store, 'Dispatched shop');
      await createEndpoint(h.app.store, merchant.id, { url: `${rx.url}/hang` });
      await h.app.ingestor.send({ merchantId: merchant.id, type: 'shop.paid', data: { n: 1 } });
      await rx.waitFor(() => rx.for('/hang').length === 1);

      assert.equal((await get('/metrics', null)).status, 401);
      const res = await get('/metrics');
      assert.equal(res.status, 200);
      const m = parsePrometheus(await res.text());
      assert.equal(sampleOf(m, 'payhook_dispatcher_in_flight'), 1);
      assert.equal(sampleOf(m, 'payhook_build_info', { role: 'dispatcher' }), 1);
      assert.equal((await get('/healthz', null)).status, 200);
      assert.equal((await get('/readyz', null)).status, 200);
      assert.equal((await get('/v1/events')).status, 404, 'the API is not served there');
      assert.equal((await get('/openapi.json', null)).status, 404);
    });
  });

  describe('tracing', () => {
    test('one trace per event: the request, its commit, each claim and each attempt, and the webhooks join it', async () => {
      const otlp = await new OtlpReceiver().start();
      open.push(otlp);
      const { h, rx, key } = await setUp(
        { delivery: { retrySchedule: [50], retryJitter: 0 } },
        { tracing: { url: `${otlp.url}/v1/traces`, exportDelayMs: 20 } },
      );
      rx.on('/flaky', { kind: 'fail-then-ok', failures: 1 });
      const { secret } = await endpoint(h, key, `${rx.url}/flaky`);
      const client = clientTraceparent();
      const joined = await send(h, key, 'shop.paid', { traceparent: client.header });
      await rx.waitFor(() => rx.for('/flaky').length === 2);
      const fresh = await send(h, key, 'shop.paid'); // no traceparent: a trace of its own
      await rx.waitFor(() => rx.for('/flaky').length === 3);
      await settled(h, key, 'succeeded', 2);
      await h.app.tracing!.flush();
      const inTrace = (traceId: string) => otlp.spans.filter((s) => s.traceId === traceId);
      await eventually(() => inTrace(client.traceId).length >= 6, 10_000, 'six spans of the first event');
      assert.deepEqual(otlp.refused, []);

      const spans = inTrace(client.traceId);
      const one = (name: string): ReceivedSpan => {
        const found = spans.filter((s) => s.name === name);
        assert.equal(found.length, 1, name);
        return found[0];
      };
      const accept = one('POST /v1/events');
      assert.equal(accept.parentSpanId, client.spanId, 'the accept span continues the caller');
      assert.equal(accept.kind, 2, 'server');
      assert.equal(accept.attributes['payhook.event.id'], joined.id);
      assert.equal(accept.attributes['http.response.status_code'], 202);
      assert.equal(accept.resource['service.name'], 'payhook');
      assert.equal(one('payhook.commit').parentSpanId, accept.spanId);
      const claims = spans.filter((s) => s.name === 'payhook.claim');
      const tries = spans
        .filter((s) => s.name === 'payhook.attempt')
        .sort(
          (a, b) => Number(a.attributes['payhook.attempt.number']) - Number(b.attributes['payhook.attempt.number']),
        );
      assert.equal(claims.length, 2, 'claimed twice: the first try and the retry');
      assert.equal(tries.length, 2);
      for (const s of [...claims, ...tries]) {
        assert.equal(s.parentSpanId, accept.spanId, `${s.name} is a child of the accept span`);
        assert.equal(s.attributes['payhook.event.id'], joined.id);
      }
      assert.equal(tries[0].kind, 3, 'client');
      assert.equal(tries[0].statusCode, 2, 'the 500 is an error');
      assert.equal(tries[0].attributes['http.response.status_code'], 500);
      assert.equal(tries[0].attributes['error.type'], 'http_status');
      assert.equal(tries[1].statusCode, 0);
      assert.equal(tries[1].attributes['http.response.status_code'], 200);
      assert.equal(tries[1].attributes['payhook.outcome'], 'succeeded');

      // Each webhook's traceparent is its attempt span, and does not disturb the signature.
      const [w1, w2, w3] = rx.for('/flaky');
      assert.deepEqual(
        [w1, w2].map((w) => traceOf(w.headers.traceparent)),
        tries.map((t) => ({ traceId: client.traceId, parentId: t.spanId, flags: '01' })),
      );
      for (const w of [w1, w2, w3]) {
        verifySignature(w.body, w.headers, secret);
        assert.doesNotThrow(() => new StandardWebhook(secret).verify(w.body, w.headers as Record<string, string>));
      }

      // The event sent without a traceparent: a root accept span, and its attempt in the same trace.
      const own = traceOf(w3.headers.traceparent).traceId;
      assert.notEqual(own, client.traceId);
      await eventually(() => inTrace(own).length >= 4, 10_000, 'four spans of the second event');
      const root = inTrace(own).find((s) => s.name === 'POST /v1/events');
      assert.equal(root?.parentSpanId, '', 'a new trace');
      assert.equal(root?.attributes['payhook.event.id'], fresh.id);
      const attempt = inTrace(own).find((s) => s.name === 'payhook.attempt');
      assert.equal(attempt?.parentSpanId, root?.spanId);
      assert.equal(traceOf(w3.headers.traceparent).parentId, attempt?.spanId);
    });

    test("without tracing, each webhook still carries a traceparent: the caller's trace, or one made from the event id", async () => {
      const { h, rx, key } = await setUp({ delivery: { retrySchedule: [50], retryJitter: 0 } });
      assert.equal(h.app.tracing, null);
      rx.on('/flaky', { kind: 'fail-then-ok', failures: 1 });
      await endpoint(h, key, `${rx.url}/flaky`);
      const client = clientTraceparent('00');
      await send(h, key, 'shop.paid', { traceparent: client.header });
      await rx.waitFor(() => rx.for('/flaky').length === 2);
      const ev = await send(h, key, 'shop.paid', { traceparent: '00-not-a-valid-traceparent-01' });
      await rx.waitFor(() => rx.for('/flaky').length === 3);

      const [first, retry, other] = rx.for('/flaky').map((w) => traceOf(w.headers.traceparent));
      assert.equal(first.traceId, client.traceId, "the caller's trace");
      assert.equal(first.flags, '00', "and the caller's sampling decision");
      assert.equal(retry.traceId, client.traceId, 'the retry too');
      assert.notEqual(first.parentId, client.spanId);
      assert.notEqual(first.parentId, retry.parentId, 'each attempt is a parent of its own');
      // An invalid traceparent is ignored: the trace id is the event id's 128 bits, whose first 48 are
      // the event's creation time in milliseconds; sampled, so a merchant's parent-based sampler records.
      const created = Date.parse(ev.created_at);
      assert.equal(other.traceId.slice(0, 12), created.toString(16).padStart(12, '0'));
      assert.equal(other.flags, '01');
    });
  });

  describe('logs', () => {
    test('delivery lines carry the delivery, event, endpoint, merchant and trace ids; request lines the request id', async () => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      });
      const { h, rx, key } = await setUp({}, {}, pino({ level: 'debug' }, sink));
      rx.on('/gone', { kind: 'status', status: 410 });
      const ok = await endpoint(h, key, `${rx.url}/ok`, ['shop.*']);
      const gone = await endpoint(h, key, `${rx.url}/gone`, ['lost.*']);
      const paid = await send(h, key, 'shop.paid');
      const lost = await send(h, key, 'lost.gone');
      await rx.waitFor(() => rx.for('/ok').length === 1 && rx.for('/gone').length === 1);
      await eventually(
        () => lines.some((l) => l.msg === 'endpoint disabled: it answered 410 Gone'),
        10_000,
        'the 410 line',
      );
      await eventually(() => lines.some((l) => l.msg === 'delivery attempt'), 10_000, 'the attempt line');

      const attempt = lines.find((l) => l.msg === 'delivery attempt' && l.event_id === paid.id);
      assert.ok(attempt, 'a debug line for the attempt');
      assert.equal(attempt.endpoint_id, ok.id);
      assert.match(String(attempt.delivery_id), /^del_/);
      assert.match(String(attempt.merchant_id), /^mer_/);
      assert.equal(attempt.outcome, 'succeeded');
      assert.equal(attempt.trace_id, traceOf(rx.for('/ok')[0].headers.traceparent).traceId, 'the webhook trace');
      const disabled = lines.find((l) => l.msg === 'endpoint disabled: it answered 410 Gone');
      assert.equal(disabled?.level, 30, 'info');
      assert.equal(disabled?.event_id, lost.id);
      assert.equal(disabled?.endpoint_id, gone.id);
      const request = lines.find((l) => l.msg === 'request' && l.url === '/v1/events');
      assert.match(String(request?.request_id), /^req_[0-9a-f]{8}_[0-9a-z]+$/);
      for (const l of lines) assert.doesNotMatch(JSON.stringify(l), /whsec_|sk_[A-Za-z0-9]{8}/, 'no secret is logged');
    });
  });
}
