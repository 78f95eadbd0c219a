/**
 * `GET /v1/listen` against a real payhook: the stream starts from now, carries each event's id, type and
 * envelope (the bytes a webhook carries), filters by type, resumes after an id, carries resends (also
 * made while a client was away, and on another process), stays within the tenant, sees events accepted
 * by another process on the same database and events that committed late, sends heartbeats, and is
 * cleaned up when the client goes or the server stops.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPayhook, type Payhook } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildEnvelope } from '../src/store/envelope.js';
import { newId, type MerchantId } from '../src/ids.js';
import { openListenStreams } from '../src/api/listen.js';
import { ADMIN_KEY, Harness, Receiver, eventually, world, type Tenant } from './api-harness.js';
import { openStream, type OpenStream } from './helpers/sse.js';

describe('GET /v1/listen', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;
  const open: OpenStream[] = [];

  const listen = async (key: string, query = '', headers: Record<string, string> = {}) => {
    const s = await openStream(h.url, key, query, headers);
    open.push(s);
    assert.equal(s.status, 200);
    await s.waitFor((x) => x.messages.some((m) => m.comment?.startsWith('listening after=evt_')), 'the stream to open');
    return s;
  };
  const send = async (t: Tenant, type: string, data: Record<string, unknown> = {}) => {
    const r = await h.call('POST', '/v1/events', { key: t.key, body: { type, data } });
    assert.equal(r.status, 202, r.text);
    return r.body as { id: string; type: string; created_at: string; data: Record<string, unknown> };
  };
  const has = (id: string) => (s: OpenStream) => s.events().some((m) => m.id === id);
  const resend = async (t: Tenant, eventId: string) => {
    const r = await h.call('POST', `/v1/events/${eventId}/resend`, { key: t.key });
    assert.equal(r.status, 202, r.text);
    return r.body as { id: string; event_id: string; deliveries: number; created_at: string };
  };
  /** The cursors the stream's first comment gives. */
  const position = (s: OpenStream) => {
    const c = s.messages.find((m) => m.comment?.startsWith('listening '))!.comment!;
    return Object.fromEntries(
      c
        .slice('listening '.length)
        .split(' ')
        .map((kv) => kv.split('=')),
    ) as {
      after: string;
      resends_after: string;
    };
  };

  before(async () => {
    receiver = await new Receiver().start();
    // Heartbeats every 100 ms, so the test sees some without waiting 15 s.
    h = await Harness.start({ delivery: { pollIntervalMs: 50 }, listen: { heartbeatMs: 100 } });
    ({ a, b } = await world(h, receiver));
  });
  after(async () => {
    for (const s of open) s.close();
    await h?.close();
    await receiver?.close();
  });

  test('starts from now; each message is the event id, its type and the envelope a webhook carries', async () => {
    const earlier = await send(a, 'sale.success', { n: 0 });
    const s = await listen(a.key);
    assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
    const e = await send(a, 'sale.success', { n: 1, text: 'line\nbreak "quoted"' });
    await s.waitFor(has(e.id), 'the event');
    const events = s.events();
    assert.equal(
      events.some((m) => m.id === earlier.id),
      false,
      'an event from before the stream opened is not sent',
    );
    const msg = events.find((m) => m.id === e.id)!;
    assert.equal(msg.event, 'sale.success');
    assert.deepEqual(JSON.parse(msg.data), {
      id: e.id,
      type: 'sale.success',
      timestamp: e.created_at,
      livemode: false,
      data: e.data,
    });
    await receiver.waitFor(
      () => receiver.for('/alpha').some((r) => r.headers['webhook-id'] === e.id),
      10_000,
      'the webhook',
    );
    const webhook = receiver.for('/alpha').find((r) => r.headers['webhook-id'] === e.id)!;
    assert.equal(msg.data, webhook.body, 'the same bytes as the webhook');
  });

  test('types: only matching events, exact or prefix.*', async () => {
    const s = await listen(a.key, '?types=sale.*,payment.success');
    const skipped = [await send(a, 'payment.failed'), await send(a, 'other.thing'), await send(a, 'sales.x')];
    const wanted = [await send(a, 'payment.success'), await send(a, 'sale.cancel')];
    await s.waitFor(has(wanted[1].id), 'sale.cancel');
    assert.deepEqual(
      s.events().map((m) => m.id),
      wanted.map((e) => e.id),
      'in order, and nothing else',
    );
    assert.equal(
      s.events().some((m) => skipped.some((e) => e.id === m.id)),
      false,
    );
  });

  test('resumes after an event id, from the query or the Last-Event-ID header', async () => {
    const sent = [
      await send(a, 'sale.success', { n: 1 }),
      await send(a, 'sale.success', { n: 2 }),
      await send(a, 'sale.success', { n: 3 }),
    ];
    const s = await listen(a.key, `?after=${sent[0].id}`);
    await s.waitFor(has(sent[2].id), 'the third event');
    assert.deepEqual(
      s
        .events()
        .map((m) => m.id)
        .slice(0, 2),
      [sent[1].id, sent[2].id],
    );
    const t = await listen(a.key, '', { 'last-event-id': sent[1].id });
    await t.waitFor(has(sent[2].id), 'the third event');
    assert.equal(t.events()[0].id, sent[2].id);
  });

  test('a resend comes with its resend id and the same envelope, filtered by type; its webhook goes out again', async () => {
    const s = await listen(a.key, '?types=sale.*');
    const e = await send(a, 'sale.success', { n: 'resend me' });
    const skipped = await send(a, 'other.thing');
    await s.waitFor(has(e.id), 'the event');
    await receiver.waitFor(
      () => receiver.for('/alpha').filter((r) => r.headers['webhook-id'] === e.id).length === 1,
      10_000,
      'the webhook',
    );
    // Recorded, so no longer in flight (a delivery being sent when the resend comes is left to finish).
    await eventually(
      async () =>
        (await h.call('GET', `/v1/deliveries?event_id=${e.id}`, { key: a.key })).body.data[0]?.status === 'succeeded',
    );
    const r = await resend(a, e.id);
    assert.match(r.id, /^rsd_[0-9A-Z]{26}$/);
    assert.equal(r.event_id, e.id);
    assert.equal(r.deliveries, 1, "alpha's delivery");
    await resend(a, skipped.id);
    await s.waitFor(has(r.id), 'the resend');
    const first = s.events().find((m) => m.id === e.id)!;
    const again = s.events().find((m) => m.id === r.id)!;
    assert.equal(again.event, 'sale.success');
    assert.equal(again.data, first.data, 'the same envelope, so the same webhook-id');
    assert.equal(s.events().filter((m) => m.data.includes('other.thing')).length, 0, 'the filter holds for resends');
    await receiver.waitFor(
      () => receiver.for('/alpha').filter((r) => r.headers['webhook-id'] === e.id).length === 2,
      10_000,
      'the webhook again',
    );
    const missing = await h.call('POST', `/v1/events/${newId('evt')}/resend`, { key: a.key });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'event_not_found');
    const others = await h.call('POST', `/v1/events/${e.id}/resend`, { key: b.key });
    assert.equal(others.status, 404, "another merchant's event is not found");
  });

  test('resumes from the position of its first comment: events and resends made while away arrive', async () => {
    const earlier = await send(a, 'sale.success', { n: 'before' });
    const s = await listen(a.key);
    const at = position(s);
    assert.match(at.after, /^evt_/);
    assert.match(at.resends_after, /^rsd_/);
    s.close();
    // While no client is connected: a new event and a resend of an older one.
    const meanwhile = await send(a, 'sale.success', { n: 'meanwhile' });
    const r = await resend(a, earlier.id);
    const t = await listen(a.key, `?after=${at.after}&resends_after=${at.resends_after}`);
    await t.waitFor((x) => has(meanwhile.id)(x) && has(r.id)(x), 'the event and the resend');
    assert.equal(t.events().filter((m) => m.id === earlier.id).length, 0, 'the old event is not sent as new');
    // An EventSource resumes with the last id it saw, of either kind: after a resend, only what followed.
    const later = await send(a, 'sale.success', { n: 'later' });
    const u = await listen(a.key, '', { 'last-event-id': r.id });
    await u.waitFor(has(later.id), 'the event after the resend');
    assert.equal(u.events().filter((m) => m.id === r.id).length, 0, 'not the resend itself');
  });

  test('a merchant sees only its own events; the admin names the merchant', async () => {
    const mine = await listen(a.key);
    const asAdmin = await listen(ADMIN_KEY, `?merchant_id=${b.id}`);
    const theirs = await send(b, 'sale.success');
    const own = await send(a, 'sale.success');
    await mine.waitFor(has(own.id), "A's event");
    await asAdmin.waitFor(has(theirs.id), "B's event for the admin");
    assert.equal(
      mine.events().some((m) => m.id === theirs.id),
      false,
    );
    assert.equal(
      asAdmin.events().some((m) => m.id === own.id),
      false,
    );
  });

  test('an event that commits after a later one was streamed is still sent (look-back)', async () => {
    const s = await listen(a.key);
    await sleep(20); // so the late id below is after the stream's start
    const lateMs = Date.now();
    await sleep(5);
    const later = await send(a, 'sale.success', { n: 'later' });
    await s.waitFor(has(later.id), 'the later event');
    // As if its transaction had been slow: an id older than one already streamed becomes visible now.
    const id = newId('evt', lateMs);
    const data = JSON.stringify({ n: 'late' });
    await h.app.store.appendEvents([
      {
        id,
        merchantId: a.id as MerchantId,
        type: 'sale.late',
        data,
        body: buildEnvelope(id, 'sale.late', lateMs, data, false),
        idempotencyKey: null,
        createdAt: lateMs,
      },
    ]);
    await s.waitFor(has(id), 'the late event');
    assert.equal(s.events().filter((m) => m.id === later.id).length, 1, 'the look-back does not send an event twice');
  });

  test('heartbeat comments keep an idle stream alive', async () => {
    const s = await listen(a.key, '?types=nothing.matches');
    await s.waitFor((x) => x.messages.filter((m) => m.comment === 'heartbeat').length >= 2, 'two heartbeats');
    assert.equal(s.events().length, 0);
  });

  test('a client that disconnects is cleaned up', async () => {
    const before = openListenStreams(h.app.store);
    const s = await openStream(h.url, a.key);
    await s.waitFor((x) => x.messages.length > 0, 'the stream to open');
    assert.equal(openListenStreams(h.app.store), before + 1);
    s.close();
    await eventually(() => openListenStreams(h.app.store) === before, 10_000, 'the stream to be closed on the server');
  });

  test('bad input is a JSON error before any stream', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['?types=bad..type', {}, 400, 'validation_failed'],
      ['?after=nonsense', {}, 400, 'invalid_id'],
      [`?after=${newId('del')}`, {}, 400, 'invalid_id'],
      ['', { 'last-event-id': 'garbage' }, 400, 'invalid_id'],
      [`?resends_after=${newId('evt')}`, {}, 400, 'invalid_id'],
      ['?type=sale.success', {}, 400, 'unknown_field'],
    ];
    for (const [query, headers, status, code] of cases) {
      const r = await h.call('GET', `/v1/listen${query}`, { key: a.key, headers });
      assert.equal(r.status, status, query);
      assert.equal(r.body.error.code, code, query);
    }
    assert.equal((await h.call('GET', '/v1/listen', { key: null })).status, 401);
  });

  test('stopping a server ends its streams instead of waiting for them', async () => {
    const own = await Harness.start({ delivery: { pollIntervalMs: 50 } });
    const m = (await own.call('POST', '/v1/merchants', { body: { name: 'stopping' } })).body;
    const s = await openStream(own.url, m.api_key);
    await s.waitFor((x) => x.messages.length > 0, 'the stream to open');
    await own.close();
    await s.ended;
    assert.equal(openListenStreams(own.app.store), 0);
  });

  // One process owns an embedded database (database_in_use for a second): several share PostgreSQL.
  const oneOwner = process.env.PAYHOOK_TEST_BACKEND === 'postgres' ? false : 'one process owns a SQLite database';
  describe('with a second payhook process on the same database', { skip: oneOwner }, () => {
    let other: Payhook;
    before(async () => {
      const { databaseUrl, masterKey } = h.app.config.store;
      const config = loadConfig(
        {},
        {
          server: { port: 0, adminKey: ADMIN_KEY, logLevel: 'silent', role: 'api' },
          store: { databaseUrl, masterKey },
          postgres: { schema: h.app.config.postgres.schema },
          delivery: { pollIntervalMs: 50 },
        },
      );
      other = await createPayhook(config);
      await other.start();
    });
    after(async () => {
      await other?.stop();
    });

    test('events accepted by the other process arrive (the stream polls the table)', async () => {
      const s = await listen(a.key);
      const r = await fetch(`${other.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'sale.success', data: { via: 'other' } }),
      });
      assert.equal(r.status, 202);
      const e = (await r.json()) as { id: string };
      await s.waitFor(has(e.id), 'the event from the other process');
    });

    test('a resend made through the other process arrives', async () => {
      const e = await send(a, 'sale.success', { via: 'this' });
      const s = await listen(a.key);
      const r = await fetch(`${other.url}/v1/events/${e.id}/resend`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}` },
      });
      assert.equal(r.status, 202);
      const body = (await r.json()) as { id: string };
      await s.waitFor(has(body.id), 'the resend from the other process');
    });
  });
});
