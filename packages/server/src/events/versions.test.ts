import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnvelope } from '../store/envelope.js';
import { FormatRegistry } from './formats.js';
import {
  amountsAsObjects,
  LATEST_API_VERSION,
  OLDEST_API_VERSION,
  renderDataVersion,
  renderVersion,
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
