/**
 * A merchant's API keys through the real API: issued with a name and scopes (the key shown once),
 * listed without the key, revoked (the next request with it is 401), scoped to their merchant, and a
 * read-only key refused on every write route the API serves (walked from its route table), with
 * nothing changed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, Harness, Receiver, eventually, world, type Tenant } from './api-harness.js';

const READ = new Set(['GET', 'HEAD', 'OPTIONS']);
const LISTED_FIELDS = ['created_at', 'id', 'last_used_at', 'livemode', 'name', 'prefix', 'scopes'];

describe('API keys', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start();
    ({ a, b } = await world(h, receiver));
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const issue = async (key: string, name: string, scopes: string[], query = '') => {
    const r = await h.call('POST', `/v1/api-keys${query}`, { key, body: { name, scopes } });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; name: string; prefix: string; scopes: string[]; created_at: string; key: string };
  };
  const listed = async (key: string, query = '') => {
    const r = await h.call('GET', `/v1/api-keys${query}`, { key });
    assert.equal(r.status, 200, r.text);
    return r.body.data as Record<string, unknown>[];
  };

  test('the key made with the merchant is the read+write key "default", listed without the key', async () => {
    const keys = await listed(a.key);
    assert.equal(keys.length, 1);
    assert.deepEqual(Object.keys(keys[0]).sort(), LISTED_FIELDS);
    assert.equal(keys[0].name, 'default');
    assert.deepEqual(keys[0].scopes, ['read', 'write']);
    assert.equal(keys[0].prefix, a.key.slice(0, 12), 'sk_test_ and four characters');
    assert.match(String(keys[0].id), /^key_/);
  });

  test('issue: 201 with the key once; the list shows it without the key; it works and records its last use', async () => {
    const ci = await issue(a.key, '  ci  ', ['read']);
    assert.deepEqual(Object.keys(ci).sort(), ['created_at', 'id', 'key', 'livemode', 'name', 'prefix', 'scopes']);
    assert.equal(ci.name, 'ci');
    assert.deepEqual(ci.scopes, ['read']);
    assert.match(ci.key, /^sk_test_[A-Za-z0-9_-]{43}$/, 'a test key issues test keys');
    assert.equal(ci.prefix, ci.key.slice(0, 12));
    const list = await h.call('GET', '/v1/api-keys', { key: a.key });
    assert.ok(!list.text.includes(ci.key), 'the key is never listed');
    const row = (list.body.data as Record<string, unknown>[]).find((k) => k.id === ci.id);
    assert.deepEqual(row, {
      id: ci.id,
      name: 'ci',
      prefix: ci.prefix,
      livemode: false,
      scopes: ['read'],
      created_at: ci.created_at,
      last_used_at: null,
    });

    const eps = await h.call('GET', '/v1/endpoints', { key: ci.key });
    assert.equal(eps.status, 200);
    assert.deepEqual(
      eps.body.data.map((e: { id: string }) => e.id),
      [a.endpointId],
      'it acts for its merchant',
    );
    const usedAt = await eventually(
      async () => (await listed(a.key)).find((k) => k.id === ci.id)?.last_used_at as string | null,
      10_000,
      'last_used_at recorded',
    );
    assert.ok(Date.parse(usedAt!) >= Date.parse(ci.created_at));
    await h.call('GET', '/v1/events', { key: ci.key });
    assert.equal(
      (await listed(a.key)).find((k) => k.id === ci.id)?.last_used_at,
      usedAt,
      'not written again within the minute',
    );

    const rw = await issue(a.key, 'deploy', ['write', 'read']);
    assert.deepEqual(rw.scopes, ['read', 'write'], 'scopes in their order');
    assert.equal(
      (await h.call('POST', '/v1/events', { key: rw.key, body: { type: 'key.works', data: {} } })).status,
      202,
    );
  });

  test('revoke: 204, then the very next request with the key is 401 and it is no longer listed', async () => {
    const k = await issue(a.key, 'short-lived', ['read', 'write']);
    assert.equal((await h.call('GET', '/v1/endpoints', { key: k.key })).status, 200, 'used, so its lookup is cached');
    const del = await h.call('DELETE', `/v1/api-keys/${k.id}`, { key: a.key });
    assert.equal(del.status, 204, del.text);
    const next = await h.call('GET', '/v1/endpoints', { key: k.key });
    assert.equal(next.status, 401);
    assert.equal(next.body.error.code, 'unauthorized');
    assert.equal((await h.call('POST', '/v1/events', { key: k.key, body: { type: 'a.b', data: {} } })).status, 401);
    const again = await h.call('DELETE', `/v1/api-keys/${k.id}`, { key: a.key });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'api_key_not_found');
    assert.ok(!(await listed(a.key)).some((x) => x.id === k.id));
    assert.equal((await h.call('GET', '/v1/endpoints', { key: a.key })).status, 200, 'the other keys still work');
  });

  test('a key may revoke itself', async () => {
    const k = await issue(a.key, 'self', ['read', 'write']);
    assert.equal((await h.call('DELETE', `/v1/api-keys/${k.id}`, { key: k.key })).status, 204);
    assert.equal((await h.call('GET', '/v1/api-keys', { key: k.key })).status, 401);
  });

  test("another merchant's key id answers 404 like a missing one, and stays as it was", async () => {
    const bk = await issue(b.key, 'b-ci', ['read', 'write']);
    const missing = await h.call('DELETE', '/v1/api-keys/key_00000000000000000000000000', { key: a.key });
    const cross = await h.call('DELETE', `/v1/api-keys/${bk.id}`, { key: a.key });
    assert.equal(cross.status, 404);
    assert.equal(cross.body.error.code, 'api_key_not_found');
    assert.deepEqual(cross.body.error, missing.body.error, 'nothing tells A the id exists');
    assert.equal((await h.call('GET', '/v1/endpoints', { key: bk.key })).status, 200, "B's key still works");
    assert.ok((await listed(b.key)).some((k) => k.id === bk.id));
    assert.ok(!(await listed(a.key)).some((k) => k.id === bk.id), "A does not list B's keys");
    const named = await h.call('GET', `/v1/api-keys?merchant_id=${b.id}`, { key: a.key });
    assert.equal(named.body.error.code, 'merchant_not_found');
  });

  test("the admin manages a merchant's keys by merchant_id", async () => {
    const k = await issue(ADMIN_KEY, 'by-admin', ['read'], `?merchant_id=${a.id}`);
    assert.deepEqual(
      (await h.call('GET', '/v1/endpoints', { key: k.key })).body.data.map((e: { id: string }) => e.id),
      [a.endpointId],
    );
    assert.ok((await listed(ADMIN_KEY, `?merchant_id=${a.id}`)).some((x) => x.id === k.id));
    assert.equal((await h.call('GET', '/v1/api-keys')).body.error.code, 'merchant_required');
    assert.equal(
      (await h.call('DELETE', `/v1/api-keys/${k.id}?merchant_id=${b.id}`)).status,
      404,
      'named for the wrong merchant',
    );
    assert.equal((await h.call('DELETE', `/v1/api-keys/${k.id}?merchant_id=${a.id}`)).status, 204);
    assert.equal((await h.call('GET', '/v1/endpoints', { key: k.key })).status, 401);
  });

  test('the list pages newest first', async () => {
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'pager' } });
    const made = [];
    for (const name of ['one', 'two', 'three']) made.push((await issue(m.body.api_key, name, ['read'])).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { data: { name: string }[]; next_cursor: string | null } } = await h.call(
        'GET',
        `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { key: m.body.api_key },
      );
      seen.push(...r.body.data.map((k) => k.name));
      cursor = r.body.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, ['three', 'two', 'one', 'default']);
  });

  test('a read key: every write route of the route table is 403 insufficient_scope and changes nothing; reads are not refused', async () => {
    const reader = await issue(a.key, 'reader', ['read']);
    const spare = await issue(a.key, 'spare', ['read', 'write']);
    const order = await h.call('POST', '/v1/orders', {
      key: a.key,
      body: { reference: 'scope-walk', amount: 500, currency: 'AED' },
    });
    assert.equal(order.status, 201, order.text);
    const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: { card: { number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' } },
    });
    assert.equal(paid.status, 201, paid.text);
    const refund = await h.call('POST', `/v1/transactions/${paid.body.transaction.id}/refunds`, {
      key: a.key,
      body: { amount: 100 },
    });
    assert.equal(refund.status, 201, refund.text);
    // A replay of an empty window, finished before the snapshot: GET /v1/replays/{id} needs one to read.
    const replay = await h.call('POST', `/v1/endpoints/${a.endpointId}/replay`, {
      key: a.key,
      body: { since: '2020-01-01T00:00:00Z', until: '2020-01-02T00:00:00Z' },
    });
    assert.equal(replay.status, 202, replay.text);
    await eventually(
      async () => (await h.call('GET', `/v1/replays/${replay.body.id}`, { key: a.key })).body.state === 'completed',
      10_000,
      'the replay to complete',
    );
    const erasure = await h.call('POST', '/v1/erasures', { key: a.key, body: { customer_email: 'scope@example.com' } });
    assert.equal(erasure.status, 201, erasure.text);
    const before = await snapshot();

    const ids: Record<string, string> = {
      '/v1/endpoints': a.endpointId,
      '/v1/events': a.eventId,
      '/v1/deliveries': a.deliveryId,
      '/v1/api-keys': spare.id,
      '/v1/orders': order.body.id,
      '/v1/transactions': paid.body.transaction.id,
      '/v1/refunds': refund.body.id,
      '/v1/replays': replay.body.id,
      '/v1/erasures': erasure.body.id,
    };
    // A body each write would accept, so a write that slipped through would show in the snapshot.
    const bodies: Record<string, unknown> = {
      'POST /v1/endpoints': { url: `${receiver.url}/read-key` },
      'PATCH /v1/endpoints/:id': { disabled: true },
      'POST /v1/endpoints/:id/recover': { since: '2020-01-01T00:00:00Z' },
      'POST /v1/endpoints/:id/replay': { since: '2020-01-01T00:00:00Z' },
      'POST /v1/events': { type: 'read.key', data: {} },
      'POST /v1/api-keys': { name: 'escalated', scopes: ['read', 'write'] },
      'POST /v1/orders': { reference: 'read-key', amount: 100, currency: 'AED' },
      'POST /v1/orders/:id/transactions': { card: { number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' } },
      'POST /v1/transactions/:id/refunds': { amount: 100 },
      'POST /v1/merchants': { name: 'read-key' },
      'POST /v1/erasures': { customer_email: 'alpha@example.com' },
    };
    const routes = h.app.api!.payhookRoutes;
    let writes = 0;
    let reads = 0;
    for (const r of routes) {
      const prefix = Object.keys(ids).find((p) => r.url.startsWith(`${p}/`));
      const path = r.url.replace(':id', prefix ? ids[prefix] : 'none');
      const res = await send(
        r.method,
        path,
        reader.key,
        bodies[`${r.method} ${r.url}`] ?? (READ.has(r.method) || r.method === 'DELETE' ? undefined : {}),
      );
      const what = `${r.method} ${r.url} (${r.auth}) → ${res.status} ${res.code}`;
      if (r.auth === 'admin') {
        assert.equal(res.code, 'forbidden', what);
      } else if (r.auth === 'merchant' && (!READ.has(r.method) || r.needsWrite)) {
        writes++;
        assert.equal(res.status, 403, what);
        assert.equal(res.code, 'insufficient_scope', what);
      } else if (r.auth === 'merchant') {
        reads++;
        assert.equal(res.status, 200, what);
      } else {
        assert.notEqual(res.code, 'insufficient_scope', what);
      }
    }
    assert.ok(writes >= 12 && reads >= 11, `walked ${writes} write and ${reads} read routes`);
    assert.ok(
      routes.some((r) => r.needsWrite && r.url === '/v1/endpoints/:id/secret'),
      'reading a signing secret needs the write scope',
    );
    for (const w of [
      'POST /v1/api-keys',
      'DELETE /v1/api-keys/:id',
      'POST /v1/events',
      'DELETE /v1/endpoints/:id',
      'POST /v1/orders',
    ]) {
      assert.ok(
        routes.some((r) => `${r.method} ${r.url}` === w),
        `${w} is in the route table`,
      );
    }
    assert.equal((await send('HEAD', '/v1/endpoints', reader.key)).status, 200, 'HEAD is a read');
    assert.deepEqual(await snapshot(), before, 'the refused writes changed nothing');
  });

  /** What a read key's writes could have changed, as A sees it. */
  async function snapshot() {
    const get = async (path: string) => (await h.call('GET', path, { key: a.key })).body;
    return {
      endpoints: await get('/v1/endpoints'),
      secret: await get(`/v1/endpoints/${a.endpointId}/secret`),
      events: (await get('/v1/events?limit=250')).data.map((e: { id: string }) => e.id),
      delivery: await get(`/v1/deliveries/${a.deliveryId}`),
      keys: (await get('/v1/api-keys?limit=250')).data.map((k: { id: string; scopes: string[] }) => [k.id, k.scopes]),
      orders: (await get('/v1/orders?limit=250')).data.map((o: { id: string; status: string }) => [o.id, o.status]),
      merchants: (await h.call('GET', '/v1/merchants?limit=250')).body.data.length,
    };
  }

  /** One request; an event stream (GET /v1/listen) is closed once its status is known. */
  async function send(
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<{ status: number; code: string | null }> {
    const abort = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(h.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
    });
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      abort.abort();
      return { status: res.status, code: null };
    }
    const text = await res.text();
    let code: string | null = null;
    try {
      code = JSON.parse(text)?.error?.code ?? null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, code };
  }
});
