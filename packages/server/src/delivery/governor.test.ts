/**
 * The endpoint governor alone: how answers move an endpoint's in-flight limit and claim allowance, and
 * when a failing endpoint is held back in the store (with a clock the test moves, no waiting).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, type EndpointId } from '../ids.js';
import { EndpointGovernor } from './governor.js';

function governor(maxPerEndpoint = 8, claimBatch = 100) {
  let now = 1_700_000_000_000;
  const holds: { endpointId: EndpointId; until: number }[] = [];
  const g = new EndpointGovernor({
    maxPerEndpoint,
    claimBatch,
    clock: () => now,
    holdBack: (endpointId, until) => holds.push({ endpointId, until }),
  });
  return {
    g,
    holds,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

test('an unknown endpoint starts at one request in flight and two claims', () => {
  const { g } = governor();
  const ep = newId('ep');
  assert.equal(g.limitOf(ep), 1);
  assert.equal(g.allowance(ep), 2);
  assert.equal(governor(0).g.limitOf(ep), 0, 'never above the configured ceiling');
});

test('quick answers raise the limit one at a time up to the ceiling; a fast endpoint may hold a claim batch', () => {
  const { g } = governor(4, 100);
  const ep = newId('ep');
  const limits: number[] = [];
  for (let i = 0; i < 6; i++) {
    g.observe(ep, null, 20);
    limits.push(g.limitOf(ep));
  }
  assert.deepEqual(limits, [2, 3, 4, 4, 4, 4]);
  assert.equal(g.allowance(ep), 100);
  // A 5xx is an answer: it does not slow the endpoint down.
  g.observe(ep, 'http_status', 20);
  assert.equal(g.limitOf(ep), 4);
});

test('a timeout, a refused or reset connection, or a slow answer halves the limit, down to 1', () => {
  const { g } = governor(16);
  const ep = newId('ep');
  for (let i = 0; i < 15; i++) g.observe(ep, null, 10);
  assert.equal(g.limitOf(ep), 16);
  const after: number[] = [];
  for (const [cls, ms] of [
    ['timeout', 5000],
    ['refused', 1],
    [null, 1500],
    ['reset', 3],
    ['dns', 2],
    ['tls', 2],
  ] as const) {
    g.observe(ep, cls, ms);
    after.push(g.limitOf(ep));
  }
  assert.deepEqual(after, [8, 4, 2, 1, 1, 1]);
  // Once its average request is slow (≥ 1 s), it may hold only twice its limit in claims.
  assert.equal(g.allowance(ep), 100, 'still fast on average');
  g.observe(ep, 'timeout', 5000);
  assert.equal(g.allowance(ep), 2);
});

test('an endpoint failing at a limit of 1 is held back 5 s, doubling to 60 s, until it answers again', () => {
  const { g, holds, advance, now } = governor();
  const ep = newId('ep');
  const other = newId('ep');
  g.observe(ep, 'timeout', 1000);
  assert.deepEqual(holds, [{ endpointId: ep, until: now() + 5_000 }]);
  g.observe(ep, 'refused', 1);
  assert.equal(holds.length, 1, 'its probe failing during the hold does not extend it');
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    advance(holds[holds.length - 1].until - now());
    g.observe(ep, 'refused', 1);
    waits.push(holds[holds.length - 1].until - now());
  }
  assert.deepEqual(waits, [10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  assert.ok(
    holds.every((h) => h.endpointId === ep),
    'other endpoints are not held back',
  );
  assert.equal(g.limitOf(other), 1);

  // An HTTP error status is an answer but not a recovery: the next hold still doubles.
  advance(60_000);
  g.observe(ep, 'http_status', 5);
  assert.equal(g.limitOf(ep), 2);
  g.observe(ep, 'refused', 1);
  g.observe(ep, 'refused', 1);
  assert.equal(holds[holds.length - 1].until - now(), 60_000);
  // A success ends the back-off: the next failure starts again at 5 s.
  advance(60_000);
  g.observe(ep, null, 5);
  g.observe(ep, 'timeout', 1000);
  g.observe(ep, 'timeout', 1000);
  assert.equal(holds[holds.length - 1].until - now(), 5_000);
});
