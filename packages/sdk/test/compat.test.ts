// Interoperability with the reference libraries: SDK signatures verify with `standardwebhooks` and
// `svix` (v1), and `standardwebhooks` signatures verify with the SDK. Both libraries check timestamps
// against the real clock, so these use the current time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { generateSecret, sign, verify, WebhookVerificationError } from '@payhook/sdk';
import { paymentEvent, signed } from './helpers.js';

test('SDK signatures verify with standardwebhooks and svix, for a fresh secret and the reference one', () => {
  for (const secret of [generateSecret(), 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']) {
    const event = paymentEvent('order.success', { reference: 'Ünïcødé ✓' });
    const { body, headers } = signed(event, secret);
    assert.deepEqual(new StandardWebhook(secret).verify(body, headers), event);
    assert.deepEqual(new SvixWebhook(secret).verify(body, headers), event);
    // svix also takes its own header names.
    const svixHeaders = {
      'svix-id': headers['webhook-id'],
      'svix-timestamp': headers['webhook-timestamp'],
      'svix-signature': headers['webhook-signature'],
    };
    assert.deepEqual(new SvixWebhook(secret).verify(body, svixHeaders), event);
  }
});

test('a header signed with a rotated-out and a current secret verifies with either, in every library', () => {
  const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
  const event = paymentEvent('transaction.success');
  const { body, headers } = signed(event, [newSecret, oldSecret]);
  for (const secret of [oldSecret, newSecret]) {
    assert.deepEqual(new StandardWebhook(secret).verify(body, headers), event);
    assert.deepEqual(new SvixWebhook(secret).verify(body, headers), event);
    assert.equal(verify(body, headers, secret).id, event.id);
  }
  assert.throws(() => new StandardWebhook(generateSecret()).verify(body, headers));
  assert.throws(
    () => verify(body, headers, generateSecret()),
    (e: unknown) => e instanceof WebhookVerificationError && e.reason === 'signature',
  );
});

test('standardwebhooks signatures verify with the SDK and match the SDK byte for byte', () => {
  const secret = generateSecret();
  const event = paymentEvent('order.cancel', { order_status: 'cancelled', status: 'failed' });
  const body = JSON.stringify(event);
  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  const theirs = new StandardWebhook(secret).sign(event.id, now, body);
  assert.equal(theirs, sign({ secret, id: event.id, timestamp, payload: body }));
  const headers = { 'webhook-id': event.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': theirs };
  assert.deepEqual(verify(body, headers, secret), event);
  const svixSig = new SvixWebhook(secret).sign(event.id, now, body);
  assert.deepEqual(verify(body, { ...headers, 'webhook-signature': svixSig }, secret), event);
});

test('a tampered body fails in the SDK and in standardwebhooks alike', () => {
  const secret = generateSecret();
  const event = paymentEvent('order.success');
  const { body, headers } = signed(event, secret);
  const tampered = body.replace('"amount":10000', '"amount":1');
  assert.notEqual(tampered, body);
  assert.throws(() => new StandardWebhook(secret).verify(tampered, headers));
  assert.throws(
    () => verify(tampered, headers, secret),
    (e: unknown) => e instanceof WebhookVerificationError && e.reason === 'signature',
  );
});
