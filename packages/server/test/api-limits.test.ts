/**
 * payhook's limits through the real API, configured small: failed authentication slowed per client
 * (clients told apart by their loopback source address, 127.0.0.2 and 127.0.0.3), the endpoint quota
 * per merchant, and the event rate per key. Each answers 429 with its code and Retry-After, and each
 * lets the caller through again when the wait is over.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Harness } from './api-harness.js';

const AUTH_LIMIT = 5;
const ENDPOINT_QUOTA = 3;
const BURST = 3;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

/** A GET from a given local address: the server sees it as another client. */
function getFrom(localAddress: string, base: string, path: string, key: string | null): Promise<Answer> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'GET',
        localAddress,
        agent: false,
        headers: key === null ? {} : { authorization: `Bearer ${key}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof ra === 'string' ? ra : null,
            body: text ? JSON.parse(text) : null,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wrongKey = () => `sk_${randomBytes(32).toString('base64url')}`;

describe('limits', () => {
  let h: Harness;
  let key: string;

  before(async () => {
    h = await Harness.start({
      limits: {
        authFailureLimit: AUTH_LIMIT,
        authFailureWindowMs: 5000,
        maxEndpointsPerMerchant: ENDPOINT_QUOTA,
        eventRatePerKey: 1,
        eventBurstPerKey: BURST,
      },
    });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'limited' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
  });

  test('failed authentication: 429 too_many_auth_failures after the limit, before any key lookup, per client, until the window ends', async () => {
    const store = h.app.store;
    const findApiKey = store.findApiKey.bind(store);
    let lookups = 0;
    store.findApiKey = (hash) => {
      lookups++;
      return findApiKey(hash);
    };
    try {
      const failed = await Promise.all(
        Array.from({ length: AUTH_LIMIT }, () => getFrom('127.0.0.2', h.url, '/v1/endpoints', wrongKey())),
      );
      assert.deepEqual(
        failed.map((r) => r.status),
        Array(AUTH_LIMIT).fill(401),
      );
      assert.equal(lookups, AUTH_LIMIT);

      const held = await getFrom('127.0.0.2', h.url, '/v1/endpoints', key);
      assert.equal(held.status, 429, 'even a valid key, once the client is held back');
      assert.equal(held.body.error.code, 'too_many_auth_failures');
      const wait = Number(held.retryAfter);
      assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 5, `Retry-After ${held.retryAfter}`);
      assert.equal(held.body.error.details.retry_after_seconds, wait);
      assert.equal((await getFrom('127.0.0.2', h.url, '/v1/endpoints', wrongKey())).status, 429);
      assert.equal(lookups, AUTH_LIMIT, 'no key was looked up for a held-back client');
      assert.equal(
        (await getFrom('127.0.0.2', h.url, '/healthz', null)).status,
        200,
        'routes without a key are not held back',
      );

      // Another client is counted on its own; its success resets nobody's count.
      assert.equal((await getFrom('127.0.0.3', h.url, '/v1/endpoints', key)).status, 200);
      assert.equal((await getFrom('127.0.0.3', h.url, '/v1/endpoints', wrongKey())).status, 401);
      assert.equal((await getFrom('127.0.0.3', h.url, '/v1/endpoints', key)).status, 200);
      assert.equal(
        (await getFrom('127.0.0.2', h.url, '/v1/endpoints', key)).status,
        429,
        "still held back after the other client's success",
      );

      await sleep(wait * 1000);
      const back = await getFrom('127.0.0.2', h.url, '/v1/endpoints', key);
      assert.equal(back.status, 200, 'let through once the window is over');
      assert.equal(
        (await getFrom('127.0.0.2', h.url, '/v1/endpoints', wrongKey())).status,
        401,
        'counting from zero again',
      );
    } finally {
      store.findApiKey = findApiKey;
    }
  });

  test('endpoint quota: 429 endpoint_quota_exceeded with Retry-After; disabled endpoints count, deleted ones do not', async () => {
    const other = (await h.call('POST', '/v1/merchants', { body: { name: 'other' } })).body.api_key;
    const made: string[] = [];
    for (let i = 0; i < ENDPOINT_QUOTA; i++) {
      const r = await h.call('POST', '/v1/endpoints', { key, body: { url: `https://example.com/q${i}` } });
      assert.equal(r.status, 201, r.text);
      made.push(r.body.id);
    }
    const over = await h.call('POST', '/v1/endpoints', { key, body: { url: 'https://example.com/over' } });
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, 'endpoint_quota_exceeded');
    assert.equal(over.headers.get('retry-after'), '60');
    assert.deepEqual(over.body.error.details, { limit: ENDPOINT_QUOTA, retry_after_seconds: 60 });
    assert.equal(
      (await h.call('GET', '/v1/endpoints', { key })).body.data.length,
      ENDPOINT_QUOTA,
      'nothing was stored',
    );
    assert.equal(
      (await h.call('POST', '/v1/endpoints', { key: other, body: { url: 'https://example.com/b' } })).status,
      201,
      'the quota is per merchant',
    );

    assert.equal((await h.call('PATCH', `/v1/endpoints/${made[0]}`, { key, body: { disabled: true } })).status, 200);
    assert.equal(
      (await h.call('POST', '/v1/endpoints', { key, body: { url: 'https://example.com/over' } })).status,
      429,
      'a disabled endpoint still counts',
    );
    assert.equal((await h.call('DELETE', `/v1/endpoints/${made[0]}`, { key })).status, 204);
    assert.equal(
      (await h.call('POST', '/v1/endpoints', { key, body: { url: 'https://example.com/after-delete' } })).status,
      201,
      'a deleted one does not',
    );
    assert.equal(
      (await h.call('POST', '/v1/endpoints', { key, body: { url: 'https://example.com/over' } })).status,
      429,
    );
  });

  test('event rate per key: the burst, then 429 rate_limited with Retry-After, nothing stored; another key is not held back', async () => {
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'sender' } });
    const sender = m.body.api_key as string;
    const second = (
      await h.call('POST', '/v1/api-keys', { key: sender, body: { name: 'second', scopes: ['read', 'write'] } })
    ).body.key as string;
    const send = (k: string, n: string) =>
      h.call('POST', '/v1/events', { key: k, body: { type: 'rate.test', data: { n }, idempotency_key: n } });
    for (let i = 0; i < BURST; i++)
      assert.equal((await send(sender, `burst-${i}`)).status, 202, 'the burst goes through');
    // The bucket refills one token a second: a refusal comes as soon as requests outpace that.
    let refused = null;
    let accepted = BURST;
    for (let i = 0; i < 50 && refused === null; i++) {
      const r = await send(sender, `more-${i}`);
      if (r.status === 202) accepted++;
      else refused = { r, n: `more-${i}` };
    }
    assert.ok(refused, 'a send beyond the rate was refused');
    const { r, n } = refused;
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, 'rate_limited');
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal(r.body.error.details.retry_after_seconds, 1);
    const stored = await h.call('GET', '/v1/events?limit=250', { key: sender });
    assert.equal(stored.body.data.length, accepted, 'the refused event was not stored');
    assert.equal((await send(second, 'other-key')).status, 202, 'each key has its own bucket');

    await sleep(1000);
    const retried = await send(sender, n);
    assert.equal(retried.status, 202, 'accepted after Retry-After');
    const after = (await h.call('GET', '/v1/events?limit=250', { key: sender })).body.data as {
      idempotency_key: string;
    }[];
    assert.equal(after.length, accepted + 2);
    assert.equal(after.filter((e) => e.idempotency_key === n).length, 1);
  });
});
