/**
 * Faults of ours and inputs nobody planned for: an unexpected exception is an opaque 500 whose cause
 * is logged with the request id and never returned; random bodies and query strings never make a 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import fc from 'fast-check';
import { Harness, type Reply } from './api-harness.js';

describe('API robustness', () => {
  let h: Harness;
  let key: string;
  let endpointId: string;
  const logLines: Record<string, unknown>[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    h = await Harness.start({ server: { role: 'api' } }, pino({ level: 'info' }, sink));
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
    endpointId = (await h.call('POST', '/v1/endpoints', { key, body: { url: 'https://example.com/h' } })).body.id;
  });
  after(async () => {
    await h?.close();
  });

  test('an unexpected exception is an opaque 500, logged with its cause and the request id', async () => {
    const store = h.app.store;
    const original = store.listEndpoints;
    store.listEndpoints = async () => {
      throw new Error('SQLITE_CORRUPT: table endpoints at /var/lib/secret/path');
    };
    let r: Reply;
    try {
      r = await h.call('GET', '/v1/endpoints', { key });
    } finally {
      store.listEndpoints = original;
    }
    assert.equal(r.status, 500);
    assert.equal(r.body.error.code, 'internal_error');
    assert.doesNotMatch(r.text, /SQLITE|secret|endpoints at/);
    const requestId = r.body.error.details.request_id;
    assert.ok(requestId, 'the caller gets an id to quote');
    const line = logLines.find((l) => l.request_id === requestId && l.level === 50);
    assert.ok(line, 'the error is logged under the request id');
    assert.match(JSON.stringify(line), /SQLITE_CORRUPT/);
  });

  test('the health check answers 503 when the store does not', async () => {
    const store = h.app.store;
    const original = store.countDeliveries;
    store.countDeliveries = async () => {
      throw new Error('database is locked');
    };
    try {
      const r = await h.call('GET', '/healthz', { key: null });
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'unavailable');
      assert.equal(r.body.store, 'sqlite');
    } finally {
      store.countDeliveries = original;
    }
  });

  test('random JSON bodies on every body route: always a 2xx or a coded 4xx, never a 500', async () => {
    const api = h.app.api!;
    const paths = [
      '/v1/merchants',
      '/v1/endpoints',
      `/v1/endpoints/${endpointId}`,
      `/v1/endpoints/${endpointId}/recover`,
      '/v1/events',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue(), async (path, body) => {
        const method = path === `/v1/endpoints/${endpointId}` ? 'PATCH' : 'POST';
        const res = await api.inject({
          method,
          url: path,
          payload: JSON.stringify(body),
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${path === '/v1/merchants' ? 'ak_test_admin_key_for_api_tests' : key}`,
          },
        });
        assert.ok(res.statusCode < 500, `${method} ${path} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.match(JSON.parse(res.body).error.code, /^[a-z_]+$/);
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes and query strings: never a 500', async () => {
    const api = h.app.api!;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60 }), async (payload, query) => {
        const a = await api.inject({
          method: 'POST',
          url: '/v1/events',
          payload,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        });
        assert.ok(a.statusCode < 500, `body ${JSON.stringify(payload)} → ${a.statusCode} ${a.body}`);
        const b = await api.inject({
          method: 'GET',
          url: `/v1/events?${query}`,
          headers: { authorization: `Bearer ${key}` },
        });
        assert.ok(b.statusCode < 500, `query ${JSON.stringify(query)} → ${b.statusCode} ${b.body}`);
      }),
      { numRuns: 300 },
    );
  });
});
