/**
 * The payment module through the real API: a payhook on a SQLite file, a real receiver, real fetch.
 * The README tour (pay with a test card, see transaction.success and order.success arrive; pay with the
 * "debited then declined" card, see transaction.failed, order.cancel, then transaction.paid_back), the
 * foloosi format on the wire, signed bank notifications, and bad input on every payment route.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { newId } from '../src/ids.js';
import { paymentsOf } from '../src/payments/module.js';
import { signBankNotification } from '../src/payments/notifications.js';
import { Harness, Receiver, eventually, world, type Tenant } from './api-harness.js';
import { orderWebhooks } from './helpers/order-webhooks.js';

// The payment module's settings, compressed for the test.
const BANK = { id: 'acquirer', secret: 'bank-secret-for-api-tests-0123456789' };
const PAYMENTS = {
  bankKeys: new Map([[BANK.id, BANK.secret]]),
  simulatorDelayMs: 300,
  checkIntervalMs: 50,
  pollIntervalMs: 20,
  paybackSchedule: [50],
};

const SAMPLE = readFileSync(
  new URL('../src/payments/formats/fixtures/foloosi-success-sample.json', import.meta.url),
  'utf8',
);
const CARD = (number: string) => ({ card: { number, expiry: '12/30', cvc: '123' } });
const SAMPLE_ORDER = {
  reference: 'FLSSUB-298617',
  amount: 10000,
  currency: 'AED',
  customer_email: 'customer@example.com',
  customer_mobile: '555534533',
  optional1: 'FLSSUB_298617f8667047bb',
  optional2: 'Online Class',
  optional3: 'Foloosi developer',
};

describe('payments over the API', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;
  let secret: string;
  let folPath: string;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({}, undefined, { payments: PAYMENTS });
    ({ a, b } = await world(h, receiver));
    secret = (await h.call('GET', `/v1/endpoints/${a.endpointId}/secret`, { key: a.key })).body.secret;
    folPath = '/alpha-foloosi';
    const fol = await h.call('POST', '/v1/endpoints', {
      key: a.key,
      body: { url: receiver.url + folPath, format: 'foloosi', event_types: ['transaction.*'] },
    });
    assert.equal(fol.status, 201, fol.text);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** Payment webhooks the standard endpoint of A got for one order, verified, in sequence order. */
  const webhooksOf = (orderId: string, count: number) => orderWebhooks(receiver, '/alpha', secret, orderId, count);

  test('tour: an approved card pays the order; transaction.success and order.success arrive signed', async () => {
    const order = await h.call('POST', '/v1/orders', { key: a.key, body: SAMPLE_ORDER });
    assert.equal(order.status, 201, order.text);
    assert.deepEqual([order.body.status, order.body.amount_decimal, order.body.sequence], ['open', '100.00', 0]);
    const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: CARD('4111 1111 1111 1111'),
    });
    assert.equal(paid.status, 201, paid.text);
    assert.equal(paid.body.outcome, 'success');
    assert.equal(paid.body.order.status, 'paid');
    assert.equal(paid.body.transaction.card_last_four, '1111');
    assert.equal(
      paid.text.includes('4111111111111111') || paid.text.includes('4111 1111'),
      false,
      'the card number is not echoed',
    );
    const got = await webhooksOf(order.body.id, 2);
    assert.deepEqual(
      got.map((w) => [w.type, w.data.sequence, w.data.status, w.data.order_status]),
      [
        ['transaction.success', 1, 'success', 'paid'],
        ['order.success', 2, 'success', 'paid'],
      ],
    );
    assert.equal(got[0].data.transaction_id, paid.body.transaction.id);

    // The foloosi endpoint got the provider's shape: the sample, but for this payment's own numbers.
    await receiver.waitFor(
      () => receiver.for(folPath).some((r) => r.body.includes(paid.body.transaction.transaction_no)),
      10_000,
      'foloosi webhook',
    );
    const fol = receiver.for(folPath).find((r) => r.body.includes(paid.body.transaction.transaction_no))!;
    const expected = JSON.stringify(JSON.parse(SAMPLE))
      .replace('FLNIAREC61a859e4a8977', paid.body.transaction.transaction_no)
      .replace('e8807a6b-4496-4b4d-a101-7eec0cf60754', paid.body.transaction.payment_reference);
    assert.equal(fol.body, expected);
    assert.match(String(fol.headers['webhook-signature']), /^v1,/);

    const detail = await h.call('GET', `/v1/orders/${order.body.id}`, { key: a.key });
    assert.deepEqual(
      detail.body.events.map((e: { type: string; sequence: number }) => [e.type, e.sequence]),
      [
        ['transaction.success', 1],
        ['order.success', 2],
      ],
    );
    assert.equal(detail.body.transactions.length, 1);
    const again = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: CARD('4111111111111111'),
    });
    assert.deepEqual([again.status, again.body.error.code], [409, 'order_not_payable']);
  });

  test('tour: the debited-then-declined card fails, cancels the order, and is paid back automatically', async () => {
    const order = await h.call('POST', '/v1/orders', {
      key: a.key,
      body: { reference: 'INV-debit', amount: 2500, currency: 'AED' },
    });
    const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: CARD('4000000000003006'),
    });
    assert.equal(paid.body.outcome, 'failed');
    assert.deepEqual(
      [paid.body.transaction.status, paid.body.transaction.debited, paid.body.order.status],
      ['payback_pending', true, 'cancelled'],
    );
    const got = await webhooksOf(order.body.id, 3);
    assert.deepEqual(
      got.map((w) => [w.type, w.data.sequence, w.data.status]),
      [
        ['transaction.failed', 1, 'payback_pending'],
        ['order.cancel', 2, 'payback_pending'],
        ['transaction.paid_back', 3, 'paid_back'],
      ],
    );
    const txn = await h.call('GET', `/v1/transactions/${paid.body.transaction.id}`, { key: a.key });
    assert.deepEqual(
      [txn.body.status, txn.body.payback.status, txn.body.payback.attempts],
      ['paid_back', 'confirmed', 1],
    );
  });

  test('a delayed card answers "delayed" and settles by itself', async () => {
    const order = await h.call('POST', '/v1/orders', {
      key: a.key,
      body: { reference: 'INV-delay', amount: 500, currency: 'JPY' },
    });
    const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: CARD('4000000000001000'),
    });
    assert.deepEqual([paid.body.outcome, paid.body.order.status], ['delayed', 'open']);
    const got = await webhooksOf(order.body.id, 3);
    assert.deepEqual(
      got.map((w) => w.type),
      ['transaction.delayed', 'transaction.success', 'order.success'],
    );
    assert.equal(got[1].data.amount_decimal, '500');
  });

  test('bank notifications: signed, idempotent, and refused with 409 when the state machine forbids them', async () => {
    const order = await h.call('POST', '/v1/orders', {
      key: a.key,
      body: { reference: 'INV-bank', amount: 1000, currency: 'KWD' },
    });
    const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: CARD('4000000000001000'),
    });
    const notify = (body: object, sign = BANK.secret, key = BANK.id) => {
      const raw = JSON.stringify(body);
      return h.call('POST', '/v1/bank/notifications', {
        key: null,
        raw,
        headers: { 'bank-key': key, 'bank-signature': signBankNotification(sign, raw) },
      });
    };
    const approved = {
      id: 'ntf-1',
      payment_reference: paid.body.transaction.payment_reference,
      status: 'approved',
      message: 'approved',
    };
    assert.equal((await notify(approved, 'wrong-secret-0123456789')).body.error.code, 'bank_signature_invalid');
    assert.equal((await notify(approved, BANK.secret, 'nobody')).status, 401);
    const first = await notify(approved);
    assert.equal(first.status, 200, first.text);
    // The simulator may have settled it first (restated); either way the transaction is a success.
    assert.ok(['applied', 'restated'].includes(first.body.result));
    assert.deepEqual([first.body.duplicate, first.body.status], [false, 'success']);
    const again = await notify(approved);
    assert.deepEqual([again.status, again.body.duplicate, again.body.result], [200, true, first.body.result]);
    const before = (await h.call('GET', `/v1/orders/${order.body.id}`, { key: a.key })).body.events.length;
    const late = await notify({
      id: 'ntf-2',
      payment_reference: paid.body.transaction.payment_reference,
      status: 'declined',
    });
    assert.deepEqual(
      [late.status, late.body.error.code, late.body.error.details.status],
      [409, 'transition_forbidden', 'success'],
    );
    assert.equal((await h.call('GET', `/v1/orders/${order.body.id}`, { key: a.key })).body.events.length, before);
    const conflict = await notify({ ...approved, message: 'other' });
    assert.deepEqual([conflict.status, conflict.body.error.code], [409, 'notification_conflict']);
    const unknown = await notify({ id: 'ntf-3', payment_reference: 'no-such-reference', status: 'approved' });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'transaction_not_found']);
    const rawBad = '{"id":';
    const bad = await h.call('POST', '/v1/bank/notifications', {
      key: null,
      raw: rawBad,
      headers: { 'bank-key': BANK.id, 'bank-signature': signBankNotification(BANK.secret, rawBad) },
    });
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'invalid_json']);
    const text = await h.call('POST', '/v1/bank/notifications', {
      key: null,
      raw: JSON.stringify(approved),
      contentType: 'text/plain',
    });
    assert.deepEqual([text.status, text.body.error.code], [415, 'unsupported_media_type']);
  });

  test('GET /v1/event-types publishes schemas that the data sent to receivers satisfies', async () => {
    const r = await h.call('GET', '/v1/event-types', { key: null });
    assert.equal(r.status, 200, r.text);
    const types = r.body.data.map((t: { type: string }) => t.type);
    assert.deepEqual(types, [
      'transaction.success',
      'transaction.delayed',
      'transaction.failed',
      'transaction.paid_back',
      'order.success',
      'order.cancel',
      'refund.created',
      'refund.succeeded',
      'refund.failed',
      // payhook's operational events (delivery.md#operational-webhooks), after the modules' types
      'endpoint.disabled',
      'endpoint.enabled',
      'endpoint.circuit_opened',
      'endpoint.circuit_closed',
      'delivery.exhausted',
    ]);
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const seen = new Set<string>();
    // world() also sent a merchant's own "order.success" with other data; only payhook's payment events count.
    for (const got of receiver
      .for('/alpha')
      .map((x) => JSON.parse(x.body))
      .filter((x) => types.includes(x.type) && x.data.order_id)) {
      const schema = r.body.data.find((t: { type: string }) => t.type === got.type).schema;
      assert.ok(ajv.validate(schema, got.data), `${got.type}: ${ajv.errorsText()}`);
      seen.add(got.type);
    }
    // The refund events' data is checked the same way where refunds are made (api-refunds.test.ts), the
    // operational events' by api-controls.test.ts and the controls suites.
    assert.deepEqual(
      [...seen].sort(),
      types.filter((t: string) => !/^(refund|endpoint|delivery)\./.test(t)).sort(),
      'the tours above produced every type of a payment attempt',
    );
  });

  test('bad input on the payment routes gets its own error', async () => {
    const open = (
      await h.call('POST', '/v1/orders', { key: a.key, body: { reference: 'INV-open', amount: 100, currency: 'USD' } })
    ).body;
    const cancelled = (
      await h.call('POST', '/v1/orders', {
        key: a.key,
        body: { reference: 'INV-cancel', amount: 100, currency: 'USD' },
      })
    ).body;
    await h.call('POST', `/v1/orders/${cancelled.id}/transactions`, { key: a.key, body: CARD('4000000000000002') });
    // With the workers stopped, nothing settles the delayed payment while the cases run.
    await paymentsOf(h.app).workers.stop();
    const delayed = (
      await h.call('POST', '/v1/orders', { key: a.key, body: { reference: 'INV-slow', amount: 100, currency: 'USD' } })
    ).body;
    const pending = await h.call('POST', `/v1/orders/${delayed.id}/transactions`, {
      key: a.key,
      body: CARD('4000000000002008'),
    });
    const cases: [string, string, string | null, unknown, number, string][] = [
      ['POST', '/v1/orders', a.key, { reference: 'x', amount: -1, currency: 'AED' }, 400, 'invalid_amount'],
      ['POST', '/v1/orders', a.key, { reference: 'x', amount: 10.5, currency: 'AED' }, 400, 'invalid_amount'],
      ['POST', '/v1/orders', a.key, { reference: 'x', amount: 0, currency: 'AED' }, 400, 'invalid_amount'],
      ['POST', '/v1/orders', a.key, { reference: 'x', amount: '100', currency: 'AED' }, 400, 'validation_failed'],
      ['POST', '/v1/orders', a.key, { reference: 'x', amount: 100, currency: 'ZZZ' }, 400, 'unknown_currency'],
      ['POST', '/v1/orders', a.key, { reference: 'x', amount: 100 }, 400, 'validation_failed'],
      [
        'POST',
        '/v1/orders',
        a.key,
        { reference: 'x', amount: 100, currency: 'AED', card: '4111' },
        400,
        'unknown_field',
      ],
      [
        'POST',
        '/v1/orders',
        a.key,
        { reference: 'INV-open', amount: 100, currency: 'USD' },
        409,
        'duplicate_reference',
      ],
      ['POST', '/v1/orders', null, { reference: 'x', amount: 100, currency: 'AED' }, 401, 'unauthorized'],
      ['GET', '/v1/orders?status=lost', a.key, undefined, 400, 'validation_failed'],
      ['GET', '/v1/orders?cursor=nonsense', a.key, undefined, 400, 'invalid_cursor'],
      ['GET', '/v1/orders?bogus=1', a.key, undefined, 400, 'unknown_field'],
      ['GET', '/v1/orders/nonsense', a.key, undefined, 400, 'invalid_id'],
      ['GET', `/v1/orders/${newId('txn')}`, a.key, undefined, 400, 'invalid_id'],
      ['GET', `/v1/orders/${newId('ord')}`, a.key, undefined, 404, 'order_not_found'],
      ['GET', `/v1/orders/${open.id}`, b.key, undefined, 404, 'order_not_found'],
      ['GET', `/v1/orders/${open.id}`, null, undefined, 401, 'unauthorized'],
      ['POST', `/v1/orders/${open.id}/transactions`, a.key, CARD('4111111111111112'), 400, 'card_invalid'],
      ['POST', `/v1/orders/${open.id}/transactions`, a.key, CARD('4111'), 400, 'card_invalid'],
      [
        'POST',
        `/v1/orders/${open.id}/transactions`,
        a.key,
        { card: { number: '4111111111111111', expiry: '01/21', cvc: '123' } },
        400,
        'card_expired',
      ],
      [
        'POST',
        `/v1/orders/${open.id}/transactions`,
        a.key,
        { card: { number: '4111111111111111', expiry: '13/30', cvc: '123' } },
        400,
        'card_invalid',
      ],
      [
        'POST',
        `/v1/orders/${open.id}/transactions`,
        a.key,
        { card: { number: '4111111111111111', expiry: '12/30' } },
        400,
        'validation_failed',
      ],
      ['POST', `/v1/orders/${open.id}/transactions`, a.key, { number: '4111111111111111' }, 400, 'validation_failed'],
      [
        'POST',
        `/v1/orders/${open.id}/transactions`,
        a.key,
        { ...CARD('4111111111111111'), save: true },
        400,
        'unknown_field',
      ],
      ['POST', `/v1/orders/${open.id}/transactions`, b.key, CARD('4111111111111111'), 404, 'order_not_found'],
      ['POST', `/v1/orders/${cancelled.id}/transactions`, a.key, CARD('4111111111111111'), 409, 'order_not_payable'],
      ['POST', `/v1/orders/${delayed.id}/transactions`, a.key, CARD('4111111111111111'), 409, 'payment_in_progress'],
      ['GET', `/v1/transactions/${newId('txn')}`, a.key, undefined, 404, 'transaction_not_found'],
      ['GET', `/v1/transactions/${pending.body.transaction.id}`, b.key, undefined, 404, 'transaction_not_found'],
      ['GET', `/v1/transactions/${newId('ord')}`, a.key, undefined, 400, 'invalid_id'],
      [
        'POST',
        '/v1/bank/notifications',
        null,
        { id: 'x', payment_reference: 'y', status: 'approved' },
        401,
        'bank_signature_invalid',
      ],
      ['GET', '/v1/event-types?bogus=1', null, undefined, 400, 'unknown_field'],
    ];
    for (const [method, path, key, body, status, code] of cases) {
      const r = await h.call(method, path, { key, body });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.body.error.code, code, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
    }
    // Nothing above changed the open order.
    const still = await h.call('GET', `/v1/orders/${open.id}`, { key: a.key });
    assert.deepEqual([still.body.status, still.body.transactions.length, still.body.events.length], ['open', 0, 0]);
    paymentsOf(h.app).workers.start();
    await eventually(
      async () => (await h.call('GET', `/v1/orders/${delayed.id}`, { key: a.key })).body.status === 'cancelled',
      10_000,
      'delayed decline settles',
    );
  });
});
