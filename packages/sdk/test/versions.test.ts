/**
 * Event versions and thin events as the SDK reads them: the typed helper refuses another version with a
 * clear error, `verify` takes any version's envelope (payment fields checked only in the SDK's), and a
 * thin event is told apart.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amountOf,
  ApiVersionMismatchError,
  apiVersionOf,
  isPaymentEvent,
  isThinEvent,
  SDK_API_VERSION,
  sign,
  verify,
} from '../src/index.js';

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
const data = {
  order_id: 'ord_1',
  transaction_id: 'txn_1',
  sequence: 1,
  amount: 10050,
  amount_decimal: '100.50',
  currency: 'AED',
  status: 'success',
  order_status: 'paid',
};

function signed(body: object) {
  const payload = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'webhook-id': 'evt_1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign({ secret: SECRET, id: 'evt_1', timestamp, payload }),
  };
  return verify(payload, headers, SECRET);
}

describe('event versions in the SDK', () => {
  const envelope = { id: 'evt_1', type: 'transaction.success', timestamp: '2026-12-05T09:30:00.000Z' };

  test('the first version has no api_version and is what the typed helpers read', () => {
    const e = signed({ ...envelope, data });
    assert.equal(apiVersionOf(e), SDK_API_VERSION);
    assert.equal(isPaymentEvent(e, 'transaction.success'), true);
  });

  test('another version verifies, and the typed helper says which versions differ', () => {
    const amount = { value: '100.50', minor: 10050, currency: 'AED' };
    const e = signed({ ...envelope, api_version: '2026-12-05', data: { ...data, amount, amount_decimal: undefined } });
    assert.equal(apiVersionOf(e), '2026-12-05');
    assert.throws(
      () => isPaymentEvent(e),
      (err: unknown) =>
        err instanceof ApiVersionMismatchError &&
        err.eventVersion === '2026-12-05' &&
        err.sdkVersion === SDK_API_VERSION &&
        /isPaymentEvent reads events of api version 2026-11-27, but this event is in 2026-12-05/.test(err.message),
    );
    // Not a payment type: no version to check.
    assert.equal(isPaymentEvent({ type: 'shop.x', api_version: '2026-12-05', data: {} } as never), false);
  });

  test('a thin event verifies, is told apart, and is not a payment snapshot', () => {
    const e = signed({ ...envelope, data: { object: 'transaction', id: 'txn_1', url: '/v1/transactions/txn_1' } });
    assert.equal(isThinEvent(e), true);
    assert.equal(isPaymentEvent(e), false);
    assert.equal(isThinEvent({ data }), false);
    assert.equal(isThinEvent({ data: { object: 'order', id: 'ord_1', url: 'https://elsewhere/' } }), false);
  });

  test('amountOf reads an amount the same way in every version it knows, and refuses one it does not', () => {
    const money = { value: '100.50', minor: 10050, currency: 'AED' };
    assert.deepEqual(amountOf({ data }), money);
    assert.deepEqual(amountOf({ api_version: '2026-12-05', data: { amount: money, currency: 'AED' } }), money);
    assert.equal(amountOf({ data: { other: 1 } }), null);
    assert.equal(amountOf({ data }, 'amount_refunded'), null);
    assert.throws(() => amountOf({ api_version: '2099-01-01', data }), ApiVersionMismatchError);
  });
});
