// PayhookClient against a real node:http server with the API's documented shapes (./api-server.ts).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  createIdempotency,
  isPaymentEvent,
  memoryIdempotencyStore,
  PayhookApiError,
  PayhookClient,
  type ApiEvent,
} from '@payhook/sdk';
import { createApiServer, id } from './api-server.js';
import { close, listen } from './helpers.js';

const KEY = 'sk_test_client';
const api = createApiServer(KEY);
let baseUrl: string;
let client: PayhookClient;
before(async () => {
  baseUrl = await listen(api.server);
  client = new PayhookClient({ baseUrl: `${baseUrl}/`, apiKey: KEY });
});
after(() => close(api.server));

const last = () => api.requests.at(-1)!;
const apiError = (code: string, status: number) => (e: unknown) => {
  assert.ok(e instanceof PayhookApiError, String(e));
  assert.equal(e.code, code);
  assert.equal(e.status, status);
  return true;
};

describe('events', () => {
  test('send, get and list, with the API key and JSON body on the wire', async () => {
    const sent = await client.events.send({
      type: 'invoice.created',
      data: { invoice_id: 'inv_1' },
      idempotency_key: 'inv_1',
    });
    assert.equal(last().auth, `Bearer ${KEY}`);
    assert.deepEqual(last().body, { type: 'invoice.created', data: { invoice_id: 'inv_1' }, idempotency_key: 'inv_1' });
    assert.match(sent.id, /^evt_/);
    // The API's created_at doubles as the envelope's timestamp, so webhook handlers take API events.
    assert.equal(sent.timestamp, sent.created_at);
    const again = await client.events.send({
      type: 'invoice.created',
      data: { invoice_id: 'inv_1' },
      idempotency_key: 'inv_1',
    });
    assert.equal(again.id, sent.id);
    assert.deepEqual(await client.events.get(sent.id), sent);
    const page = await client.events.list({ types: ['invoice.*'], limit: 10 });
    assert.deepEqual(last().query, { type: 'invoice.*', limit: '10' });
    assert.deepEqual(
      page.data.map((e) => e.id),
      [sent.id],
    );
    assert.equal(page.next_cursor, null);
  });

  test('after and before take an event id or a Date (sent as ISO 8601)', async () => {
    const ms = Date.UTC(2026, 10, 27, 5, 29, 26, 123);
    await client.events.list({ after: new Date(ms), before: 'evt_01JDTEST0000000000000000AA', order: 'desc' });
    assert.deepEqual(last().query, {
      after: '2026-11-27T05:29:26.123Z',
      before: 'evt_01JDTEST0000000000000000AA',
      order: 'desc',
    });
  });

  test('iterate: catch-up across pages, oldest first, resumable from the last id handled', async () => {
    const t0 = Date.now() + 60_000; // after every event other tests make
    const made = [1, 2, 3, 4, 5].map((i) => api.addEvent(i % 2 ? 'order.success' : 'ping', { n: i }, null, t0 + i));
    const seen: ApiEvent[] = [];
    for await (const e of client.events.iterate({ after: new Date(t0), limit: 2 })) seen.push(e);
    assert.deepEqual(
      seen.map((e) => e.id),
      made.map((e) => e.id),
    );
    const pages = api.requests.filter((r) => r.path === '/v1/events').slice(-3);
    assert.deepEqual(
      pages.map((r) => r.query.order),
      ['asc', 'asc', 'asc'],
    );
    assert.deepEqual(
      pages.map((r) => r.query.cursor),
      [undefined, made[1].id, made[3].id],
    );
    // Stop after two, then resume with `after` = the last id handled.
    const firstTwo: string[] = [];
    for await (const e of client.events.iterate({ after: new Date(t0), limit: 2 })) {
      firstTwo.push(e.id);
      if (firstTwo.length === 2) break;
    }
    const rest: string[] = [];
    for await (const e of client.events.iterate({ after: firstTwo[1], types: ['order.*'] })) rest.push(e.id);
    assert.deepEqual(rest, [made[2].id, made[4].id]);
  });
});

describe('events: create and listen', () => {
  test('create tells a new event from one whose idempotency key was seen (202 vs 200)', async () => {
    const first = await client.events.create({
      type: 'invoice.paid',
      data: { invoice_id: 'inv_9' },
      idempotency_key: 'inv_9',
    });
    assert.deepEqual(last().body, { type: 'invoice.paid', data: { invoice_id: 'inv_9' }, idempotency_key: 'inv_9' });
    assert.equal(first.created, true);
    assert.match(first.event.id, /^evt_/);
    assert.equal(first.event.timestamp, first.event.created_at);
    const again = await client.events.create({
      type: 'invoice.paid',
      data: { invoice_id: 'inv_9' },
      idempotency_key: 'inv_9',
    });
    assert.equal(again.created, false);
    assert.deepEqual(again.event, first.event);
  });

  test('listen: the event stream once connected, filtered and resumed on the wire; aborting closes it', async () => {
    const t0 = Date.now() + 120_000; // after every event other tests make
    const seen = api.addEvent('order.success', { n: 1 }, null, t0);
    const missed = api.addEvent('order.cancel', { n: 2 }, null, t0 + 1);
    const other = api.addEvent('ping', { n: 3 }, null, t0 + 2);
    const stop = new AbortController();
    const admin = new PayhookClient({ baseUrl, apiKey: KEY, merchantId: 'mer_123' });
    const resendsAfter = id('rsd', t0);
    const stream = await admin.events.listen({ types: ['order.*'], after: seen.id, resendsAfter, signal: stop.signal });
    assert.deepEqual(last(), {
      method: 'GET',
      path: '/v1/listen',
      query: { types: 'order.*', after: seen.id, resends_after: resendsAfter, merchant_id: 'mer_123' },
      body: undefined,
      auth: `Bearer ${KEY}`,
    });
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        assert.equal(done, false, `the stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(`id: ${missed.id}\n`);
    assert.match(text, new RegExp(`event: order.cancel\\ndata: \\{"id":"${missed.id}"`));
    const live = api.addEvent('order.success', { n: 4 });
    await readUntil(`id: ${live.id}\n`);
    assert.ok(!text.includes(seen.id), 'nothing at or before `after`');
    assert.ok(!text.includes(other.id), 'filtered by type');
    stop.abort();
    await assert.rejects(
      async () => {
        for (;;) if ((await reader.read()).done) return;
      },
      { name: 'AbortError' },
    );
  });

  test('listen: a refusal is a typed error; no server is network_error; a caller that stops first gets its own abort', async () => {
    await assert.rejects(
      new PayhookClient({ baseUrl, apiKey: 'sk_wrong' }).events.listen(),
      apiError('unauthorized', 401),
    );
    const dead = http.createServer();
    const deadUrl = await listen(dead);
    await close(dead);
    await assert.rejects(
      new PayhookClient({ baseUrl: deadUrl, apiKey: KEY }).events.listen(),
      apiError('network_error', 0),
    );
    const stopped = new AbortController();
    stopped.abort(new Error('stopped by the caller'));
    await assert.rejects(client.events.listen({ signal: stopped.signal }), /stopped by the caller/);
  });
});

describe('events: resend', () => {
  test('resend answers the resend; an unknown event is a typed 404', async () => {
    const e = await client.events.send({ type: 'invoice.paid', data: { n: 1 } });
    const r = await client.events.resend(e.id);
    assert.deepEqual(
      { method: last().method, path: last().path, body: last().body },
      { method: 'POST', path: `/v1/events/${e.id}/resend`, body: undefined },
    );
    assert.match(r.id, /^rsd_/);
    assert.equal(r.event_id, e.id);
    assert.equal(typeof r.deliveries, 'number');
    await assert.rejects(client.events.resend('evt_missing'), apiError('event_not_found', 404));
  });
});

describe('api keys', () => {
  test('create shows the key once; list never does; revoke', async () => {
    const issued = await client.apiKeys.create({ name: 'reporting', scopes: ['read'] });
    assert.deepEqual(last().body, { name: 'reporting', scopes: ['read'] });
    assert.match(issued.key, /^sk_/);
    assert.deepEqual(issued.scopes, ['read']);
    const { data } = await client.apiKeys.list({ limit: 10 });
    assert.deepEqual(last().query, { limit: '10' });
    const listed = data.find((k) => k.id === issued.id)!;
    assert.equal(listed.name, 'reporting');
    assert.equal('key' in listed, false);
    assert.equal(await client.apiKeys.revoke(issued.id), undefined);
    assert.equal(last().method, 'DELETE');
    assert.equal(
      (await client.apiKeys.list()).data.some((k) => k.id === issued.id),
      false,
    );
    await assert.rejects(client.apiKeys.revoke(issued.id), apiError('api_key_not_found', 404));
  });
});

describe('merchants', () => {
  test('create and list with the admin key; merchant_id is not sent on these routes', async () => {
    const admin = new PayhookClient({ baseUrl, apiKey: KEY, merchantId: 'mer_123' });
    const m = await admin.merchants.create({ name: 'Corner Shop' });
    assert.deepEqual(last(), {
      method: 'POST',
      path: '/v1/merchants',
      query: {},
      body: { name: 'Corner Shop' },
      auth: `Bearer ${KEY}`,
    });
    assert.match(m.id, /^mer_/);
    assert.equal(m.name, 'Corner Shop');
    assert.match(m.api_key, /^sk_/);
    const page = await admin.merchants.list({ limit: 1 });
    assert.deepEqual(last().query, { limit: '1' });
    assert.deepEqual(page.data, [{ id: m.id, name: 'Corner Shop', created_at: m.created_at }]);
  });
});

describe('endpoints', () => {
  test('create, get, update, rotate and read the secret, list, delete', async () => {
    const ep = await client.endpoints.create({ url: 'https://shop.example/webhooks', event_types: ['order.*'] });
    assert.match(ep.secret!, /^whsec_/);
    const { secret: _secret, ...withoutSecret } = ep;
    assert.deepEqual(await client.endpoints.get(ep.id), withoutSecret);
    const updated = await client.endpoints.update(ep.id, { description: 'shop', disabled: true });
    assert.deepEqual(last(), {
      method: 'PATCH',
      path: `/v1/endpoints/${ep.id}`,
      query: {},
      body: { description: 'shop', disabled: true },
      auth: `Bearer ${KEY}`,
    });
    assert.equal(updated.disabled, true);
    const { secret: before, previous_secrets } = await client.endpoints.getSecret(ep.id);
    assert.equal(before, ep.secret);
    assert.deepEqual(previous_secrets, []);
    const rotated = await client.endpoints.rotateSecret(ep.id);
    assert.equal(last().method, 'POST');
    assert.notEqual(rotated.secret, before);
    const now = await client.endpoints.getSecret(ep.id);
    assert.equal(now.secret, rotated.secret);
    // During the grace period, verify with every secret that still signs.
    assert.deepEqual([now.secret, ...now.previous_secrets.map((p) => p.secret)], [rotated.secret, before]);
    assert.deepEqual(await client.endpoints.recover(ep.id, new Date(0)), { recovered: 3 });
    assert.deepEqual(last().body, { since: '1970-01-01T00:00:00.000Z' });
    assert.ok((await client.endpoints.list({ limit: 250 })).data.some((e) => e.id === ep.id));
    assert.equal(await client.endpoints.delete(ep.id), undefined);
    await assert.rejects(client.endpoints.get(ep.id), (e: unknown) => {
      apiError('endpoint_not_found', 404)(e);
      assert.equal((e as PayhookApiError).message, 'No such endpoint.');
      assert.deepEqual((e as PayhookApiError).details, { id: ep.id });
      return true;
    });
  });

  test("test: a POST to the endpoint's /test; an endpoint that fails is an answer, not an error", async () => {
    const up = await client.endpoints.create({ url: 'https://shop.example/webhooks' });
    const down = await client.endpoints.create({ url: 'http://127.0.0.1:9/webhooks' });
    const ok = await client.endpoints.test(up.id);
    assert.deepEqual(last(), {
      method: 'POST',
      path: `/v1/endpoints/${up.id}/test`,
      query: {},
      body: undefined,
      auth: `Bearer ${KEY}`,
    });
    assert.equal(ok.type, 'payhook.test');
    assert.equal(ok.succeeded, true);
    assert.equal(ok.status_code, 200);
    const failed = await client.endpoints.test(down.id);
    assert.equal(failed.succeeded, false);
    assert.equal(failed.error_class, 'refused');
    await assert.rejects(client.endpoints.test('ep_missing'), apiError('endpoint_not_found', 404));
  });

  test('ids are encoded into the path', async () => {
    await assert.rejects(client.endpoints.get('ep/../x'), apiError('endpoint_not_found', 404));
    assert.equal(last().path, '/v1/endpoints/ep%2F..%2Fx');
    assert.throws(() => client.endpoints.get(''), TypeError);
  });
});

describe('deliveries', () => {
  test('list with filters, get with attempts, retry', async () => {
    const d = {
      id: id('del'),
      merchant_id: 'mer_1',
      event_id: 'evt_a',
      endpoint_id: 'ep_a',
      event_type: 'order.success',
      status: 'failed',
      attempt_count: 9,
      next_attempt_at: null,
      last_status_code: 500,
      last_error: 'http_status',
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
    api.deliveries.set(d.id, d);
    const page = await client.deliveries.list({ endpoint_id: 'ep_a', status: 'failed' });
    assert.deepEqual(last().query, { endpoint_id: 'ep_a', status: 'failed' });
    assert.deepEqual(
      page.data.map((x) => x.id),
      [d.id],
    );
    const detail = await client.deliveries.get(d.id);
    assert.equal(detail.attempt_count, 9);
    assert.deepEqual(
      detail.attempts.map((a) => [a.attempt, a.status_code]),
      [[1, 500]],
    );
    const retried = await client.deliveries.retry(d.id);
    assert.equal(retried.status, 'pending');
    await assert.rejects(client.deliveries.retry('del_missing'), apiError('delivery_not_found', 404));
  });
});

describe('orders', () => {
  test('create, pay, get with transactions, list; the payment events are typed for catch-up', async () => {
    const order = await client.orders.create({
      reference: 'A-1001',
      amount: 10000,
      currency: 'AED',
      customer_email: 'c@example.com',
    });
    assert.equal(order.status, 'open');
    const paid = await client.orders.pay(order.id, { number: '4111111111111111', expiry: '12/30', cvc: '123' });
    assert.deepEqual(last().body, { card: { number: '4111111111111111', expiry: '12/30', cvc: '123' } });
    assert.equal(last().path, `/v1/orders/${order.id}/transactions`);
    assert.equal(paid.outcome, 'success');
    assert.equal(paid.order.status, 'paid');
    const txn = paid.transaction;
    assert.equal(txn.card_last_four, '1111');
    const got = await client.orders.get(order.id);
    assert.equal(got.status, 'paid');
    assert.equal(got.sequence, 2);
    assert.equal(got.transactions?.[0].id, txn.id);
    assert.deepEqual(
      got.events?.map((e) => [e.type, e.sequence]),
      [
        ['transaction.success', 1],
        ['order.success', 2],
      ],
    );
    assert.ok((await client.orders.list({ status: 'paid' })).data.some((o) => o.id === order.id));
    await assert.rejects(
      client.orders.pay(order.id, { number: '4111111111111111', expiry: '12/30', cvc: '123' }),
      apiError('order_not_payable', 409),
    );
    await assert.rejects(
      client.orders.create({ reference: 'x', amount: 1.5, currency: 'AED' }),
      apiError('invalid_amount', 400),
    );

    // Catch-up: the order's events, through the same idempotent handler a webhook would use.
    const idempotency = createIdempotency({ store: memoryIdempotencyStore() });
    const applied: string[] = [];
    for (let round = 0; round < 2; round++) {
      for await (const e of client.events.iterate({ types: ['order.*', 'transaction.*'] })) {
        if (!isPaymentEvent(e) || e.data.order_id !== order.id) continue;
        await idempotency.run(e.id, () => {
          applied.push(`${e.type}#${e.data.sequence}`);
        });
      }
    }
    assert.deepEqual(applied, ['transaction.success#1', 'order.success#2']);
  });
});

describe('errors and options', () => {
  test('a wrong key is a typed 401', async () => {
    const bad = new PayhookClient({ baseUrl, apiKey: 'sk_wrong' });
    await assert.rejects(bad.events.list(), apiError('unauthorized', 401));
  });

  test('an answer that is not payhook JSON keeps its status', async () => {
    await assert.rejects(client.request('GET', '/broken'), (e: unknown) => {
      apiError('http_502', 502)(e);
      assert.match(String((e as PayhookApiError).details), /Bad gateway/);
      return true;
    });
  });

  test('no server: network_error with status 0; no answer: timeout', async () => {
    const dead = http.createServer();
    const deadUrl = await listen(dead);
    await close(dead);
    await assert.rejects(
      new PayhookClient({ baseUrl: deadUrl, apiKey: KEY }).events.list(),
      apiError('network_error', 0),
    );
    const slow = new PayhookClient({ baseUrl, apiKey: KEY, timeoutMs: 50 });
    await assert.rejects(slow.request('GET', '/hang'), apiError('timeout', 0));
  });

  test('merchantId is sent as merchant_id, and a custom fetch is used', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const admin = new PayhookClient({ baseUrl, apiKey: KEY, merchantId: 'mer_123', fetch: counting });
    await admin.endpoints.list();
    assert.equal(last().query.merchant_id, 'mer_123');
    assert.equal(calls, 1);
  });

  test('bad options fail at construction', () => {
    assert.throws(() => new PayhookClient({ baseUrl: 'localhost:8080', apiKey: KEY }), TypeError);
    assert.throws(() => new PayhookClient({ baseUrl, apiKey: '' }), TypeError);
  });
});
