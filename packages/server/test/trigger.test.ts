/**
 * `payhook trigger <event-type>`, spawned as a user runs it, against a real payhook with the bank
 * simulator: each supported type creates and pays a real order, and the event it names reaches the
 * merchant's endpoint for that order. An unknown type is a usage error that lists the supported ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMerchant } from '../src/merchants/service.js';
import { TRIGGERS } from '../src/payments/trigger.js';
import { Harness, Receiver } from './api-harness.js';
import { runCli, type CliRun } from './helpers/cli.js';

// A short bank delay and pay-back schedule, so delayed payments and pay-backs settle within the test.
const PAYMENTS = { simulatorDelayMs: 200, checkIntervalMs: 50, pollIntervalMs: 20, paybackSchedule: [50] };

describe('payhook trigger', () => {
  let h: Harness;
  let receiver: Receiver;
  let key = '';

  const payhook = (args: string[]): Promise<CliRun> => runCli(args, { PAYHOOK_URL: h.url, PAYHOOK_API_KEY: key });
  /** Types of the webhooks the endpoint got for one order, in sequence order. */
  const webhooksFor = (orderId: string) =>
    receiver
      .for('/hooks')
      .map((r) => JSON.parse(r.body) as { type: string; data: { order_id: string; sequence: number } })
      .filter((b) => b.data.order_id === orderId)
      .sort((x, y) => x.data.sequence - y.data.sequence)
      .map((b) => b.type);

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({ delivery: { pollIntervalMs: 50 } }, undefined, { payments: PAYMENTS });
    key = (await createMerchant(h.app.store, 'Trigger shop')).apiKey;
    const ep = await h.call('POST', '/v1/endpoints', { key, body: { url: `${receiver.url}/hooks` } });
    assert.equal(ep.status, 201, ep.text);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const expected: Record<string, { outcome: string; events: string[] }> = {
    'order.success': { outcome: 'success', events: ['transaction.success', 'order.success'] },
    'transaction.success': { outcome: 'success', events: ['transaction.success', 'order.success'] },
    'order.cancel': { outcome: 'failed', events: ['transaction.failed', 'order.cancel'] },
    'transaction.failed': { outcome: 'failed', events: ['transaction.failed', 'order.cancel'] },
    'transaction.delayed': {
      outcome: 'delayed',
      events: ['transaction.delayed', 'transaction.success', 'order.success'],
    },
    'transaction.paid_back': {
      outcome: 'failed',
      events: ['transaction.failed', 'order.cancel', 'transaction.paid_back'],
    },
  };

  test('every supported type runs a real payment whose events reach the endpoint', async () => {
    assert.deepEqual(Object.keys(TRIGGERS).sort(), Object.keys(expected).sort(), 'each supported type is tested');
    // One process each, at once: the order ids keep their webhooks apart.
    const runs = await Promise.all(
      Object.keys(expected).map(async (type) => ({ type, run: await payhook(['trigger', type]) })),
    );
    for (const { type, run } of runs) {
      assert.equal(run.code, 0, `${type}: ${run.stderr}`);
      assert.match(run.stdout, /^Amount: AED 100\.00 \(10000 minor units\)$/m, type);
      const orderId = /^Created order (ord_\w{26}) \(trigger-[\w-]+, AED 100\.00\)$/m.exec(run.stdout)?.[1];
      assert.ok(orderId, `${type}: ${run.stdout}`);
      assert.match(
        run.stdout,
        new RegExp(`^Paid with the test card ending \\d{4}: ${expected[type].outcome}$`, 'm'),
        type,
      );
      assert.match(run.stdout, /^ {2}transaction txn_\w{26} \(FLN\w+\) is \w+/m, type);
      assert.match(run.stdout, /^Events: /m, type);
      const want = expected[type].events;
      await receiver.waitFor(() => webhooksFor(orderId).length >= want.length, 20_000, `${type}: ${want.join(', ')}`);
      assert.deepEqual(webhooksFor(orderId), want, type);
      assert.ok(want.includes(type), `${type} itself arrived`);
    }
  });

  test('--amount is the decimal amount, as in orders create: 100.00 makes an AED 100.00 order', async () => {
    const [aed, precise, jpyBad] = await Promise.all([
      payhook(['trigger', 'order.success', '--amount', '100.00', '--json']),
      payhook(['trigger', 'order.success', '--amount', '100.5']),
      payhook(['trigger', 'order.success', '--amount', '25.5', '--currency', 'JPY']),
    ]);
    assert.equal(aed.code, 0, aed.stderr);
    const order = JSON.parse(aed.stdout).order;
    assert.deepEqual([order.amount, order.currency, order.amount_decimal], [10000, 'AED', '100.00']);
    assert.equal((await h.call('GET', `/v1/orders/${order.id}`, { key })).body.amount, 10000);
    assert.equal(precise.code, 0, precise.stderr);
    assert.match(precise.stdout, /^Amount: AED 100\.50 \(10050 minor units\)$/m);
    assert.match(precise.stdout, /^Created order ord_\w{26} \(trigger-[\w-]+, AED 100\.50\)$/m);
    assert.equal(jpyBad.code, 2);
    assert.match(
      jpyBad.stderr,
      /^payhook: --amount 25\.5 JPY: JPY has no decimal places; nothing is rounded \(invalid_amount\)$/m,
    );
  });

  test('--json prints the order and the transaction; --amount and --currency shape the order', async () => {
    const run = await payhook(['trigger', 'order.success', '--json', '--amount', '2500', '--currency', 'JPY']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.trigger, 'order.success');
    assert.equal(out.outcome, 'success');
    assert.deepEqual(
      [out.order.status, out.order.amount, out.order.currency, out.order.amount_decimal],
      ['paid', 2500, 'JPY', '2500'],
    );
    assert.equal(out.transaction.card_last_four, '1111');
  });

  test('an unknown type is a usage error listing the supported ones; nothing is created', async () => {
    const before = (await h.call('GET', '/v1/orders', { key })).body.data.length;
    const run = await payhook(['trigger', 'order.refunded']);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /cannot trigger "order\.refunded"; supported event types: order\.success, transaction\.success, order\.cancel, transaction\.failed, transaction\.delayed, transaction\.paid_back \(unknown_trigger\)/,
    );
    assert.equal((await h.call('GET', '/v1/orders', { key })).body.data.length, before);
  });
});
