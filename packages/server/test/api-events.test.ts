/** `/v1/events` through the API: idempotency, data round trips, filters, ordering and paging. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, type Reply } from './api-harness.js';

describe('events API', () => {
  let h: Harness;
  let key: string;

  before(async () => {
    h = await Harness.start({ server: { role: 'api' } });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
  });

  test('an idempotency key: 202 with the event, then 200 with the same event, 409 for other content', async () => {
    const body = {
      type: 'shop.order_paid',
      data: { order_id: 'ord_1', amount: 10000 },
      idempotency_key: 'order-1-paid',
    };
    const first = await h.call('POST', '/v1/events', { key, body });
    assert.equal(first.status, 202, first.text);
    assert.match(first.body.id, /^evt_/);
    const again = await h.call('POST', '/v1/events', { key, body });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    const otherData = await h.call('POST', '/v1/events', { key, body: { ...body, data: { order_id: 'ord_2' } } });
    assert.equal(otherData.status, 409);
    assert.equal(otherData.body.error.code, 'idempotency_conflict');
    assert.equal(otherData.body.error.details.event_id, first.body.id);
    const otherType = await h.call('POST', '/v1/events', { key, body: { ...body, type: 'shop.order_cancelled' } });
    assert.equal(otherType.status, 409);
    const listed = await h.call('GET', '/v1/events?type=shop.order_paid', { key });
    assert.equal(
      listed.body.data.filter((e: { idempotency_key: string }) => e.idempotency_key === 'order-1-paid').length,
      1,
      'stored once',
    );
  });

  test('concurrent requests with one idempotency key make one event', async () => {
    const body = { type: 'shop.order_paid', data: { n: 1 }, idempotency_key: 'burst' };
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.call('POST', '/v1/events', { key, body })));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    assert.equal(new Set(replies.map((r) => r.body.id)).size, 1);
  });

  test('data comes back exactly as sent, on POST, GET and in lists', async () => {
    const data = {
      text: 'Müller ✓ "quoted" \\ back',
      nested: { list: [1, 2.5, null, true], empty: {} },
      big: 9007199254740991,
    };
    const posted = await h.call('POST', '/v1/events', { key, body: { type: 'data.roundtrip', data } });
    assert.equal(posted.status, 202);
    assert.deepEqual(posted.body.data, data);
    assert.equal(posted.body.idempotency_key, null);
    assert.ok(!Number.isNaN(Date.parse(posted.body.created_at)));
    const got = await h.call('GET', `/v1/events/${posted.body.id}`, { key });
    assert.deepEqual(got.body, posted.body);
    const listed = await h.call('GET', '/v1/events?type=data.roundtrip', { key });
    assert.deepEqual(listed.body.data, [posted.body]);
  });

  describe('listing', () => {
    const ids: Record<string, string> = {};
    let startedAt = '';

    before(async () => {
      startedAt = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5)); // ids made from here on carry a later millisecond
      for (const type of ['list.a.one', 'list.a.two', 'list.b.one', 'list.c']) {
        ids[type] = (await h.call('POST', '/v1/events', { key, body: { type, data: {} } })).body.id;
      }
    });

    const types = async (query: string) => {
      const r = await h.call('GET', `/v1/events?${query}`, { key });
      assert.equal(r.status, 200, r.text);
      return r.body.data.map((e: { type: string }) => e.type);
    };

    test('by type: exact, wildcard, repeated and comma-separated; * means all', async () => {
      assert.deepEqual(await types('type=list.a.*'), ['list.a.two', 'list.a.one']);
      assert.deepEqual(await types('type=list.a.one,list.c'), ['list.c', 'list.a.one']);
      assert.deepEqual(await types('type=list.b.one&type=list.c'), ['list.c', 'list.b.one']);
      assert.deepEqual(await types('type=list.*&order=asc'), ['list.a.one', 'list.a.two', 'list.b.one', 'list.c']);
      assert.deepEqual(await types('type=list.a'), [], 'a prefix is not a match without .*');
      assert.equal((await types('type=*')).length, (await types('')).length);
    });

    test('after and before: event ids (exclusive) and ISO times', async () => {
      assert.deepEqual(await types(`type=list.*&after=${ids['list.a.two']}&order=asc`), ['list.b.one', 'list.c']);
      assert.deepEqual(await types(`type=list.*&before=${ids['list.b.one']}`), ['list.a.two', 'list.a.one']);
      assert.deepEqual(await types(`after=${ids['list.a.one']}&before=${ids['list.c']}&order=asc`), [
        'list.a.two',
        'list.b.one',
      ]);
      assert.deepEqual(await types(`after=${encodeURIComponent(startedAt)}&order=asc`), [
        'list.a.one',
        'list.a.two',
        'list.b.one',
        'list.c',
      ]);
      assert.deepEqual(await types(`type=list.*&before=${encodeURIComponent(startedAt)}`), []);
      assert.deepEqual(await types('after=2999-01-01'), []);
    });

    test('pages with opaque cursors, in both orders, without gaps or repeats', async () => {
      for (const order of ['asc', 'desc']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const r: Reply = await h.call(
            'GET',
            `/v1/events?type=list.*&order=${order}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
            { key },
          );
          assert.equal(r.status, 200, r.text);
          seen.push(...r.body.data.map((e: { type: string }) => e.type));
          cursor = r.body.next_cursor;
          pages++;
        } while (cursor);
        assert.equal(pages, 2);
        const expected = ['list.a.one', 'list.a.two', 'list.b.one', 'list.c'];
        assert.deepEqual(seen, order === 'asc' ? expected : expected.reverse());
      }
    });
  });
});
