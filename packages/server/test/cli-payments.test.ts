/**
 * `payhook orders …` and `payhook pay …`, spawned as a user runs them against a started payhook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './api-harness.js';
import { runCli, type CliRun } from './helpers/cli.js';

describe('payhook orders and pay', () => {
  let h: Harness;
  let key = '';
  const payhook = (args: string[]): Promise<CliRun> => runCli(args, { PAYHOOK_URL: h.url, PAYHOOK_API_KEY: key });

  before(async () => {
    h = await Harness.start();
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'cli shop' } })).body.api_key;
  });
  after(async () => {
    await h?.close();
  });

  test('create an order in major units, pay it with a test card, show it', async () => {
    const created = await payhook([
      'orders',
      'create',
      '--reference',
      'INV-7',
      '--amount',
      '100.50',
      '--currency',
      'aed',
      '--email',
      'c@example.com',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Amount: AED 100\.50 \(10050 minor units\)$/m, 'what it understood, before sending');
    const id = /Created order (ord_\w{26}) \(INV-7\): 100\.50 AED, open/.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    assert.equal((await h.call('GET', `/v1/orders/${id}`, { key })).body.amount, 10050);

    const paid = await payhook(['pay', id, '--card', '4000 0000 0000 3006']);
    assert.equal(paid.code, 0, paid.stderr);
    assert.match(
      paid.stdout,
      /^failed: txn_\w{26} \(FLN\w+\), card …3006, bank: declined after debit; pay-back scheduled$/m,
    );
    assert.match(
      paid.stdout,
      /Order ord_\w{26} is cancelled; the issuer debited the card, pay-back pb_\w{26} is pending/,
    );

    const shown = await payhook(['orders', 'show', id, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(
      JSON.parse(shown.stdout)
        .events.slice(0, 2)
        .map((e: { type: string }) => e.type),
      ['transaction.failed', 'order.cancel'],
    );
    const list = await payhook(['orders', 'list', '--status', 'cancelled']);
    assert.match(list.stdout, new RegExp(`^${id}\\s+INV-7\\s+100\\.50 AED\\s+cancelled`, 'm'));
  });

  test('mistakes: a precision the currency lacks is a usage error (2); a bad card is the API error (1)', async () => {
    const bad = await payhook(['orders', 'create', '--reference', 'INV-8', '--amount', '1.005', '--currency', 'AED']);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^payhook: --amount 1\.005 AED: AED has 2 decimal places; nothing is rounded \(invalid_amount\)$/m,
    );
    const [zero, words, currency, kwd] = await Promise.all([
      payhook(['orders', 'create', '--reference', 'INV-8', '--amount', '0.00', '--currency', 'AED']),
      payhook(['orders', 'create', '--reference', 'INV-8', '--amount', '1e3', '--currency', 'AED', '--json']),
      payhook(['orders', 'create', '--reference', 'INV-8', '--amount', '10', '--currency', 'XYZ']),
      payhook(['orders', 'create', '--reference', 'INV-10', '--amount', '1.250', '--currency', 'KWD']),
    ]);
    for (const r of [zero, currency]) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\(invalid_amount\)$/m);
    }
    assert.equal(words.code, 2);
    assert.equal(JSON.parse(words.stderr).error.code, 'invalid_amount', 'as JSON with --json');
    assert.equal(
      (await h.call('GET', '/v1/orders?limit=250', { key })).body.data.some(
        (o: { reference: string }) => o.reference === 'INV-8',
      ),
      false,
    );
    assert.equal(kwd.code, 0, kwd.stderr);
    assert.match(kwd.stdout, /^Amount: KWD 1\.250 \(1250 minor units\)$/m);
    const created = await payhook([
      'orders',
      'create',
      '--reference',
      'INV-9',
      '--amount',
      '500',
      '--currency',
      'JPY',
      '--json',
    ]);
    const order = JSON.parse(created.stdout);
    assert.equal(order.amount, 500);
    const card = await payhook(['pay', order.id, '--card', '4111111111111112']);
    assert.equal(card.code, 1);
    assert.match(card.stderr, /\(card_invalid\)/);
    assert.equal(card.stderr.includes('4111111111111112'), false, 'the number is not echoed');
  });

  test("refund a payment in the currency's units: the command echoes what it understood and what the bank said", async () => {
    const created = await payhook([
      'orders',
      'create',
      '--reference',
      'INV-R1',
      '--amount',
      '100.00',
      '--currency',
      'AED',
      '--json',
    ]);
    const order = JSON.parse(created.stdout);
    const paid = await payhook(['pay', order.id, '--card', '4111111111111111', '--json']);
    const txn = JSON.parse(paid.stdout).transaction.id as string;

    const part = await payhook(['orders', 'refund', txn, '--amount', '10.00', '--reason', 'one item returned']);
    assert.equal(part.code, 0, part.stderr);
    assert.match(
      part.stdout,
      new RegExp(
        `^Refunding AED 10\\.00 \\(1000 minor units\\) of 100\\.00 AED, payment ${txn} of order ${order.id}$`,
        'm',
      ),
    );
    assert.match(part.stdout, /^Refund re_\w{26}: 10\.00 AED, succeeded, bank: refunded$/m);
    assert.match(part.stdout, /is partially_refunded: 10\.00 of 100\.00 AED refunded$/m);

    // By the order: its successful payment; no --amount: all that remains.
    const rest = await payhook(['orders', 'refund', order.id]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, /^Refunding all that remains of 100\.00 AED \(10\.00 refunded so far\)/m);
    assert.match(rest.stdout, /90\.00 AED, succeeded/);
    assert.match(rest.stdout, /is refunded: 100\.00 of 100\.00 AED refunded$/m);
    const shown = await payhook(['orders', 'show', order.id]);
    assert.match(shown.stdout, /^Refunds \(100\.00 AED returned\):$/m);
    assert.equal((await h.call('GET', `/v1/orders/${order.id}`, { key })).body.amount_refunded, 10000);
    const found = await payhook(['orders', 'list', '--reference', 'INV-R1', '--json']);
    assert.deepEqual(
      JSON.parse(found.stdout).data.map((o: { id: string; status: string }) => [o.id, o.status]),
      [[order.id, 'refunded']],
    );

    // Mistakes: a precision the currency lacks (2, nothing asked), then the API's refusals (1).
    const fine = await payhook(['orders', 'refund', txn, '--amount', '0.001']);
    assert.equal(fine.code, 2);
    assert.match(fine.stderr, /--amount 0\.001 AED: AED has 2 decimal places/);
    const none = await payhook(['orders', 'refund', txn, '--amount', '1.00']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /\(refund_exceeds_remaining\)/);
    const open = JSON.parse(
      (await payhook(['orders', 'create', '--reference', 'INV-R2', '--amount', '5', '--currency', 'JPY', '--json']))
        .stdout,
    );
    const unpaid = await payhook(['orders', 'refund', open.id]);
    assert.equal(unpaid.code, 1);
    assert.match(unpaid.stderr, /has no successful payment to refund; it is open/);
  });
});
