import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  capAmount,
  CURRENCIES,
  exponentOf,
  isCurrency,
  parseDecimal,
  parseMinorAmount,
  toDecimalString,
} from './currencies.js';
import { isPayhookError } from '../module-api.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPayhookError(err) ? err.code : 'not a PayhookError';
  }
  return undefined;
}

describe('currencies', () => {
  test('the exponents the payment module relies on', () => {
    const expected: Record<string, number> = {
      AED: 2,
      USD: 2,
      EUR: 2,
      GBP: 2,
      INR: 2,
      SAR: 2,
      QAR: 2,
      EGP: 2,
      CHF: 2,
      CNY: 2,
      JPY: 0,
      KRW: 0,
      VND: 0,
      CLP: 0,
      KWD: 3,
      BHD: 3,
      OMR: 3,
      JOD: 3,
      TND: 3,
      IQD: 3,
      LYD: 3,
      CLF: 4,
    };
    for (const [c, e] of Object.entries(expected)) assert.equal(exponentOf(c), e, c);
    assert.ok(CURRENCIES.size > 150);
    for (const c of CURRENCIES.keys()) assert.match(c, /^[A-Z]{3}$/);
  });

  test('unknown and lower-case codes are unknown_currency', () => {
    assert.equal(isCurrency('aed'), false);
    assert.equal(isCurrency('XAU'), false);
    assert.equal(
      code(() => exponentOf('ABC')),
      'unknown_currency',
    );
    assert.equal(
      code(() => toDecimalString(1, 'aed')),
      'unknown_currency',
    );
  });

  test('toDecimalString is exact for every exponent', () => {
    assert.equal(toDecimalString(10000, 'AED'), '100.00');
    assert.equal(toDecimalString(10000, 'AED', { trim: true }), '100');
    assert.equal(toDecimalString(10050, 'AED', { trim: true }), '100.5');
    assert.equal(toDecimalString(5, 'AED'), '0.05');
    assert.equal(toDecimalString(5, 'AED', { trim: true }), '0.05');
    assert.equal(toDecimalString(0, 'AED', { trim: true }), '0');
    assert.equal(toDecimalString(500, 'JPY'), '500');
    assert.equal(toDecimalString(1234, 'KWD'), '1.234');
    assert.equal(toDecimalString(1, 'OMR'), '0.001');
    assert.equal(toDecimalString(-1, 'USD'), '-0.01');
    assert.equal(toDecimalString(12345, 'CLF'), '1.2345');
    // Beyond 2^53 through bigint and strings, where a float would round.
    assert.equal(toDecimalString(12345678901234567891n, 'USD'), '123456789012345678.91');
    assert.equal(toDecimalString('9007199254740993', 'AED'), '90071992547409.93');
  });

  test('parseDecimal refuses precision the currency lacks instead of rounding', () => {
    assert.equal(parseDecimal('100.5', 'AED'), 10050n);
    assert.equal(parseDecimal('100', 'AED'), 10000n);
    assert.equal(parseDecimal('1.234', 'KWD'), 1234n);
    assert.equal(parseDecimal('7', 'JPY'), 7n);
    assert.equal(
      code(() => parseDecimal('1.005', 'AED')),
      'invalid_amount',
    );
    assert.equal(
      code(() => parseDecimal('1.5', 'JPY')),
      'invalid_amount',
    );
    for (const bad of ['', '1e3', '1.', '.5', '1,00', ' 1'])
      assert.equal(
        code(() => parseDecimal(bad, 'AED')),
        'invalid_amount',
        bad,
      );
  });

  test('parseDecimal inverts toDecimalString (property)', () => {
    const codes = [...CURRENCIES.keys()];
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.constantFrom(...codes),
        fc.boolean(),
        (minor, c, trim) => {
          assert.equal(parseDecimal(toDecimalString(minor, c, { trim }), c), minor);
        },
      ),
    );
  });

  test('parseMinorAmount takes positive whole numbers as written, exactly, whatever a double would round them to', () => {
    assert.equal(parseMinorAmount(10000), 10000n);
    assert.equal(parseMinorAmount('10000'), 10000n);
    assert.equal(parseMinorAmount(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER));
    // 2^53 + 1 is 9007199254740992 as a double; as written it stays itself.
    assert.equal(parseMinorAmount('9007199254740993'), 9007199254740993n);
    for (const bad of [
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      Number.MAX_SAFE_INTEGER + 1,
      '1.5',
      '-1',
      '1e3',
      '10000.0',
      '10000.0000000000000001',
      '0',
      '',
      null,
      undefined,
      true,
      {},
    ]) {
      assert.equal(
        code(() => parseMinorAmount(bad)),
        'invalid_amount',
        String(bad),
      );
    }
  });

  test('capAmount passes what is at most the maximum and refuses the rest with amount_too_large, exactly', () => {
    assert.equal(capAmount(999_999_999_999n, 'AED', 999_999_999_999), 999_999_999_999);
    assert.equal(
      code(() => capAmount(1_000_000_000_000n, 'AED', 999_999_999_999)),
      'amount_too_large',
    );
    // The order: AED 90,071,992,547,409.91 is 9007199254740991 fils.
    assert.equal(
      code(() => capAmount(9_007_199_254_740_991n, 'AED', 999_999_999_999)),
      'amount_too_large',
    );
    assert.equal(
      code(() => capAmount(9_007_199_254_740_993n, 'JPY', Number.MAX_SAFE_INTEGER)),
      'amount_too_large',
    );
  });
});
