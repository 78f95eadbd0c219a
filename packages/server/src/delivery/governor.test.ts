/**
 * The endpoint governor alone: how answers move an endpoint's in-flight limit and claim allowance.
 * Holding a failing endpoint back is the circuit breaker's (store/circuit.ts, tested in circuit.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../ids.js';
import { EndpointGovernor } from './governor.js';

function governor(maxPerEndpoint = 8, claimBatch = 100) {
  return { g: new EndpointGovernor({ maxPerEndpoint, claimBatch }) };
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
  // In trouble (its last answer failed), it may hold only twice its limit in claims.
  assert.equal(g.allowance(ep), 2, 'in trouble, though still fast on average');
  g.observe(ep, null, 10);
  assert.equal(g.allowance(ep), 100, 'a quick answer, and fast on average: a claim batch');
  // Once its average request is slow (≥ 1 s), only twice its limit again.
  for (let i = 0; i < 5; i++) g.observe(ep, 'timeout', 5000);
  g.observe(ep, null, 10);
  assert.equal(g.troubled(ep), false);
  assert.equal(g.allowance(ep), 4, 'slow on average');
});

test('an answer whose body was cut never raises the limit, however quick its headers were', () => {
  const { g } = governor(8);
  const ep = newId('ep');
  for (let i = 0; i < 3; i++) g.observe(ep, null, 10);
  assert.equal(g.limitOf(ep), 4);
  assert.equal(g.troubled(ep), false);
  const after: number[] = [];
  // A 200 at once, then a body dripping until it was cut: short durations (the body wait), every time.
  for (let i = 0; i < 4; i++) {
    g.observe(ep, null, 20, true);
    after.push(g.limitOf(ep));
  }
  assert.deepEqual(after, [2, 1, 1, 1]);
  assert.equal(g.troubled(ep), true);
  assert.equal(g.allowance(ep), 2, 'counted as slow: no claim batch for it');
  // One quick, whole answer and it is out of trouble, growing again from where it was.
  g.observe(ep, null, 10);
  assert.equal(g.troubled(ep), false);
  assert.equal(g.limitOf(ep), 2);
});

test('an endpoint is in trouble after a timeout or a failed connection, not after an HTTP error status', () => {
  const { g } = governor(8);
  const ep = newId('ep');
  assert.equal(g.troubled(ep), false, 'an unknown endpoint is not in trouble');
  g.observe(ep, 'http_status', 10);
  assert.equal(g.troubled(ep), false);
  g.observe(ep, 'timeout', 5000);
  assert.equal(g.troubled(ep), true);
  g.observe(ep, 'refused', 1);
  assert.equal(g.troubled(ep), true);
});

test('an endpoint is recovered after three quick answers in a row since its trouble; a slow one starts the count again', () => {
  const { g } = governor();
  const ep = newId('ep');
  g.observe(ep, null, 10);
  assert.equal(g.recovered(ep), false, 'never in trouble: nothing to recover from');
  g.observe(ep, 'refused', 1);
  const seen: boolean[] = [];
  for (const [cls, ms] of [
    [null, 10],
    [null, 10],
    ['timeout', 2000],
    [null, 10],
    [null, 10],
    [null, 10],
    [null, 1500],
  ] as const) {
    g.observe(ep, cls, ms);
    seen.push(g.recovered(ep));
  }
  assert.deepEqual(seen, [false, false, false, false, false, true, false]);
  // A 5xx is an answer, quick: it counts.
  for (let i = 0; i < 3; i++) g.observe(ep, 'http_status', 10);
  assert.equal(g.recovered(ep), true);
});

test('the endpoints heard from last: the 64 that answered most recently, the latest last', () => {
  const { g } = governor();
  const eps = Array.from({ length: 100 }, () => newId('ep'));
  for (const ep of eps) g.observe(ep, null, 10);
  // The first one answers again: it is the latest now, and the oldest of the rest went.
  g.observe(eps[0], null, 10);
  const recent = [...g.recentEndpoints()];
  assert.equal(recent.length, 64);
  assert.deepEqual(recent, [...eps.slice(37), eps[0]]);
});
