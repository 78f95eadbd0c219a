import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, jittered, parseRetryAfter, policyOfMode } from './retry.js';

const policy = { schedule: [5_000, 300_000, 1_800_000], jitter: 0 };

test('2xx succeeds, on any attempt', () => {
  for (const s of [200, 201, 204, 299]) assert.deepEqual(decide(policy, 1, s), { outcome: 'succeeded' });
  assert.deepEqual(decide(policy, 4, 200), { outcome: 'succeeded' });
});

test('retries follow the schedule, then fail', () => {
  assert.deepEqual(decide(policy, 1, 500), { outcome: 'retry', delayMs: 5_000 });
  assert.deepEqual(decide(policy, 2, null), { outcome: 'retry', delayMs: 300_000 });
  assert.deepEqual(decide(policy, 3, 404), { outcome: 'retry', delayMs: 1_800_000 });
  assert.deepEqual(decide(policy, 4, 500), { outcome: 'failed', disableEndpoint: false });
});

test('3xx is a failure to retry, not a success', () => {
  assert.equal(decide(policy, 1, 301).outcome, 'retry');
  assert.equal(decide(policy, 1, 302).outcome, 'retry');
});

test('410 disables the endpoint; the delivery waits for it, even with no retries left', () => {
  assert.deepEqual(decide(policy, 1, 410), { outcome: 'retry', delayMs: 0, disableEndpoint: true });
  assert.deepEqual(decide(policy, 99, 410), { outcome: 'retry', delayMs: 0, disableEndpoint: true });
});

test('Retry-After on 429 and 503 is honoured within [scheduled, 2 x scheduled]', () => {
  assert.deepEqual(decide(policy, 1, 429, 7_000), { outcome: 'retry', delayMs: 7_000 });
  assert.deepEqual(decide(policy, 1, 503, 1_000), { outcome: 'retry', delayMs: 5_000 }, 'not sooner than scheduled');
  assert.deepEqual(
    decide(policy, 1, 429, 3_600_000),
    { outcome: 'retry', delayMs: 10_000 },
    'at most twice the scheduled delay',
  );
  assert.deepEqual(decide(policy, 1, 500, 7_000), { outcome: 'retry', delayMs: 5_000 }, 'ignored on other statuses');
});

test('jitter stays within ±fraction', () => {
  assert.equal(
    jittered(10_000, 0.2, () => 0),
    8_000,
  );
  assert.equal(
    jittered(10_000, 0.2, () => 1),
    12_000,
  );
  for (let i = 0; i < 1000; i++) {
    const v = jittered(10_000, 0.2);
    assert.ok(v >= 8_000 && v <= 12_000, String(v));
  }
});

test('Retry-After parses seconds and HTTP dates', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(undefined, now), null);
});

test('test mode follows its own schedule when one is set; live mode always the main one', () => {
  const policy = { schedule: [5000, 300_000], testSchedule: [100], jitter: 0 };
  assert.deepEqual(policyOfMode(policy, true).schedule, [5000, 300_000]);
  assert.deepEqual(policyOfMode(policy, false).schedule, [100]);
  assert.deepEqual(decide(policyOfMode(policy, false), 1, 500), { outcome: 'retry', delayMs: 100 });
  assert.deepEqual(decide(policyOfMode(policy, false), 2, 500), { outcome: 'failed', disableEndpoint: false });
  assert.deepEqual(policyOfMode({ ...policy, testSchedule: [] }, false).schedule, [5000, 300_000], 'unset: the same');
});
