/**
 * Deliveries and endpoint actions through the API against a real receiver: the attempt log, manual
 * retry, recover, rotation as receivers see it, and what disabling or deleting an endpoint does.
 * The retry schedule is compressed to one retry after 50 ms, so a failing delivery fails in moments.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Harness, Receiver, eventually, type Reply } from './api-harness.js';

function signatureFor(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

describe('deliveries API', () => {
  let h: Harness;
  let receiver: Receiver;
  let key: string;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({ delivery: { retrySchedule: [50], retryJitter: 0 } });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const delivery = (id: string) => h.call('GET', `/v1/deliveries/${id}`, { key });
  const until = (id: string, status: string) =>
    eventually(
      async () => ((await delivery(id)).body.status === status ? (await delivery(id)).body : null),
      10_000,
      `delivery ${status}`,
    );

  async function endpointWithEvent(path: string, behaviour: Parameters<Receiver['on']>[1]) {
    receiver.on(path, behaviour);
    const ep = (await h.call('POST', '/v1/endpoints', { key, body: { url: receiver.url + path } })).body;
    const ev = (await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: { path } } })).body;
    const list = await h.call('GET', `/v1/deliveries?endpoint_id=${ep.id}`, { key });
    assert.equal(list.body.data.length, 1);
    return { ep, ev, del: list.body.data[0] };
  }

  test('a failed delivery shows every attempt; recover sends it again', async () => {
    const { ep, ev, del } = await endpointWithEvent('/down', { kind: 'status', status: 500, body: 'nope' });
    assert.equal(del.event_id, ev.id);
    assert.equal(del.event_type, 'shop.order_paid');
    const failed = await until(del.id, 'failed');
    assert.equal(failed.attempt_count, 2);
    assert.equal(failed.last_status_code, 500);
    assert.equal(failed.next_attempt_at, null);
    assert.deepEqual(
      failed.attempts.map((a: { attempt: number }) => a.attempt),
      [1, 2],
    );
    const [first, second] = failed.attempts;
    assert.match(first.id, /^att_/);
    assert.equal(first.status_code, 500);
    assert.equal(first.response_body, 'nope');
    assert.equal(first.error_class, 'http_status');
    assert.ok(first.next_retry_at !== null && Date.parse(first.next_retry_at) >= Date.parse(first.started_at));
    assert.equal(second.next_retry_at, null);
    assert.equal(typeof first.duration_ms, 'number');

    receiver.on('/down', { kind: 'ok' });
    const since = new Date(Date.parse(del.created_at) - 1000).toISOString();
    const recovered = await h.call('POST', `/v1/endpoints/${ep.id}/recover`, { key, body: { since } });
    assert.equal(recovered.status, 202, recovered.text);
    assert.deepEqual(recovered.body, { recovered: 1 });
    const done = await until(del.id, 'succeeded');
    assert.equal(done.attempt_count, 3);
    const later = await h.call('POST', `/v1/endpoints/${ep.id}/recover`, {
      key,
      body: { since: new Date(Date.now() + 60_000).toISOString() },
    });
    assert.deepEqual(later.body, { recovered: 0 });
  });

  test('manual retry sends a succeeded delivery again with the same webhook-id', async () => {
    const { ev, del } = await endpointWithEvent('/again', { kind: 'ok' });
    await until(del.id, 'succeeded');
    const r = await h.call('POST', `/v1/deliveries/${del.id}/retry`, { key });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.id, del.id);
    assert.equal(r.body.status, 'pending');
    await receiver.waitFor(() => receiver.for('/again').length === 2, 10_000, 'second delivery');
    assert.deepEqual(
      receiver.for('/again').map((x) => x.headers['webhook-id']),
      [ev.id, ev.id],
    );
    const done = await until(del.id, 'succeeded');
    assert.equal(done.attempt_count, 2);
  });

  test('rotation: the response holds the new secret and the old one until its expiry; webhooks carry both signatures', async () => {
    const { ep, del } = await endpointWithEvent('/rotate', { kind: 'ok' });
    await until(del.id, 'succeeded');
    const before = await h.call('GET', `/v1/endpoints/${ep.id}/secret`, { key });
    const t0 = Date.now();
    const rotated = await h.call('POST', `/v1/endpoints/${ep.id}/rotate-secret`, { key });
    assert.equal(rotated.status, 200, rotated.text);
    assert.match(rotated.body.secret, /^whsec_/);
    assert.notEqual(rotated.body.secret, before.body.secret);
    assert.equal(rotated.body.previous_secrets.length, 1);
    assert.equal(rotated.body.previous_secrets[0].secret, before.body.secret);
    const expires = Date.parse(rotated.body.previous_secrets[0].expires_at);
    assert.ok(
      expires >= t0 + 24 * 3_600_000 - 1000 && expires <= Date.now() + 24 * 3_600_000,
      'the default 24 h overlap',
    );
    assert.deepEqual((await h.call('GET', `/v1/endpoints/${ep.id}/secret`, { key })).body, rotated.body);

    const ev = (
      await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: { after: 'rotation' } } })
    ).body;
    await receiver.waitFor(
      () => receiver.for('/rotate').some((x) => x.headers['webhook-id'] === ev.id),
      10_000,
      'webhook after rotation',
    );
    const got = receiver.for('/rotate').find((x) => x.headers['webhook-id'] === ev.id)!;
    const sigs = String(got.headers['webhook-signature']).split(' ');
    const ts = String(got.headers['webhook-timestamp']);
    assert.deepEqual(
      new Set(sigs),
      new Set([rotated.body.secret, before.body.secret].map((s) => signatureFor(s, ev.id, ts, got.body))),
    );
  });

  test('disabling an endpoint: its deliveries cannot be retried or recovered until it is enabled again', async () => {
    const { ep, del } = await endpointWithEvent('/off', { kind: 'ok' });
    await until(del.id, 'succeeded');
    const off = await h.call('PATCH', `/v1/endpoints/${ep.id}`, { key, body: { disabled: true } });
    assert.equal(off.body.disabled, true);
    assert.equal(off.body.disabled_reason, 'merchant');
    const retry = await h.call('POST', `/v1/deliveries/${del.id}/retry`, { key });
    assert.equal(retry.status, 409);
    assert.equal(retry.body.error.code, 'endpoint_disabled');
    const recover = await h.call('POST', `/v1/endpoints/${ep.id}/recover`, {
      key,
      body: { since: '2020-01-01T00:00:00Z' },
    });
    assert.equal(recover.status, 409);
    assert.equal(recover.body.error.code, 'endpoint_disabled');
    const on = await h.call('PATCH', `/v1/endpoints/${ep.id}`, { key, body: { disabled: false } });
    assert.equal(on.body.disabled, false);
    assert.equal((await h.call('POST', `/v1/deliveries/${del.id}/retry`, { key })).status, 202);
  });

  test('deleting an endpoint: 204, then 404, and its log stays readable', async () => {
    const { ep, del } = await endpointWithEvent('/gone', { kind: 'ok' });
    await until(del.id, 'succeeded');
    const r = await h.call('DELETE', `/v1/endpoints/${ep.id}`, { key });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal((await h.call('GET', `/v1/endpoints/${ep.id}`, { key })).status, 404);
    assert.equal((await h.call('DELETE', `/v1/endpoints/${ep.id}`, { key })).status, 404);
    assert.equal((await delivery(del.id)).status, 200);
    const retry = await h.call('POST', `/v1/deliveries/${del.id}/retry`, { key });
    assert.equal(retry.status, 409);
    assert.equal(retry.body.error.details.disabled_reason, 'deleted');
  });

  test('endpoint fields round trip, and a patch changes only what it names', async () => {
    const body = {
      url: 'https://example.com/hooks?x=1',
      description: 'orders',
      event_types: ['order.*', 'transaction.success'],
      headers: { 'X-Shop': 'alpha' },
      timeout_ms: 5000,
    };
    const created = await h.call('POST', '/v1/endpoints', { key, body });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.secret, /^whsec_/);
    assert.equal(created.body.format, 'standard');
    assert.deepEqual(created.body.headers, { 'x-shop': 'alpha' });
    const got = (await h.call('GET', `/v1/endpoints/${created.body.id}`, { key })).body;
    assert.equal(got.secret, undefined, 'the secret is not part of the endpoint');
    assert.deepEqual({ ...got }, Object.fromEntries(Object.entries(created.body).filter(([k]) => k !== 'secret')));
    const patched = (await h.call('PATCH', `/v1/endpoints/${created.body.id}`, { key, body: { event_types: null } }))
      .body;
    assert.equal(patched.event_types, null);
    assert.equal(patched.description, 'orders');
    assert.equal(patched.timeout_ms, 5000);
    assert.ok(Date.parse(patched.updated_at) >= Date.parse(got.updated_at));
  });

  test("counts: a merchant's deliveries made since a time, by status now; the window is at most 7 days (24 hours by default)", async () => {
    const other = (await h.call('POST', '/v1/merchants', { body: { name: 'counted' } })).body.api_key;
    const since = new Date().toISOString();
    const counts = (k: string, from = since) => h.call('GET', `/v1/deliveries/counts?since=${from}`, { key: k });
    assert.deepEqual((await counts(other)).body, { since, pending: 0, succeeded: 0, failed: 0, cancelled: 0 });
    receiver.on('/counted', { kind: 'ok' });
    await h.call('POST', '/v1/endpoints', { key: other, body: { url: `${receiver.url}/counted` } });
    for (let i = 0; i < 3; i++)
      await h.call('POST', '/v1/events', { key: other, body: { type: 'shop.counted', data: { i } } });
    await eventually(async () => (await counts(other)).body.succeeded === 3, 10_000, 'three succeeded');
    assert.deepEqual((await counts(other)).body, { since, pending: 0, succeeded: 3, failed: 0, cancelled: 0 });
    const later = new Date(Date.now() + 1000).toISOString();
    assert.equal((await counts(other, later)).body.succeeded, 0, 'only deliveries made since then');
    const old = await counts(other, new Date(Date.now() - 8 * 86_400_000).toISOString());
    assert.equal(old.status, 400);
    assert.equal(old.body.error.code, 'validation_failed');
    const day = await h.call('GET', '/v1/deliveries/counts', { key: other });
    assert.equal(day.body.succeeded, 3, 'the last 24 hours by default');
    assert.ok(Math.abs(Date.parse(day.body.since) - (Date.now() - 86_400_000)) < 60_000, day.body.since);
  });

  test('lists filter by status, endpoint and event, and page with cursors', async () => {
    const { ep, ev } = await endpointWithEvent('/many', { kind: 'ok' });
    for (let i = 0; i < 4; i++)
      await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: { i } } });
    const byEvent = await h.call('GET', `/v1/deliveries?event_id=${ev.id}&endpoint_id=${ep.id}`, { key });
    assert.equal(byEvent.body.data.length, 1);
    await eventually(
      async () =>
        (await h.call('GET', `/v1/deliveries?endpoint_id=${ep.id}&status=succeeded`, { key })).body.data.length === 5,
    );
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Reply = await h.call(
        'GET',
        `/v1/deliveries?endpoint_id=${ep.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { key },
      );
      ids.push(...r.body.data.map((d: { id: string }) => d.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    assert.equal(ids.length, 5);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    assert.deepEqual((await h.call('GET', `/v1/deliveries?endpoint_id=${ep.id}&status=failed`, { key })).body.data, []);
  });
});
