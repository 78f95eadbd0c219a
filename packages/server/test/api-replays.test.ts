/**
 * Bulk replay and skip through the API, against a real receiver: a replay sends exactly its window
 * (nothing before `since` or from `until` on, only the types and statuses asked for), `recipients`
 * original vs current, its progress, and merchant isolation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, eventually } from './api-harness.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('replays API', () => {
  let h: Harness;
  let rx: Receiver;
  let key: string;
  let otherKey: string;

  before(async () => {
    rx = await new Receiver().start();
    // Failures here are the test's own (a receiver answering 500); the circuit breaker stays out of the way.
    h = await Harness.start({ delivery: { retrySchedule: [50], retryJitter: 0, circuitFailures: 1000 } });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
    otherKey = (await h.call('POST', '/v1/merchants', { body: { name: 'other' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
    await rx?.close();
  });

  const send = async (type: string) =>
    (await h.call('POST', '/v1/events', { key, body: { type, data: { type } } })).body.id as string;
  const idsAt = (path: string, from = 0) =>
    rx
      .for(path)
      .slice(from)
      .map((r) => (JSON.parse(r.body) as { id: string }).id);
  const finished = (id: string, k = key) =>
    eventually(
      async () => {
        const r = (await h.call('GET', `/v1/replays/${id}`, { key: k })).body;
        return r.state === 'completed' || r.state === 'failed' ? r : null;
      },
      15_000,
      'replay to finish',
    );

  test('a replay sends exactly its window: since, until, types and status', async () => {
    rx.on('/w', { kind: 'status', status: 500 });
    const ep = (await h.call('POST', '/v1/endpoints', { key, body: { url: `${rx.url}/w` } })).body;
    const before = await send('order.a');
    await pause(20);
    const since = new Date().toISOString();
    await pause(5);
    const inFailed = await send('order.a');
    const otherType = await send('other.b');
    const failedDeliveries = async () =>
      (await h.call('GET', `/v1/deliveries?endpoint_id=${ep.id}&status=failed`, { key })).body.data.length;
    await eventually(async () => (await failedDeliveries()) === 3, 15_000, 'three failed deliveries');
    rx.on('/w', { kind: 'ok' });
    const inSucceeded = await send('order.a');
    await rx.waitFor(() => idsAt('/w').includes(inSucceeded), 10_000, 'the succeeded one');
    await pause(5);
    const until = new Date().toISOString();
    await pause(20);
    const afterWindow = await send('order.a');
    await rx.waitFor(() => idsAt('/w').includes(afterWindow), 10_000, 'the one after the window');

    let mark = rx.for('/w').length;
    const failedOnly = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, {
      key,
      body: { since, until, types: ['order.*'] },
    });
    assert.equal(failedOnly.status, 202);
    assert.match(failedOnly.body.id, /^rpl_/);
    assert.equal(failedOnly.body.state, 'queued');
    assert.equal(failedOnly.body.total, 1);
    const done1 = await finished(failedOnly.body.id);
    assert.deepEqual([done1.state, done1.total, done1.done, done1.requeued], ['completed', 1, 1, 1]);
    await rx.waitFor(() => rx.for('/w').length > mark, 10_000, 'the replayed delivery');
    await pause(300); // anything more it would send has had time to arrive
    assert.deepEqual(idsAt('/w', mark), [inFailed], 'status failed, types order.*: only the failed order.a');

    mark = rx.for('/w').length;
    const all = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, {
      key,
      body: { since, until, types: ['order.*'], status: 'all' },
    });
    assert.equal(all.body.total, 2);
    await finished(all.body.id);
    await rx.waitFor(() => rx.for('/w').length >= mark + 2, 10_000, 'both replayed');
    await pause(300);
    assert.deepEqual(idsAt('/w', mark).sort(), [inFailed, inSucceeded].sort());
    for (const outside of [before, afterWindow, otherType]) assert.ok(!idsAt('/w', mark).includes(outside));
  });

  test('recipients: original re-sends what the endpoint had; current what its filter matches now', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    const e1 = await send('sent.shipment');
    const e2 = await send('lost.shipment');
    const until = new Date(Date.now() + 1).toISOString();
    const late = (
      await h.call('POST', '/v1/endpoints', { key, body: { url: `${rx.url}/late`, event_types: ['sent.*'] } })
    ).body;
    const original = await h.call('POST', `/v1/endpoints/${late.id}/replay`, {
      key,
      body: { since, until, status: 'all' },
    });
    assert.equal(original.body.total, 0, 'the endpoint had no deliveries of the window');
    assert.equal((await finished(original.body.id)).state, 'completed');
    const current = await h.call('POST', `/v1/endpoints/${late.id}/replay`, {
      key,
      body: { since, until, status: 'all', recipients: 'current' },
    });
    assert.equal(current.body.total, 1);
    await finished(current.body.id);
    await rx.waitFor(() => idsAt('/late').includes(e1), 10_000, 'the matching event');
    await pause(300);
    assert.deepEqual(idsAt('/late'), [e1]);
    assert.ok(!idsAt('/late').includes(e2));
  });

  test("another merchant's key gets 404 for the endpoint and the replay; bad input is 400", async () => {
    const ep = (await h.call('POST', '/v1/endpoints', { key, body: { url: `${rx.url}/iso` } })).body;
    const since = new Date(Date.now() - 60_000).toISOString();
    const mine = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, { key, body: { since } });
    assert.equal(mine.status, 202);
    const theirs = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, { key: otherKey, body: { since } });
    assert.equal(theirs.status, 404);
    assert.equal(theirs.body.error.code, 'endpoint_not_found');
    const peek = await h.call('GET', `/v1/replays/${mine.body.id}`, { key: otherKey });
    assert.equal(peek.status, 404);
    assert.equal(peek.body.error.code, 'replay_not_found');
    const noSince = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, { key, body: {} });
    assert.equal(noSince.body.error.code, 'validation_failed');
    const backwards = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, {
      key,
      body: { since, until: new Date(Date.now() - 120_000).toISOString() },
    });
    assert.equal(backwards.body.error.code, 'validation_failed');
    const badStatus = await h.call('POST', `/v1/endpoints/${ep.id}/replay`, { key, body: { since, status: 'x' } });
    assert.equal(badStatus.status, 400);
  });

  test('ordering_key: returned on the event, refused when too long; skip is 409 for a succeeded delivery', async () => {
    rx.on('/ok', { kind: 'ok' });
    const ep = (
      await h.call('POST', '/v1/endpoints', { key, body: { url: `${rx.url}/ok`, ordered: true, event_types: ['k.*'] } })
    ).body;
    assert.equal(ep.ordered, true);
    assert.equal(ep.ordering_on_failure, 'skip');
    const ev = await h.call('POST', '/v1/events', { key, body: { type: 'k.one', data: {}, ordering_key: 'ord_1' } });
    assert.equal(ev.status, 202);
    assert.equal(ev.body.ordering_key, 'ord_1');
    const long = await h.call('POST', '/v1/events', {
      key,
      body: { type: 'k.one', data: {}, ordering_key: 'x'.repeat(256) },
    });
    assert.equal(long.status, 400);
    assert.equal(long.body.error.code, 'invalid_ordering_key');
    const empty = await h.call('POST', '/v1/events', { key, body: { type: 'k.one', data: {}, ordering_key: '' } });
    assert.equal(empty.body.error.code, 'invalid_ordering_key');
    const patched = await h.call('PATCH', `/v1/endpoints/${ep.id}`, { key, body: { ordering_on_failure: 'hold' } });
    assert.equal(patched.body.ordering_on_failure, 'hold');
    const badPolicy = await h.call('PATCH', `/v1/endpoints/${ep.id}`, { key, body: { ordering_on_failure: 'wait' } });
    assert.equal(badPolicy.status, 400);
    const del = (await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}&endpoint_id=${ep.id}`, { key })).body
      .data[0];
    assert.equal(del.ordering_key, 'ord_1');
    const ok = await eventually(
      async () => ((await h.call('GET', `/v1/deliveries/${del.id}`, { key })).body.status === 'succeeded' ? 1 : 0),
      10_000,
      'delivered',
    );
    assert.equal(ok, 1);
    const skip = await h.call('POST', `/v1/deliveries/${del.id}/skip`, { key });
    assert.equal(skip.status, 409);
    assert.equal(skip.body.error.code, 'delivery_not_skippable');
    const foreign = await h.call('POST', `/v1/deliveries/${del.id}/skip`, { key: otherKey });
    assert.equal(foreign.status, 404);
  });
});
