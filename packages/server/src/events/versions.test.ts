import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnvelope } from '../store/envelope.js';
import { FormatRegistry } from './formats.js';
import {
  amountsAsObjects,
  LATEST_API_VERSION,
  OLDEST_API_VERSION,
  API_VERSION_NAMES,
  type Envelope,
  renderDataOnly,
  renderDataVersion,
  renderVersion,
  upgradeEnvelope,
} from './versions.js';

const T = Date.UTC(2026, 11, 5, 9, 30);

describe('event versions', () => {
  test('the oldest version is the stored bytes, untouched', () => {
    const body = buildEnvelope('evt_1', 'x.y', T, '{"b":1,  "a":"é"}', false);
    assert.equal(renderVersion(body, OLDEST_API_VERSION), body);
  });

  test('2026-12-05: api_version before data; each amount with its decimal and currency becomes one object', () => {
    const data = {
      order_id: 'ord_1',
      amount: 10050,
      amount_decimal: '100.50',
      currency: 'AED',
      amount_refunded: 0,
      amount_refunded_decimal: '0.00',
      sequence: 2,
    };
    const out = JSON.parse(
      renderVersion(buildEnvelope('evt_1', 'refund.succeeded', T, JSON.stringify(data), false), '2026-12-05'),
    );
    assert.deepEqual(Object.keys(out), ['id', 'type', 'timestamp', 'livemode', 'api_version', 'data']);
    assert.equal(out.api_version, '2026-12-05');
    assert.deepEqual(out.data, {
      order_id: 'ord_1',
      amount: { value: '100.50', minor: 10050, currency: 'AED' },
      currency: 'AED',
      amount_refunded: { value: '0.00', minor: 0, currency: 'AED' },
      sequence: 2,
    });
  });

  test('data without the convention passes unchanged', () => {
    for (const data of [
      { amount: 5 },
      { amount: 5, amount_decimal: '0.05' },
      { amount: 5, amount_decimal: 'five', currency: 'AED' },
      { amount: 1.5, amount_decimal: '1.50', currency: 'AED' },
      { amount: 5, amount_decimal: '0.05', currency: 'aed' },
      [1, 2],
      null,
      'text',
    ])
      assert.deepEqual(amountsAsObjects(data), data);
  });

  test('rendering parses only data, and gives the bytes the whole envelope parsed and serialised gives', () => {
    // A small seeded generator: amounts that follow the convention and ones that nearly do, nesting,
    // escapes, non-ASCII text; envelopes with and without livemode, and heads the short path must leave.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)];
    const texts = ['AED', 'aed', '100.50', '1.5', 'x"y', 'back\\slash', 'é ✓ 🎉', '\u2028', 'line\nbreak', ''];
    const value = (depth: number): unknown => {
      switch (rnd(depth > 1 ? 5 : 7)) {
        case 0:
          return rnd(100_000) - 50;
        case 1:
          return pick(texts);
        case 2:
          return pick([true, false, null, 1.25, -0, 2 ** 60]);
        case 3:
          return pick(['100.50', '0.01', '12']);
        case 4:
          return rnd(1000);
        case 5:
          return Array.from({ length: rnd(3) }, () => value(depth + 1));
        default:
          return data(depth + 1);
      }
    };
    const data = (depth: number): Record<string, unknown> => {
      const d: Record<string, unknown> = {};
      for (let i = rnd(8); i > 0; i--)
        d[pick(['amount', 'fee', 'amount_refunded', 'note', 'x', '1', 'currency'])] = value(depth);
      if (rnd(2)) d[`${pick(['amount', 'fee', 'note', ''])}_decimal`] = value(depth);
      if (rnd(3)) d.currency = pick(['AED', 'USD', 'usd', 5]);
      return d;
    };
    for (let i = 0; i < 2_000; i++) {
      const d = JSON.stringify(data(0));
      const bodies = [
        buildEnvelope(`evt_${i}`, 'order.success', T + i, d, rnd(2) === 1),
        `{"id":"evt_${i}","type":"order.success","timestamp":"2026-11-27T00:00:00.000Z","data":${d}}`,
        `{"id":"evt_\\u0031","type":"a","timestamp":"t","livemode":false,"data":${d}}`,
        `{"id":"evt_${i}","type":"a","timestamp":"t","extra":1,"data":${d}}`,
      ];
      for (const body of bodies)
        for (const v of API_VERSION_NAMES.slice(1)) {
          const whole = JSON.stringify(upgradeEnvelope(JSON.parse(body) as Envelope, v));
          assert.equal(renderVersion(body, v), whole, body);
          // payhook's own envelopes take the short path; the two with other heads do not.
          assert.equal(renderDataOnly(body, v), body === bodies[2] || body === bodies[3] ? null : whole);
        }
    }
  });

  test('amountsAsObjects follows its rule as written', () => {
    // The rule of versions.ts in its plainest form; the shipped one is written for speed.
    const rule = (x: unknown): unknown => {
      if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
      const d = x as Record<string, unknown>;
      if (typeof d.currency !== 'string' || !/^[A-Z]{3}$/.test(d.currency)) return x;
      const money = Object.keys(d).filter((k) => {
        const dec = d[`${k}_decimal`];
        return Number.isSafeInteger(d[k]) && typeof dec === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(dec);
      });
      if (money.length === 0) return x;
      return Object.fromEntries(
        Object.entries(d)
          .filter(([k]) => !(k.endsWith('_decimal') && money.includes(k.slice(0, -8))))
          .map(([k, v]) => [k, money.includes(k) ? { value: d[`${k}_decimal`], minor: v, currency: d.currency } : v]),
      );
    };
    const cases: unknown[] = [
      { amount: 1, amount_decimal: '0.01', currency: 'USD', fee: 2, fee_decimal: '0.02', note: 'n' },
      { _decimal: '1.00', '': 100, currency: 'AED' },
      { amount_decimal: '1.00', amount: 100, currency: 'AED', amount_decimal_decimal: '1.00' },
      { amount: 2 ** 53, amount_decimal: '1.00', currency: 'AED' },
      { amount: 1, amount_decimal: '1.', currency: 'AED' },
      { amount: 1, amount_decimal: '-0.01', currency: 'EUR', '2': 3 },
      { fee_decimal: '0.50', currency: 'AED' },
    ];
    for (const c of cases) assert.deepEqual(amountsAsObjects(c), rule(c), JSON.stringify(c));
  });

  test('reads render data alone the same way; an unknown version is refused', () => {
    assert.equal(
      renderDataVersion('{"amount":1,"amount_decimal":"0.01","currency":"USD"}', LATEST_API_VERSION),
      '{"amount":{"value":"0.01","minor":1,"currency":"USD"},"currency":"USD"}',
    );
    assert.throws(
      () => renderVersion(buildEnvelope('evt_1', 'a', T, '{}', false), '2020-01-01'),
      /unknown api version/,
    );
  });

  test('thin: a registered namespace points to its object, anything else to the event; another format ignores version and style', () => {
    const formats = new FormatRegistry();
    formats.registerObject('order', { idField: 'order_id', path: '/v1/orders/{id}' });
    formats.register('flat', (i) => `flat:${i.data}`);
    const input = (type: string, data: object) => {
      const d = JSON.stringify(data);
      return {
        eventId: 'evt_9',
        eventType: type,
        eventCreatedAt: T,
        body: buildEnvelope('evt_9', type, T, d, false),
        data: d,
      };
    };
    const thin = { format: 'standard', apiVersion: LATEST_API_VERSION, payloadStyle: 'thin' } as const;
    assert.deepEqual(
      JSON.parse(formats.renderFor(thin, input('order.success', { order_id: 'ord_7', amount: 1 }))).data,
      {
        object: 'order',
        id: 'ord_7',
        url: '/v1/orders/ord_7',
      },
    );
    assert.deepEqual(JSON.parse(formats.renderFor(thin, input('order.success', { other: 1 }))).data, {
      object: 'event',
      id: 'evt_9',
      url: '/v1/events/evt_9',
    });
    const oldThin = JSON.parse(formats.renderFor({ ...thin, apiVersion: OLDEST_API_VERSION }, input('shop.x', {})));
    assert.equal('api_version' in oldThin, false);
    assert.equal(formats.renderFor({ ...thin, format: 'flat' }, input('order.success', { a: 1 })), 'flat:{"a":1}');
    assert.throws(() => formats.registerObject('order', { idField: 'x', path: '/x/{id}' }), /twice/);
  });
});
