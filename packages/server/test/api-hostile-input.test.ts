/**
 * Hostile input that is well-formed enough to get past the parser: bodies nested thousands deep, and
 * custom header values an HTTP client would refuse to send later. Each is refused at the door with a
 * stable code, never a 500, and nothing is stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './api-harness.js';

describe('hostile input', () => {
  let h: Harness;
  let key: string;

  before(async () => {
    h = await Harness.start({ server: { role: 'api' } });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
  });

  test('event data nested 4,000 deep answers 400 too_deep, and no event is stored', async () => {
    const data = `${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}`;
    const r = await h.call('POST', '/v1/events', { key, raw: `{"type":"shop.deep","data":${data}}` });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'too_deep');
    assert.equal(r.body.error.details.limit, 64);
    const list = await h.call('GET', '/v1/events', { key });
    assert.equal(list.body.data.length, 0);
  });

  test('data nested within the limit is accepted', async () => {
    const data = `${'['.repeat(40)}1${']'.repeat(40)}`;
    const r = await h.call('POST', '/v1/events', { key, raw: `{"type":"shop.nested","data":{"x":${data}}}` });
    assert.equal(r.status, 202, r.text);
  });

  for (const [name, value] of [
    ['x-bell', 'a\u0007b'],
    ['x-tab-edge', '\tvalue'],
    ['x-space-edge', 'value '],
    ['x-del', 'a\u007fb'],
    ['x-cr', 'a\rb'],
    ['x-nul', 'a\u0000b'],
    ['x-wide', 'caf\u0100'],
  ] as const) {
    test(`a custom header value with ${JSON.stringify(value)} is refused at registration`, async () => {
      const r = await h.call('POST', '/v1/endpoints', {
        key,
        body: { url: 'https://example.com/h', headers: { [name]: value } },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.match(r.body.error.message, /RFC 9110/);
    });
  }

  for (const name of ['Host', 'content-length', 'webhook-id', 'Webhook-Custom', 'transfer-encoding', 'Traceparent']) {
    test(`the reserved header name ${name} is refused`, async () => {
      const r = await h.call('POST', '/v1/endpoints', {
        key,
        body: { url: 'https://example.com/h', headers: { [name]: 'x' } },
      });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /set by payhook/);
    });
  }

  test('ordinary header values, with inner spaces and tabs, are accepted', async () => {
    const r = await h.call('POST', '/v1/endpoints', {
      key,
      body: { url: 'https://example.com/h', headers: { authorization: 'Bearer abc def', 'x-t': 'a\tb' } },
    });
    assert.equal(r.status, 201, r.text);
  });
});
