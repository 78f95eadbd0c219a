import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_AMOUNT, loadPaymentConfig, maxAmountFor, parseMaxAmounts } from './config.js';

describe('payment settings: the maximum amount per currency', () => {
  test('PAYHOOK_MAX_AMOUNTS takes decimal amounts as written, exactly, in each currency', () => {
    const max = loadPaymentConfig({ PAYHOOK_MAX_AMOUNTS: 'AED:50000.00, JPY:5000000 ,KWD:1.5' }).maxAmounts;
    assert.deepEqual(
      [...max],
      [
        ['AED', 5_000_000],
        ['JPY', 5_000_000],
        ['KWD', 1500],
      ],
    );
    assert.equal(maxAmountFor(max, 'AED'), 5_000_000);
    assert.equal(maxAmountFor(max, 'USD'), DEFAULT_MAX_AMOUNT, 'a currency not named keeps the default');
    assert.equal(maxAmountFor(undefined, 'USD'), 999_999_999_999);
    assert.equal(loadPaymentConfig({}).maxAmounts.size, 0);
    assert.equal(loadPaymentConfig({ PAYHOOK_MAX_AMOUNTS: 'EUR:10.00' }).maxAmounts.get('EUR'), 1000);
  });

  test('a bad entry fails at start with the variable and the entry; code gets the same checks', () => {
    for (const bad of ['AED', 'AED:1.001', 'ZZZ:10', 'aed:10', 'AED:-1', 'AED:0', 'AED:1:2', 'JPY:9007199254740992']) {
      assert.throws(
        () => loadPaymentConfig({ PAYHOOK_MAX_AMOUNTS: bad }),
        (err: Error) => err.name === 'ConfigError' && err.message.startsWith(`PAYHOOK_MAX_AMOUNTS "${bad}"`),
        bad,
      );
    }
    assert.deepEqual([...parseMaxAmounts('USD:1.00')], [['USD', 100]]);
    for (const bad of [new Map([['XYZ', 100]]), new Map([['AED', 1.5]]), new Map([['AED', 0]])]) {
      assert.throws(() => loadPaymentConfig({}, { maxAmounts: bad }), /payments\.maxAmounts \(PAYHOOK_MAX_AMOUNTS\)/);
    }
  });
});
