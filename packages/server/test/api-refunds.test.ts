/**
 * Refunds and the order's money rules through the real API: a payhook (a SQLite file, or PostgreSQL
 * when api.postgres.test.ts runs this file), a real receiver that verifies every webhook, real fetch.
 * A partial refund and then the rest, with refund.created and refund.succeeded arriving signed in the
 * order's sequence; a delayed refund that settles by itself; a declined one; refunds that are refused
 * (paid back, failed, another merchant's, more than remains, a reused idempotency key); orders found by
 * reference; a maximum per currency; amounts checked as the client wrote them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { newId } from '../src/ids.js';
import { Harness, Receiver, eventually, world, type Tenant } from './api-harness.js';
import { orderWebhooks } from './helpers/order-webhooks.js';

const CARD = (number: string) => ({ card: { number, expiry: '12/30', cvc: '123' } });

describe('refunds and orders over the API', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;
  let secret: string;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({}, undefined, {
      payments: {
        simulatorDelayMs: 300,
        checkIntervalMs: 50,
        pollIntervalMs: 20,
        paybackSchedule: [50],
        maxAmounts: new Map([['KWD', 5_000_000]]),
      },
    });
    ({ a, b } = await world(h, receiver));
    secret = (await h.call('GET', `/v1/endpoints/${a.endpointId}/secret`, { key: a.key })).body.secret;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const webhooksOf = (orderId: string, count: number) => orderWebhooks(receiver, '/alpha', secret, orderId, count);

  /** A paid order of A (the answer of the payment), with `card`. */
  async function paid(reference: string, card: string, amount = 10000, currency = 'AED') {
    const order = await h.call('POST', '/v1/orders', { key: a.key, body: { reference, amount, currency } });
    assert.equal(order.status, 201, order.text);
    const pay = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, { key: a.key, body: CARD(card) });
    assert.equal(pay.status, 201, pay.text);
    return pay.body as { outcome: string; transaction: Record<string, any>; order: Record<string, any> };
  }

  const refund = (txn: string, body?: unknown, key = a.key) =>
    h.call('POST', `/v1/transactions/${txn}/refunds`, { key, body });

  test('a partial refund, then the rest: refund.created and refund.succeeded arrive signed, the order turns partially refunded, then refunded', async () => {
    const p = await paid('INV-refund-1', '4111 1111 1111 1111');
    const txn = p.transaction.id;
    const first = await refund(txn, { amount: 2500, reason: 'one item returned', idempotency_key: 'INV-refund-1-a' });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(
      [first.body.amount, first.body.amount_decimal, first.body.status, first.body.reason, first.body.bank_message],
      [2500, '25.00', 'succeeded', 'one item returned', 'refunded'],
    );
    assert.match(first.body.id, /^re_[0-9A-Z]{26}$/);

    // The same key and request: the first refund, nothing refunded again; another request: a conflict.
    const again = await refund(txn, { amount: 2500, reason: 'one item returned', idempotency_key: 'INV-refund-1-a' });
    assert.deepEqual([again.status, again.body.id], [200, first.body.id]);
    const conflict = await refund(txn, { amount: 2600, idempotency_key: 'INV-refund-1-a' });
    assert.deepEqual(
      [conflict.status, conflict.body.error.code, conflict.body.error.details.refund_id],
      [409, 'refund_idempotency_conflict', first.body.id],
    );
    const tooMuch = await refund(txn, { amount: 7501 });
    assert.deepEqual(
      [tooMuch.status, tooMuch.body.error.code, tooMuch.body.error.details.remaining_decimal],
      [409, 'refund_exceeds_remaining', '75.00'],
    );

    // No body at all: all that remains.
    const rest = await refund(txn);
    assert.equal(rest.status, 201, rest.text);
    assert.deepEqual([rest.body.amount, rest.body.status], [7500, 'succeeded']);
    const none = await refund(txn, {});
    assert.deepEqual(
      [none.status, none.body.error.code, none.body.error.details.remaining],
      [409, 'refund_exceeds_remaining', 0],
    );

    const got = await webhooksOf(p.order.id, 6);
    assert.deepEqual(
      got.map((w) => [w.type, w.data.sequence, w.data.status, w.data.order_status, w.data.amount_refunded ?? null]),
      [
        ['transaction.success', 1, 'success', 'paid', null],
        ['order.success', 2, 'success', 'paid', null],
        ['refund.created', 3, 'pending', 'paid', 0],
        ['refund.succeeded', 4, 'succeeded', 'partially_refunded', 2500],
        ['refund.created', 5, 'pending', 'partially_refunded', 2500],
        ['refund.succeeded', 6, 'succeeded', 'refunded', 10000],
      ],
    );
    assert.deepEqual(
      [got[3].data.refund_id, got[3].data.amount_decimal, got[3].data.reason, got[5].data.amount_refunded_decimal],
      [first.body.id, '25.00', 'one item returned', '100.00'],
    );

    // The refund event types' published schemas take what the receiver got.
    const types = (await h.call('GET', '/v1/event-types', { key: null })).body.data as {
      type: string;
      schema: object;
    }[];
    const ajv = new Ajv({ strict: false, validateFormats: false });
    for (const w of got) {
      const valid = ajv.compile(types.find((t) => t.type === w.type)!.schema);
      assert.ok(valid(w.data), `${w.type}: ${ajv.errorsText(valid.errors)}`);
    }

    const list = await h.call('GET', `/v1/transactions/${txn}/refunds`, { key: a.key });
    assert.deepEqual(
      list.body.data.map((r: { id: string; amount: number }) => [r.id, r.amount]),
      [
        [first.body.id, 2500],
        [rest.body.id, 7500],
      ],
    );
    const one = await h.call('GET', `/v1/refunds/${first.body.id}`, { key: a.key });
    assert.deepEqual(one.body, first.body);
    const t = await h.call('GET', `/v1/transactions/${txn}`, { key: a.key });
    assert.deepEqual(
      [t.body.status, t.body.amount_refunded, t.body.amount_refunded_decimal],
      ['success', 10000, '100.00'],
    );
    const o = await h.call('GET', `/v1/orders/${p.order.id}`, { key: a.key });
    assert.deepEqual([o.body.status, o.body.amount_refunded, o.body.refunds.length], ['refunded', 10000, 2]);
    assert.deepEqual(
      o.body.events.map((e: { type: string; refund_id: string | null }) => [e.type, e.refund_id]),
      [
        ['transaction.success', null],
        ['order.success', null],
        ['refund.created', first.body.id],
        ['refund.succeeded', first.body.id],
        ['refund.created', rest.body.id],
        ['refund.succeeded', rest.body.id],
      ],
    );
  });

  test('a delayed refund answers pending and settles by itself; a declined one fails and leaves the amount refundable', async () => {
    const slow = await paid('INV-refund-slow', '4000 0000 0000 6009', 500, 'JPY');
    const pending = await refund(slow.transaction.id, { amount: 200 });
    assert.deepEqual([pending.status, pending.body.status, pending.body.amount_decimal], [201, 'pending', '200']);
    const got = await webhooksOf(slow.order.id, 4);
    assert.deepEqual(
      got.map((w) => [w.type, w.data.status, w.data.order_status]),
      [
        ['transaction.success', 'success', 'paid'],
        ['order.success', 'success', 'paid'],
        ['refund.created', 'pending', 'paid'],
        ['refund.succeeded', 'succeeded', 'partially_refunded'],
      ],
    );
    const settled = await h.call('GET', `/v1/refunds/${pending.body.id}`, { key: a.key });
    assert.deepEqual([settled.body.status, settled.body.bank_message], ['succeeded', 'refunded']);

    const declined = await paid('INV-refund-declined', '4000000000007007');
    const failed = await refund(declined.transaction.id, { reason: 'customer asked' });
    assert.deepEqual([failed.status, failed.body.status, failed.body.amount], [201, 'failed', 10000]);
    const events = await webhooksOf(declined.order.id, 4);
    assert.deepEqual(
      events.slice(2).map((w) => [w.type, w.data.status, w.data.order_status, w.data.bank_message]),
      [
        ['refund.created', 'pending', 'paid', null],
        ['refund.failed', 'failed', 'paid', 'refund declined by issuer'],
      ],
    );
    // Nothing was returned, so all of it can be asked for again.
    const retry = await refund(declined.transaction.id, { amount: 10000 });
    assert.deepEqual([retry.status, retry.body.status], [201, 'failed']);
    const order = await h.call('GET', `/v1/orders/${declined.order.id}`, { key: a.key });
    assert.deepEqual([order.body.status, order.body.amount_refunded], ['paid', 0]);
  });

  test('what cannot be refunded is refused with its own code, and nothing is emitted', async () => {
    const debited = await paid('INV-refund-debit', '4000000000003006');
    await eventually(
      async () =>
        (await h.call('GET', `/v1/transactions/${debited.transaction.id}`, { key: a.key })).body.status === 'paid_back',
      10_000,
      'pay-back confirmed',
    );
    const declined = await paid('INV-refund-decline', '4000000000000002');
    const ok = await paid('INV-refund-ok', '4111111111111111');
    const first = await refund(ok.transaction.id, { amount: 100 });
    const cases: [string, string, string | null, unknown, number, string][] = [
      ['POST', `/v1/transactions/${debited.transaction.id}/refunds`, a.key, {}, 409, 'transaction_not_refundable'],
      ['POST', `/v1/transactions/${declined.transaction.id}/refunds`, a.key, {}, 409, 'transaction_not_refundable'],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, b.key, {}, 404, 'transaction_not_found'],
      ['POST', `/v1/transactions/${newId('txn')}/refunds`, a.key, {}, 404, 'transaction_not_found'],
      ['POST', `/v1/transactions/${ok.order.id}/refunds`, a.key, {}, 400, 'invalid_id'],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, null, {}, 401, 'unauthorized'],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, a.key, { amount: 0 }, 400, 'invalid_amount'],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, a.key, { amount: -5 }, 400, 'invalid_amount'],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, a.key, { amount: 25.5 }, 400, 'invalid_amount'],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, a.key, { amount: '100' }, 400, 'validation_failed'],
      [
        'POST',
        `/v1/transactions/${ok.transaction.id}/refunds`,
        a.key,
        { amount: 10001 },
        409,
        'refund_exceeds_remaining',
      ],
      ['POST', `/v1/transactions/${ok.transaction.id}/refunds`, a.key, { why: 'x' }, 400, 'unknown_field'],
      [
        'POST',
        `/v1/transactions/${ok.transaction.id}/refunds`,
        a.key,
        { idempotency_key: '' },
        400,
        'validation_failed',
      ],
      ['GET', `/v1/transactions/${ok.transaction.id}/refunds`, b.key, undefined, 404, 'transaction_not_found'],
      ['GET', `/v1/refunds/${first.body.id}`, b.key, undefined, 404, 'refund_not_found'],
      ['GET', `/v1/refunds/${newId('re')}`, a.key, undefined, 404, 'refund_not_found'],
      ['GET', `/v1/refunds/${ok.transaction.id}`, a.key, undefined, 400, 'invalid_id'],
    ];
    for (const [method, path, key, body, status, code] of cases) {
      const r = await h.call(method, path, { key, body });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.body.error.code, code, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
    }
    const debitedEvents = await h.call('GET', `/v1/orders/${debited.order.id}`, { key: a.key });
    assert.deepEqual(
      debitedEvents.body.events.map((e: { type: string }) => e.type),
      ['transaction.failed', 'order.cancel', 'transaction.paid_back'],
      'a refused refund emits nothing',
    );
    const okOrder = await h.call('GET', `/v1/orders/${ok.order.id}`, { key: a.key });
    assert.deepEqual([okOrder.body.amount_refunded, okOrder.body.refunds.length], [100, 1]);
  });

  test('amounts are checked as written: no rounding, no fraction, nothing above the maximum of the currency', async () => {
    const raw = (path: string, text: string) => h.call('POST', path, { key: a.key, raw: text });
    const order = (reference: string, amount: string, currency = 'AED') =>
      raw('/v1/orders', `{"reference":"${reference}","amount":${amount},"currency":"${currency}"}`);

    const fraction = await order('RAW-1', '10000.0000000000000001');
    assert.deepEqual([fraction.status, fraction.body.error.code], [400, 'invalid_amount']);
    assert.equal(fraction.body.error.details.amount, '10000.0000000000000001', 'the amount as written, not 10000');
    for (const amount of ['10000.0', '1e4', '1E+4']) {
      const r = await order(`RAW-${amount}`, amount);
      assert.deepEqual([r.status, r.body.error.code], [400, 'invalid_amount'], amount);
    }
    // 2^53 + 1 parses as 2^53; it is refused as what it is.
    const huge = await order('RAW-2', '9007199254740993', 'JPY');
    assert.deepEqual(
      [huge.status, huge.body.error.code, huge.body.error.details.amount, huge.body.error.details.max_decimal],
      [400, 'amount_too_large', '9007199254740993', '999999999999'],
    );
    // The issue's order: AED 90,071,992,547,409.91.
    const issue = await order('RAW-3', '9007199254740991');
    assert.deepEqual(
      [issue.status, issue.body.error.code, issue.body.error.details.max_decimal],
      [400, 'amount_too_large', '9999999999.99'],
    );
    const atMax = await order('RAW-4', '999999999999');
    assert.deepEqual([atMax.status, atMax.body.amount_decimal], [201, '9999999999.99']);
    // A configured maximum (KWD 5000.000, as PAYHOOK_MAX_AMOUNTS=KWD:5000.000 sets it).
    const kwdOver = await order('RAW-5', '5000001', 'KWD');
    assert.deepEqual([kwdOver.status, kwdOver.body.error.details.max_decimal], [400, '5000.000']);
    assert.equal((await order('RAW-6', '5000000', 'KWD')).status, 201);
    // Duplicate keys: JSON.parse keeps the last, and so does the check.
    const dup = await raw('/v1/orders', '{"reference":"RAW-7","amount":1.5,"currency":"AED","amount":150}');
    assert.deepEqual([dup.status, dup.body.amount], [201, 150]);

    const p = await paid('INV-raw-refund', '4111111111111111');
    const refundRaw = (text: string) => raw(`/v1/transactions/${p.transaction.id}/refunds`, text);
    for (const text of ['{"amount":2500.0000000000000001}', '{"amount":25e2}', '{"amount":9007199254740993}']) {
      const r = await refundRaw(text);
      assert.deepEqual([r.status, r.body.error.code], [400, 'invalid_amount'], text);
    }
    assert.equal((await h.call('GET', `/v1/orders/${p.order.id}`, { key: a.key })).body.refunds.length, 0);
  });

  test('GET /v1/orders?reference= finds the order by your own reference, and only yours', async () => {
    const made = await h.call('POST', '/v1/orders', {
      key: a.key,
      body: { reference: 'INV-find-me', amount: 700, currency: 'USD' },
    });
    await h.call('POST', '/v1/orders', {
      key: b.key,
      body: { reference: 'INV-find-me', amount: 900, currency: 'USD' },
    });
    const found = await h.call('GET', '/v1/orders?reference=INV-find-me', { key: a.key });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(
      [found.body.data.map((o: { id: string }) => o.id), found.body.next_cursor],
      [[made.body.id], null],
    );
    const theirs = await h.call('GET', '/v1/orders?reference=INV-find-me', { key: b.key });
    assert.deepEqual(
      theirs.body.data.map((o: { amount: number }) => o.amount),
      [900],
    );
    const spaced = await h.call('GET', `/v1/orders?reference=${encodeURIComponent('INV find/me?')}`, { key: a.key });
    assert.deepEqual([spaced.status, spaced.body.data], [200, []]);
    const other = await h.call('GET', '/v1/orders?reference=INV-find-me&status=paid', { key: a.key });
    assert.deepEqual(other.body.data, []);
    const open = await h.call('GET', '/v1/orders?reference=INV-find-me&status=open', { key: a.key });
    assert.equal(open.body.data.length, 1);
    const bad = await h.call('GET', '/v1/orders?reference=', { key: a.key });
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'validation_failed']);
    const refunded = await h.call('GET', '/v1/orders?status=refunded', { key: a.key });
    assert.ok(refunded.body.data.every((o: { status: string }) => o.status === 'refunded'));
  });
});
