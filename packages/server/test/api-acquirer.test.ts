/**
 * Live mode through the HTTP acquirer (src/payments/acquirer.ts): a payhook whose live bank is a stub
 * acquirer on loopback (helpers/stub-acquirer.ts). Approve, decline, a timeout settled by a status
 * enquiry, a refund, and signed notifications (good, bad signature, replayed); test mode keeps paying
 * through the simulator and never reaches the acquirer. Runs on SQLite here and on PostgreSQL through
 * api.postgres.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, eventually } from './api-harness.js';
import { StubAcquirer } from './helpers/stub-acquirer.js';

const SECRET = 'acquirer-shared-secret-for-tests-0123';
const card = (number: string) => ({ card: { number, expiry: '12/30', cvc: '123' } });

describe('live mode through the HTTP acquirer', () => {
  let h: Harness;
  let stub: StubAcquirer;
  let live: string;
  let testKey: string;
  let n = 0;

  /** Pays a new live order with `number`; the API's answer. */
  const pay = async (key: string, number: string) => {
    const order = await h.call('POST', '/v1/orders', {
      key,
      body: { reference: `ACQ-${++n}`, amount: 2500, currency: 'AED' },
    });
    assert.equal(order.status, 201, order.text);
    return h.call('POST', `/v1/orders/${order.body.id}/transactions`, { key, body: card(number) });
  };

  before(async () => {
    stub = await new StubAcquirer(SECRET).start();
    h = await Harness.start({}, undefined, {
      payments: {
        acquirerUrl: stub.url,
        acquirerSecret: SECRET,
        acquirerTimeoutMs: 300,
        checkIntervalMs: 50,
        pollIntervalMs: 20,
      },
    });
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'Live shop' } });
    live = m.body.live_api_key;
    testKey = m.body.api_key;
  });
  after(async () => {
    await h?.close();
    await stub?.close();
  });

  test('approve: the signed authorisation carries the card and the transaction id as idempotency key', async () => {
    const r = await pay(live, '4111111111111111');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.outcome, 'success');
    const txn = r.body.transaction;
    assert.equal(txn.livemode, true);
    assert.equal(txn.status, 'success');
    const sent = stub.on('/authorisations').find((q) => q.body.transaction_id === txn.id);
    assert.ok(sent, 'the acquirer got the authorisation');
    assert.equal(sent.idempotencyKey, txn.id);
    assert.equal(sent.body.amount, 2500);
    assert.equal(sent.body.currency, 'AED');
    assert.equal((sent.body.card as { number: string }).number, '4111111111111111');
    assert.equal(stub.badSignatures, 0);
  });

  test('decline: the payment fails with the acquirer message', async () => {
    const r = await pay(live, '4000000000000002');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.outcome, 'failed');
    assert.equal(r.body.transaction.bank_message, 'do not honour');
  });

  test('timeout: the payment is delayed, then settled by a status enquiry', async () => {
    const r = await pay(live, '4000000000002008');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.outcome, 'delayed', 'an answer not heard is never guessed');
    const id = r.body.transaction.id;
    await eventually(
      async () => (await h.call('GET', `/v1/transactions/${id}`, { key: live })).body.status === 'success',
      10_000,
      'settled by enquiry',
    );
    const asked = stub.on('/enquiries').filter((q) => q.body.transaction_id === id);
    assert.ok(asked.length >= 1, 'the worker asked the acquirer');
    assert.equal(asked[0].body.reference, null, 'payhook never heard a reference');
  });

  test('refund: sent with the refund id as idempotency key, succeeded', async () => {
    const paid = await pay(live, '4111111111111111');
    const txn = paid.body.transaction;
    const r = await h.call('POST', `/v1/transactions/${txn.id}/refunds`, { key: live, body: { amount: 1000 } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'succeeded');
    assert.equal(r.body.livemode, true);
    const sent = stub.on('/refunds').find((q) => q.body.refund_id === r.body.id);
    assert.ok(sent);
    assert.equal(sent.idempotencyKey, r.body.id);
    assert.equal(sent.body.reference, `acq_${txn.payment_reference}`, 'the reference the acquirer gave');
    assert.equal(sent.body.amount, 1000);
    // The live payment and its refund are invisible to the test key, like ids that do not exist.
    for (const [path, code] of [
      [`/v1/transactions/${txn.id}`, 'transaction_not_found'],
      [`/v1/transactions/${txn.id}/refunds`, 'transaction_not_found'],
      [`/v1/refunds/${r.body.id}`, 'refund_not_found'],
      [`/v1/orders/${txn.order_id}`, 'order_not_found'],
    ] as const) {
      const seen = await h.call('GET', path, { key: testKey });
      assert.equal(seen.status, 404, `${path}: ${seen.text}`);
      assert.equal(seen.body.error.code, code);
    }
    const refundAsTest = await h.call('POST', `/v1/transactions/${txn.id}/refunds`, { key: testKey, body: {} });
    assert.equal(refundAsTest.status, 404, 'a test key cannot refund a live payment');
    assert.equal(refundAsTest.body.error.code, 'transaction_not_found');
  });

  test('notifications: a good signature settles a pending payment; a bad one or a replay is refused', async () => {
    const r = await pay(live, '4000000000001000');
    assert.equal(r.body.outcome, 'delayed');
    const txn = r.body.transaction;
    const note = { id: `ntf-${txn.id}`, payment_reference: txn.payment_reference, status: 'declined' };
    const forged = await stub.notify(h.url, note, { secret: 'not-the-shared-secret-at-all' });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'bank_signature_invalid');
    const replayed = await stub.notify(h.url, note, { at: Date.now() - 3_600_000 });
    assert.equal(replayed.status, 401, 'an hour-old notification is a replay');
    assert.equal((await h.call('GET', `/v1/transactions/${txn.id}`, { key: live })).body.status, 'delayed');
    const good = await stub.notify(h.url, note);
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.result, 'applied');
    assert.equal(good.body.status, 'failed');
    const again = await stub.notify(h.url, note);
    assert.equal(again.body.duplicate, true, 'the same notification again changes nothing');
  });

  test('test mode keeps paying through the simulator: the acquirer never hears of it, nor settles it', async () => {
    const before = stub.requests.length;
    const r = await pay(testKey, '4000000000000002');
    assert.equal(r.body.outcome, 'failed');
    assert.equal(r.body.transaction.livemode, false);
    assert.equal(r.body.transaction.bank_message, 'declined by issuer', "the simulator's message");
    assert.equal(stub.requests.length, before);
    const delayed = await pay(testKey, '4000000000001000');
    assert.equal(delayed.body.outcome, 'delayed');
    const txn = delayed.body.transaction;
    const note = { id: `ntf-${txn.id}`, payment_reference: txn.payment_reference, status: 'approved' };
    const refused = await stub.notify(h.url, note);
    assert.equal(refused.status, 404, 'the live bank cannot settle a test payment');
    assert.equal(refused.body.error.code, 'transaction_not_found');
  });
});
