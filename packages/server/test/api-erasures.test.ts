/**
 * POST /v1/erasures and GET /v1/erasures/{id} over HTTP (SQLite by default; PostgreSQL with
 * PAYHOOK_TEST_BACKEND=postgres): exactly one subject, the calling merchant's data only, the record
 * without the subject, and what `payhook erasures create` prints.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, world, type Tenant } from './api-harness.js';
import { runCli } from './helpers/cli.js';

describe('erasures API', () => {
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

  const send = async (key: string, data: object) => {
    const r = await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data } });
    assert.equal(r.status, 202, r.text);
    return r.body.id as string;
  };

  test('exactly one subject, well formed', async () => {
    for (const body of [{}, { customer_email: 'x@example.com', order_id: 'ord_01JDQ8Z0RX4YV6K3M2N5P7Q9S1' }]) {
      const r = await h.call('POST', '/v1/erasures', { key: a.key, body });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.code, 'erasure_subject_required');
    }
    const bad = await h.call('POST', '/v1/erasures', { key: a.key, body: { customer_email: 'not an email' } });
    assert.equal(bad.body.error.code, 'validation_failed');
    const order = await h.call('POST', '/v1/erasures', {
      key: a.key,
      body: { order_id: 'evt_01JDQ8Z0RX4YV6K3M2N5P7Q9S1' },
    });
    assert.equal(order.body.error.code, 'invalid_id');
    const extra = await h.call('POST', '/v1/erasures', {
      key: a.key,
      body: { customer_email: 'x@example.com', name: 'x' },
    });
    assert.equal(extra.body.error.code, 'unknown_field');
  });

  test("redacts the calling merchant's customer only, and records a hash", async () => {
    const mine = await send(a.key, {
      customer_email: 'dana@example.com',
      customer: { name: 'Dana K', phone: '+15550001' },
    });
    const other = await send(a.key, { customer_email: 'eli@example.com' });
    const theirs = await send(b.key, { customer_email: 'dana@example.com' });
    const r = await h.call('POST', '/v1/erasures', { key: a.key, body: { customer_email: 'Dana@Example.com' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.id, /^era_/);
    assert.equal(r.body.subject, 'customer_email');
    assert.equal(r.body.events_redacted, 1);
    assert.match(r.body.subject_hash, /^[0-9a-f]{64}$/);
    assert.ok(!r.text.toLowerCase().includes('dana'), 'the answer does not carry the subject');

    const ev = await h.call('GET', `/v1/events/${mine}`, { key: a.key });
    assert.deepEqual(ev.body.data, {
      customer_email: '[redacted]',
      customer: { name: '[redacted]', phone: '[redacted]' },
    });
    assert.equal(
      (await h.call('GET', `/v1/events/${other}`, { key: a.key })).body.data.customer_email,
      'eli@example.com',
    );
    assert.equal(
      (await h.call('GET', `/v1/events/${theirs}`, { key: b.key })).body.data.customer_email,
      'dana@example.com',
    );

    const got = await h.call('GET', `/v1/erasures/${r.body.id}`, { key: a.key });
    assert.deepEqual(got.body, r.body);
    const hidden = await h.call('GET', `/v1/erasures/${r.body.id}`, { key: b.key });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.error.code, 'erasure_not_found');
  });

  test('payhook erasures create --email prints the counts', async () => {
    await send(a.key, { customer_email: 'fay@example.com' });
    const env = { PAYHOOK_URL: h.app.url as string, PAYHOOK_API_KEY: a.key };
    const run = await runCli(['erasures', 'create', '--email', 'fay@example.com'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Events redacted:\s+1/);
    const both = await runCli(['erasures', 'create', '--email', 'x@example.com', '--order', 'ord_x'], env);
    assert.equal(both.code, 2, both.stderr);
  });
});
