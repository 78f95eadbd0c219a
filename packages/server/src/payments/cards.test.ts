import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isExpired, lastFour, luhnValid, parseCard, parseExpiry, scenarioOf, TEST_CARDS } from './cards.js';
import { isPayhookError } from '../module-api.js';

const NOW = Date.UTC(2026, 10, 27, 5, 29, 26);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPayhookError(err) ? err.code : 'not a PayhookError';
  }
  return undefined;
}

describe('cards', () => {
  test('Luhn accepts known-good numbers and rejects a changed digit', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '79927398713'])
      assert.equal(luhnValid(n), true, n);
    for (const n of ['4111111111111112', '79927398710', '', '4111-1111', 'abcd']) assert.equal(luhnValid(n), false, n);
  });

  test('every test card is Luhn-valid, distinct in its last four, and maps to its scenario', () => {
    const fours = new Set<string>();
    for (const c of TEST_CARDS) {
      assert.equal(luhnValid(c.number), true, c.number);
      assert.equal(scenarioOf(c.number), c.scenario);
      fours.add(lastFour(c.number));
    }
    assert.equal(fours.size, TEST_CARDS.length);
    const scenarios = new Set(TEST_CARDS.map((c) => c.scenario));
    for (const s of [
      'approve',
      'decline',
      'delay_approve',
      'delay_decline',
      'debit_decline',
      'debit_decline_payback_fails_twice',
    ] as const) {
      assert.ok(scenarios.has(s), s);
    }
    assert.equal(scenarioOf('4242424242424242'), 'approve');
  });

  test('expiry: MM/YY, MM/YYYY, MMYY; good through the end of the month (UTC)', () => {
    assert.deepEqual(parseExpiry('12/30'), { month: 12, year: 2030 });
    assert.deepEqual(parseExpiry('01/2031'), { month: 1, year: 2031 });
    assert.deepEqual(parseExpiry('0729'), { month: 7, year: 2029 });
    for (const bad of ['13/30', '00/30', '1/30', '12-30', '12/3', '']) assert.equal(parseExpiry(bad), null, bad);
    assert.equal(isExpired(11, 2026, NOW), false);
    assert.equal(isExpired(11, 2026, Date.UTC(2026, 10, 30, 23, 59, 59, 999)), false);
    assert.equal(isExpired(11, 2026, Date.UTC(2026, 11, 1)), true);
    assert.equal(isExpired(12, 2026, Date.UTC(2027, 0, 1)), true);
    assert.equal(isExpired(10, 2026, NOW), true);
  });

  test('parseCard normalises and gives each bad input its own error', () => {
    const card = parseCard({ number: '4111 1111-1111 1111', expiry: '12/30', cvc: '123' }, NOW);
    assert.deepEqual(card, { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '123' });
    assert.equal(
      code(() => parseCard({ number: '4111111111111112', expiry: '12/30', cvc: '123' }, NOW)),
      'card_invalid',
    );
    assert.equal(
      code(() => parseCard({ number: '4111', expiry: '12/30', cvc: '123' }, NOW)),
      'card_invalid',
    );
    assert.equal(
      code(() => parseCard({ number: 4111111111111111, expiry: '12/30', cvc: '123' }, NOW)),
      'card_invalid',
    );
    assert.equal(
      code(() => parseCard({ number: '4111111111111111', expiry: '13/30', cvc: '123' }, NOW)),
      'card_invalid',
    );
    assert.equal(
      code(() => parseCard({ number: '4111111111111111', expiry: '12/30', cvc: '12' }, NOW)),
      'card_invalid',
    );
    assert.equal(
      code(() => parseCard({ number: '4111111111111111', expiry: '10/26', cvc: '123' }, NOW)),
      'card_expired',
    );
  });

  test('errors never carry more of the number than its last four', () => {
    try {
      parseCard({ number: '4111111111111112', expiry: '12/30', cvc: '123' }, NOW);
      assert.fail('expected card_invalid');
    } catch (err) {
      const text = JSON.stringify({ m: (err as Error).message, d: (err as { details: unknown }).details });
      assert.equal(text.includes('41111111'), false);
      assert.ok(text.includes('1112'));
    }
  });
});
