import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { topLevelNumberText, writtenAmount } from './written-amount.js';

describe('amounts as written (the JSON number text before JSON.parse)', () => {
  test('reads the top-level member as written, whatever JSON.parse would make of it', () => {
    const cases: [string, string | undefined][] = [
      ['{"amount":10000.0000000000000001,"currency":"AED"}', '10000.0000000000000001'],
      ['{"amount":9007199254740993}', '9007199254740993'],
      ['{ "amount" : -1.5e+3 , "x": 1}', '-1.5e+3'],
      ['\uFEFF {"currency":"AED",\n\t"amount":\r\n100}', '100'],
      ['{"\\u0061mount":25}', '25'],
      ['{"amount":1.5,"amount":150}', '150'],
      ['{"amount":150,"amount":"150"}', undefined],
      ['{"amount":"100"}', undefined],
      ['{"amount":null}', undefined],
      ['{"note":"\\"amount\\":5","amount":7}', '7'],
      ['{"nested":{"amount":5},"list":[{"amount":6},"]}"],"amount":8}', '8'],
      ['{"nested":{"amount":5}}', undefined],
      ['[{"amount":5}]', undefined],
      ['{}', undefined],
      ['5', undefined],
    ];
    for (const [text, want] of cases) assert.equal(topLevelNumberText(text, 'amount'), want, text);
  });

  test('finds exactly the number JSON.stringify wrote, among any other members (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => k !== 'amount' && k !== '__proto__'),
          fc.jsonValue(),
        ),
        fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        fc.nat(),
        fc.boolean(),
        (others, amount, at, pretty) => {
          const entries = Object.entries(others);
          entries.splice(at % (entries.length + 1), 0, ['amount', amount]);
          const text = JSON.stringify(Object.fromEntries(entries), null, pretty ? 2 : undefined);
          assert.equal(topLevelNumberText(text, 'amount'), JSON.stringify(amount));
        },
      ),
    );
  });

  test('writtenAmount hands on the text of a number, and anything else as it was parsed', () => {
    assert.equal(writtenAmount('{"amount":10.50}', 10.5), '10.50');
    assert.equal(writtenAmount('{"amount":"10"}', '10'), '10');
    assert.equal(writtenAmount(undefined, 10), 10, 'no body text (a call from within the process)');
    assert.equal(writtenAmount('{}', undefined), undefined);
  });
});
