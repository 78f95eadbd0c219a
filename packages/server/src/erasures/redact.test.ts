/** What an erasure counts as personal data, on the payload shapes payhook stores and sends. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isPersonalKey, matchEvent, REDACTED, redactEventBody, redactText } from './redact.js';

const foloosi = readFileSync(
  new URL('../payments/formats/fixtures/foloosi-success-sample.json', import.meta.url),
  'utf8',
);

test('personal keys: e-mails, phones, names, addresses, card holders; not card digits, amounts or ids', () => {
  for (const k of [
    'customer_email',
    'email',
    'customer_mobile',
    'phone',
    'customer_name',
    'first_name',
    'name',
    'billing_address',
    'address',
    'card_holder',
    'cardholder_name',
    'customer',
  ])
    assert.ok(isPersonalKey(k), k);
  for (const k of [
    'card_last_four',
    'amount',
    'order_id',
    'transaction_no',
    'currency',
    'reference',
    'optional1',
    'type',
  ])
    assert.ok(!isPersonalKey(k), k);
});

test('the Foloosi shape: the customer under transfer.api is redacted, the payment stays', () => {
  const envelope = `{"id":"evt_1","type":"order.success","timestamp":1,"data":${foloosi.trim()}}`;
  const values = matchEvent(envelope, { kind: 'customer_email', value: 'Customer@Example.com' });
  assert.deepEqual(values && [...values].sort(), ['555534533', 'customer@example.com']);
  const out = JSON.parse(redactEventBody(envelope, values!));
  const api = out.data.data.transfer.api;
  assert.equal(api.customer_email, REDACTED);
  assert.equal(api.customer_mobile, REDACTED);
  assert.equal(api.card_last_four, '1111');
  assert.equal(out.data.data.transfer.transaction_no, 'FLNIAREC61a859e4a8977');
  assert.equal(matchEvent(envelope, { kind: 'customer_email', value: 'other@example.com' }), null);
});

test('the event body keeps its bytes but the redacted values (numbers as written, spacing)', () => {
  const body = '{"id":"evt_1","data":{"amount": 100.50, "customer_email":"a@b.example","note":"x"}}';
  const values = matchEvent(body, { kind: 'customer_email', value: 'a@b.example' })!;
  assert.equal(
    redactEventBody(body, values),
    '{"id":"evt_1","data":{"amount": 100.50, "customer_email":"[redacted]","note":"x"}}',
  );
});

test("an e-mail only in a free-text field does not make the event the subject's", () => {
  assert.equal(
    matchEvent('{"data":{"note":"write to a@b.example"}}', { kind: 'customer_email', value: 'a@b.example' }),
    null,
  );
});

test('receiver answers: each value replaced wherever it stands, any case, JSON-escaped too; short values left', () => {
  const values = new Set(['Ann Lee', 'ann@example.com', 'Zoë "Z"', 'ab']);
  assert.equal(
    redactText('hello ANN@example.com / Ann Lee / {"n":"Zoë \\"Z\\""} / ab', values),
    'hello [redacted] / [redacted] / {"n":"[redacted]"} / ab',
  );
});
