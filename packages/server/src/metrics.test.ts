import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrometheus, sampleOf } from '../test/helpers/prometheus.js';
import { newEndpoint, newEvent, newMerchant } from '../test/suites/store-contract/fixtures.js';
import { Metrics, QUEUE_STATS_MIN_TTL_MS, queueGauges } from './metrics.js';

// Past any cache lifetime: a read that took up to 6 s (a loaded machine) is cached at most 10 minutes.
const LATER = 600_000;
import { SqliteStore } from './store/sqlite/store.js';

test('metric names follow the conventions, or the metric is refused when it is defined', () => {
  const m = new Metrics();
  assert.throws(() => m.counter('payhook_things', 'no _total'), /must end in _total/);
  assert.throws(() => m.counter('things_total', 'no prefix'), /payhook_/);
  assert.throws(() => m.counter('payhook_Things_total', 'upper case'), /payhook_/);
  assert.throws(() => m.histogram('payhook_wait_ms', 'not a base unit', [1]), /_seconds or _bytes/);
  assert.throws(() => m.counter('payhook_events_accepted_total', 'defined twice'), /already been registered/);
  m.counter('payhook_things_total', 'fine');
});

test('the delivery controls report circuits and rate-limited waits through one facade', async () => {
  const m = new Metrics();
  const controls = m.deliveryControls();
  assert.equal(m.deliveryControls(), controls, 'made once');
  controls.circuits(() => ({ closed: 7, open: 2, half_open: 1 }));
  controls.rateLimitedWait(250);
  controls.rateLimitedWait(4000);
  const p = parsePrometheus(await m.render());
  assert.equal(p.get('payhook_endpoint_circuits')?.type, 'gauge');
  assert.equal(sampleOf(p, 'payhook_endpoint_circuits', { state: 'open' }), 2);
  assert.equal(sampleOf(p, 'payhook_endpoint_circuits', { state: 'half_open' }), 1);
  assert.equal(sampleOf(p, 'payhook_rate_limited_waits_total'), 2);
  assert.equal(sampleOf(p, 'payhook_rate_limited_wait_seconds_count'), 2);
  assert.equal(sampleOf(p, 'payhook_rate_limited_wait_seconds_bucket', { le: '0.25' }), 1);
  assert.equal(sampleOf(p, 'payhook_rate_limited_wait_seconds_sum'), 4.25);
});

test('the queue gauges read the store at most once per interval, and a failed read shows no made-up value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-metrics-'));
  const store = new SqliteStore({ path: join(dir, 'payhook.db') });
  try {
    await store.migrate();
    const a = await newMerchant(store);
    await newEndpoint(store, a);
    let now = Date.now();
    await store.appendEvents([newEvent(a, 'shop.paid', now - 3000)]);
    let reads = 0;
    const errors: unknown[] = [];
    const m = new Metrics();
    queueGauges(
      m,
      () => {
        reads++;
        return store.queueStats();
      },
      (err) => errors.push(err),
      () => now,
    );
    const scrape = async () => parsePrometheus(await m.render());

    let p = await scrape();
    assert.equal(reads, 1, 'one read serves both gauges');
    assert.equal(sampleOf(p, 'payhook_deliveries_pending'), 1);
    assert.equal(sampleOf(p, 'payhook_deliveries_oldest_due_age_seconds'), 3);

    await store.appendEvents([newEvent(a, 'shop.paid', now)]);
    now += QUEUE_STATS_MIN_TTL_MS - 1;
    p = await scrape();
    assert.equal(reads, 1, 'within the interval: the cached figures');
    assert.equal(sampleOf(p, 'payhook_deliveries_pending'), 1);
    assert.equal(
      sampleOf(p, 'payhook_deliveries_oldest_due_age_seconds'),
      (3000 + QUEUE_STATS_MIN_TTL_MS - 1) / 1000,
      'the age still grows with the clock',
    );

    now += LATER;
    const [p1, p2] = await Promise.all([scrape(), scrape()]);
    assert.equal(reads, 2, 'concurrent scrapes share one read');
    assert.equal(sampleOf(p1, 'payhook_deliveries_pending'), 2);
    assert.equal(sampleOf(p2, 'payhook_deliveries_pending'), 2);

    await store.close();
    now += LATER;
    p = await scrape();
    assert.equal(errors.length, 1, 'the failure is reported');
    assert.equal(p.get('payhook_deliveries_pending')?.samples.length, 0, 'no sample rather than a wrong one');
    assert.equal(sampleOf(p, 'payhook_events_accepted_total'), 0, 'the rest of the scrape is served');
  } finally {
    await store.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
