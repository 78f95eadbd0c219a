// verify(): typed events, every failure reason, rotation, v1a, and the body type check.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateSecret,
  isPaymentEvent,
  PAYMENT_EVENT_TYPES,
  publicKeyFor,
  sign,
  verify,
  WebhookVerificationError,
  type PayhookEvent,
  type WebhookVerificationReason,
} from '@payhook/sdk';
import { paymentEvent, SECRET, signed } from './helpers.js';

const fails = (reason: WebhookVerificationReason, pattern?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof WebhookVerificationError, `expected WebhookVerificationError, got ${e}`);
  assert.equal(e.reason, reason);
  assert.equal(e.code, `webhook_${reason}`);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

describe('verify returns typed events', () => {
  for (const type of PAYMENT_EVENT_TYPES) {
    test(type, () => {
      const event = paymentEvent(type, { sequence: 7 });
      const { body, headers } = signed(event);
      const got = verify(body, headers, SECRET);
      assert.deepEqual(got, event);
      assert.ok(isPaymentEvent(got));
      assert.ok(isPaymentEvent(got, type));
      assert.equal(got.data.sequence, 7);
    });
  }

  test('an event type outside the catalogue comes back in the generic shape', () => {
    const event = {
      id: 'evt_other',
      type: 'invoice.created',
      timestamp: '2026-11-27T05:29:26.123Z',
      data: { invoice: 'inv_1' },
    };
    const { body, headers } = signed(event);
    const got: PayhookEvent = verify(body, headers, SECRET);
    assert.deepEqual(got, event);
    assert.equal(isPaymentEvent(got), false);
  });

  test('isPaymentEvent narrows by the named types and rejects malformed data', () => {
    const e = paymentEvent('order.success');
    assert.equal(isPaymentEvent(e, 'order.cancel'), false);
    assert.equal(isPaymentEvent(e, 'order.cancel', 'order.success'), true);
    assert.equal(isPaymentEvent({ ...e, data: { ...e.data, sequence: 1.5 } }), false);
    assert.equal(isPaymentEvent({ ...e, data: { ...e.data, order_id: undefined } }), false);
    assert.equal(isPaymentEvent(null), false);
    // Narrowing: this line only compiles because the guard typed `data`.
    if (isPaymentEvent(e, 'order.success')) assert.equal(e.data.order_id.startsWith('ord_'), true);
  });

  test('string, Buffer, Uint8Array and ArrayBuffer bodies verify the same', () => {
    const event = paymentEvent('transaction.success');
    const { body, headers } = signed(event);
    const bytes = new TextEncoder().encode(body);
    for (const b of [
      body,
      Buffer.from(body),
      bytes,
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    ]) {
      assert.deepEqual(verify(b, headers, SECRET), event);
    }
  });

  test('headers as a fetch Headers object or with mixed case', () => {
    const event = paymentEvent('order.success');
    const { body, headers } = signed(event);
    assert.equal(verify(body, new Headers(headers), SECRET).id, event.id);
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(verify(body, upper, SECRET).id, event.id);
  });
});

describe('secrets', () => {
  test('several secrets: the current and the rotated-out one both verify', () => {
    const [a, b, c] = [generateSecret(), generateSecret(), generateSecret()];
    const event = paymentEvent('order.success');
    const { body, headers } = signed(event, b);
    assert.equal(verify(body, headers, [a, b]).id, event.id);
    assert.equal(verify(body, headers, [b, a]).id, event.id);
    assert.throws(() => verify(body, headers, [a, c]), fails('signature'));
  });

  test('v1a: a whpk_ public key verifies an ed25519 signature, alone or next to v1', () => {
    const signingKey = `whsk_${Buffer.alloc(32, 9).toString('base64')}`;
    const publicKey = publicKeyFor(signingKey);
    const event = paymentEvent('order.success');
    const body = JSON.stringify(event);
    const ts = Math.floor(Date.now() / 1000);
    const v1a = sign({ secret: signingKey, id: event.id, timestamp: ts, payload: body });
    const v1 = sign({ secret: SECRET, id: event.id, timestamp: ts, payload: body });
    assert.match(v1a, /^v1a,/);
    const headers = { 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': `${v1} ${v1a}` };
    assert.equal(verify(body, headers, publicKey).id, event.id);
    assert.equal(verify(body, headers, [publicKey, SECRET]).id, event.id);
    // A v1a signature does not satisfy an HMAC secret, and another key's public key does not verify.
    assert.throws(() => verify(body, { ...headers, 'webhook-signature': v1a }, SECRET), fails('signature'));
    assert.throws(
      () => verify(body, headers, publicKeyFor(`whsk_${Buffer.alloc(32, 1).toString('base64')}`)),
      fails('signature'),
    );
  });

  test('no secret at all is a programming error, not a verification failure', () => {
    const { body, headers } = signed(paymentEvent('order.success'));
    assert.throws(() => verify(body, headers, []), TypeError);
  });
});

describe('failure reasons', () => {
  const event = paymentEvent('order.success');
  const { body, headers } = signed(event);

  test('headers: each missing header is named', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const h: Record<string, string> = { ...headers };
      delete h[name];
      assert.throws(() => verify(body, h, SECRET), fails('headers', new RegExp(name)));
    }
  });

  test('timestamp: outside the tolerance, at its edge, and a custom tolerance', () => {
    const ts = Number(headers['webhook-timestamp']);
    assert.throws(() => verify(body, headers, SECRET, { now: ts + 301 }), fails('timestamp'));
    assert.throws(() => verify(body, headers, SECRET, { now: ts - 301 }), fails('timestamp'));
    assert.equal(verify(body, headers, SECRET, { now: ts + 300 }).id, event.id);
    assert.equal(verify(body, headers, SECRET, { now: ts + 3000, toleranceSeconds: 3600 }).id, event.id);
    assert.throws(
      () => verify(body, headers, SECRET, { now: ts + 11, toleranceSeconds: 10 }),
      fails('timestamp', /10s/),
    );
  });

  test('signature: a mangled signature that decodes to the same bytes is refused', () => {
    const sig = headers['webhook-signature'];
    assert.throws(() => verify(body, { ...headers, 'webhook-signature': `${sig}!!` }, SECRET), fails('signature'));
    assert.throws(
      () => verify(body, { ...headers, 'webhook-signature': sig.replace('v1,', 'v1, ') }, SECRET),
      fails('signature'),
    );
  });

  test('payload: a signed body that is not an envelope says what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      ['[1,2]', /not a JSON object/],
      [JSON.stringify({ id: 'evt_1', type: 'order.success', data: {} }), /timestamp/],
      [JSON.stringify({ id: 'evt_1', type: 'x', timestamp: 't', data: 'nope' }), /data/],
      [JSON.stringify({ data: { transfer: {} } }), /id, type, timestamp, data.*standard/],
      [JSON.stringify({ ...event, data: { ...event.data, sequence: '3' } }), /order.success event: data.sequence/],
      [JSON.stringify({ ...event, data: { ...event.data, amount: 100.5 } }), /data.amount/],
    ];
    for (const [payload, pattern] of cases) {
      const s = signed({ id: 'evt_1' }, SECRET);
      const h = {
        ...s.headers,
        'webhook-signature': sign({
          secret: SECRET,
          id: 'evt_1',
          timestamp: Number(s.headers['webhook-timestamp']),
          payload,
        }),
      };
      assert.throws(() => verify(payload, h, SECRET), fails('payload', pattern), payload);
    }
  });

  test('payload checks only run after the signature matched', () => {
    assert.throws(() => verify('not json', headers, SECRET), fails('signature'));
  });

  test('body_type: a parsed object is refused with a message saying so', () => {
    for (const parsed of [JSON.parse(body), null, undefined, 42, [1]]) {
      assert.throws(
        () => verify(parsed as never, headers, SECRET),
        fails('body_type', /raw request body.*(parsed object|null|undefined|number|array)/),
      );
    }
    try {
      verify(JSON.parse(body), headers, SECRET);
    } catch (e) {
      assert.match((e as Error).message, /express\.json\(\)/);
      assert.equal((e as WebhookVerificationError).status, 500);
    }
  });
});
