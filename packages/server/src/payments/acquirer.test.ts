/**
 * The HTTP acquirer's error mapping (acquirer.ts header), against a real HTTP server on loopback that
 * answers what each case needs, and its notification signature check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPayhookError } from '../module-api.js';
import { AcquirerUnavailable, HttpAcquirer, signAcquirer, verifyAcquirerSignature } from './acquirer.js';

const SECRET = 'acquirer-unit-secret-0123456789';
const CARD = { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '123' };
const AUTH = { transactionId: 'txn_1', paymentReference: 'ref-1', amount: 100, currency: 'AED', card: CARD, now: 0 };

/** A server answering every request with `status` and `body`. */
async function answering(status: number, body: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const cases: [string, number, string, (a: HttpAcquirer) => Promise<unknown>, unknown][] = [
  ['a 5xx to an authorisation is an unknown outcome', 503, '{}', (a) => a.authorise(AUTH), AcquirerUnavailable],
  ['a body that is not JSON is an unknown outcome', 200, '<html>', (a) => a.authorise(AUTH), AcquirerUnavailable],
  [
    'an unknown status is an unknown outcome',
    200,
    '{"status":"maybe","reference":"r"}',
    (a) => a.authorise(AUTH),
    AcquirerUnavailable,
  ],
  [
    'a 4xx to an authorisation is a decline, nothing debited',
    422,
    '{}',
    (a) => a.authorise(AUTH),
    {
      outcome: 'declined',
      bankReference: 'acq.refused.ref-1',
      message: 'refused by the acquirer (HTTP 422)',
      debited: false,
    },
  ],
  [
    'a 404 to an enquiry: never seen, declined',
    404,
    '',
    (a) => a.enquire({ transactionId: 'txn_1', paymentReference: 'ref-1', bankReference: null, now: 0 }),
    {
      outcome: 'declined',
      bankReference: 'acq.unknown.ref-1',
      message: 'the acquirer never saw this payment',
      debited: false,
    },
  ],
  [
    'a pending refund is delayed',
    200,
    '{"status":"pending","message":"queued"}',
    (a) =>
      a.refund({
        refundId: 're_1',
        transactionId: 'txn_1',
        bankReference: 'r',
        amount: 1,
        currency: 'AED',
        requestedAt: 0,
        now: 0,
      }),
    { outcome: 'delayed', message: 'queued' },
  ],
  [
    'a 4xx to a pay-back is a failed try',
    409,
    '{}',
    (a) =>
      a.payBack({ paybackId: 'pb_1', transactionId: 'txn_1', bankReference: 'r', amount: 1, currency: 'AED', now: 0 }),
    { outcome: 'failed', message: 'refused by the acquirer (HTTP 409)' },
  ],
];

for (const [name, status, body, call, expected] of cases) {
  test(name, async () => {
    const server = await answering(status, body);
    try {
      const acquirer = new HttpAcquirer({ url: server.url, secret: SECRET, timeoutMs: 2000 });
      if (expected === AcquirerUnavailable) await assert.rejects(call(acquirer), AcquirerUnavailable);
      else assert.deepEqual(await call(acquirer), expected);
    } finally {
      await server.close();
    }
  });
}

test('a connection refused is an unknown outcome, never a decline', async () => {
  const server = await answering(200, '{}');
  await server.close();
  const acquirer = new HttpAcquirer({ url: server.url, secret: SECRET, timeoutMs: 2000 });
  await assert.rejects(acquirer.authorise(AUTH), AcquirerUnavailable);
});

test('notification signatures: the right secret within the window passes; anything else is bank_signature_invalid', () => {
  const now = Date.UTC(2026, 11, 5);
  const ts = now / 1000;
  const body = '{"id":"n1"}';
  const good = signAcquirer(SECRET, ts, body);
  verifyAcquirerSignature(SECRET, String(ts), good, body, now, 300_000);
  const refused: [string | undefined, string | undefined, string, number][] = [
    [String(ts), signAcquirer('another-secret-0123456789', ts, body), body, now],
    [String(ts), good, '{"id":"n2"}', now],
    [String(ts + 1), good, body, now],
    [String(ts), good, body, now + 300_001],
    [String(ts), good, body, now - 300_001],
    [undefined, good, body, now],
    [String(ts), undefined, body, now],
    ['12.5', good, body, now],
  ];
  for (const [t, sig, b, at] of refused) {
    assert.throws(
      () => verifyAcquirerSignature(SECRET, t, sig, b, at, 300_000),
      (err) => isPayhookError(err) && err.code === 'bank_signature_invalid',
      `${t} ${sig} ${b} ${at}`,
    );
  }
});
