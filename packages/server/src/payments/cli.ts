/**
 * `payhook orders create|list|show|refund` and `payhook pay <order> --card …`: the payment module from a
 * terminal, for trying the test cards (docs/payments.md). Amounts are typed as people write them
 * ("100.00") and sent as the API wants them (integer minor units), converted exactly for the currency
 * (amounts.ts, shared with `payhook trigger`).
 * The `payhook` command (cli/main.ts) registers them with the core's API commands.
 */
import type { Command } from 'commander';
import type { CreateOrderInput, OrderStatus, PayhookClient, Transaction } from '@payhook/sdk';
import {
  action,
  clientFor,
  parsePositiveInt,
  printJson,
  printMore,
  modeLine,
  printTable,
  withClientOptions,
  type CommonFlags,
} from '../module-api.js';
import { AMOUNT_HELP, describeAmount, parseAmountArg } from './amounts.js';

interface CreateFlags extends CommonFlags {
  reference: string;
  amount: string;
  currency: string;
  email?: string;
  mobile?: string;
  optional1?: string;
  optional2?: string;
  optional3?: string;
}

export function registerPaymentCommands(program: Command): void {
  const orders = program.command('orders').description('orders of the payment module');

  withClientOptions(orders.command('create').description('create an open order'))
    .requiredOption('--reference <ref>', 'your own order reference (unique per merchant)')
    .requiredOption('--amount <decimal>', AMOUNT_HELP)
    .requiredOption('--currency <code>', 'ISO 4217 code, such as AED')
    .option('--email <email>', 'customer e-mail')
    .option('--mobile <mobile>', 'customer mobile')
    .option('--optional1 <text>', 'free field returned in every event')
    .option('--optional2 <text>', 'free field returned in every event')
    .option('--optional3 <text>', 'free field returned in every event')
    .action(
      action(async (flags: CreateFlags) => {
        const amount = parseAmountArg(flags.amount, flags.currency);
        const body: CreateOrderInput = { reference: flags.reference, amount: amount.minor, currency: amount.currency };
        if (flags.email !== undefined) body.customer_email = flags.email;
        if (flags.mobile !== undefined) body.customer_mobile = flags.mobile;
        for (const k of ['optional1', 'optional2', 'optional3'] as const)
          if (flags[k] !== undefined) body[k] = flags[k];
        const client = clientFor(flags);
        if (!flags.json) process.stdout.write(`${modeLine(flags)}Amount: ${describeAmount(amount)}\n`);
        const o = await client.orders.create(body);
        if (flags.json) return printJson(o);
        process.stdout.write(
          `Created order ${o.id} (${o.reference}): ${o.amount_decimal} ${o.currency}, ${o.status}\n`,
        );
      }),
    );

  withClientOptions(orders.command('list').description('list orders, newest first'))
    .option('--status <status>', 'open, paid, cancelled, partially_refunded or refunded')
    .option('--reference <ref>', 'only the order with this reference of yours')
    .option('--limit <n>', 'how many (1-250)', '50')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(
      action(async (flags: CommonFlags & { status?: string; reference?: string; limit: string; cursor?: string }) => {
        const limit = parsePositiveInt(flags.limit, '--limit');
        // Any --status is passed on as typed: the API answers an unknown one with its own error.
        const body = await clientFor(flags).orders.list({
          status: flags.status as OrderStatus | undefined,
          reference: flags.reference,
          limit,
          cursor: flags.cursor,
        });
        if (flags.json) return printJson(body);
        printTable(
          ['ID', 'REFERENCE', 'AMOUNT', 'STATUS', 'CREATED'],
          body.data.map((o) => [o.id, o.reference, `${o.amount_decimal} ${o.currency}`, o.status, o.created_at]),
        );
        printMore(body);
      }),
    );

  withClientOptions(orders.command('show <order>').description('an order with its transactions and events')).action(
    action(async (id: string, flags: CommonFlags) => {
      const o = await clientFor(flags).orders.get(id);
      if (flags.json) return printJson(o);
      process.stdout.write(
        `Order ${o.id} (${o.reference}): ${o.amount_decimal} ${o.currency}, ${o.status}\n\nTransactions:\n`,
      );
      printTable(
        ['ID', 'NUMBER', 'CARD', 'STATUS', 'BANK', 'PAY-BACK'],
        (o.transactions ?? []).map((t) => [
          t.id,
          t.transaction_no,
          `…${t.card_last_four}`,
          t.status,
          t.bank_message,
          t.payback ? `${t.payback.status} (${t.payback.attempts} tries)` : null,
        ]),
      );
      if ((o.refunds ?? []).length > 0) {
        process.stdout.write(`\nRefunds (${o.amount_refunded_decimal} ${o.currency} returned):\n`);
        printTable(
          ['ID', 'AMOUNT', 'STATUS', 'BANK', 'REASON'],
          (o.refunds ?? []).map((r) => [r.id, `${r.amount_decimal} ${r.currency}`, r.status, r.bank_message, r.reason]),
        );
      }
      process.stdout.write('\nEvents:\n');
      printTable(
        ['SEQ', 'TYPE', 'STATUS', 'EVENT', 'AT'],
        (o.events ?? []).map((e) => [e.sequence, e.type, e.status, e.event_id, e.created_at]),
      );
    }),
  );

  registerRefundCommand(orders);

  withClientOptions(
    program.command('pay <order>').description('pay an order with a card; answers success, delayed or failed at once'),
  )
    .requiredOption('--card <number>', 'card number (test cards: docs/payments.md), such as 4111111111111111')
    .option('--expiry <MM/YY>', 'card expiry', '12/30')
    .option('--cvc <cvc>', 'card cvc', '123')
    .action(
      action(async (id: string, flags: CommonFlags & { card: string; expiry: string; cvc: string }) => {
        const body = await clientFor(flags).orders.pay(id, {
          number: flags.card,
          expiry: flags.expiry,
          cvc: flags.cvc,
        });
        if (flags.json) return printJson(body);
        const t = body.transaction;
        process.stdout.write(modeLine(flags));
        process.stdout.write(
          `${body.outcome}: ${t.id} (${t.transaction_no}), card …${t.card_last_four}, bank: ${t.bank_message}\n`,
        );
        process.stdout.write(`Order ${body.order.id} is ${body.order.status}`);
        process.stdout.write(
          t.payback ? `; the issuer debited the card, pay-back ${t.payback.id} is ${t.payback.status}\n` : '\n',
        );
      }),
    );
}

interface RefundFlags extends CommonFlags {
  amount?: string;
  reason?: string;
  idempotencyKey?: string;
}

/** The payment to refund: the transaction named, or the order's successful one. */
async function paymentOf(client: PayhookClient, id: string): Promise<Transaction> {
  if (!id.startsWith('ord_')) return client.transactions.get(id);
  const order = await client.orders.get(id);
  const paid = (order.transactions ?? []).find((t) => t.status === 'success');
  if (!paid)
    throw new Error(
      `order ${order.id} (${order.reference}) has no successful payment to refund; it is ${order.status}`,
    );
  return paid;
}

/**
 * `payhook orders refund <txn|order>`: given an order, refunds its successful payment. `--amount` is the
 * decimal amount in the payment's currency, checked against its exponent and converted exactly; the
 * command says what it understood before it asks, and what the bank answered after.
 */
function registerRefundCommand(orders: Command): void {
  withClientOptions(
    orders
      .command('refund <payment>')
      .description('refund a successful payment (a txn_… id, or an ord_… id for its payment), in part or in full'),
  )
    .option(
      '--amount <decimal>',
      "the amount in the payment's currency, as written: 10.00 (AED), 500 (JPY); all that remains when left out",
    )
    .option('--reason <text>', 'why; returned in the refund and its events')
    .option('--idempotency-key <key>', 'the same key again returns the first refund instead of refunding twice')
    .action(
      action(async (id: string, flags: RefundFlags) => {
        const client = clientFor(flags);
        const txn = await paymentOf(client, id);
        const asked = flags.amount === undefined ? undefined : parseAmountArg(flags.amount, txn.currency);
        const amount = asked?.minor;
        const what =
          asked === undefined
            ? `all that remains of ${txn.amount_decimal} ${txn.currency} (${txn.amount_refunded_decimal} refunded so far)`
            : `${describeAmount(asked)} of ${txn.amount_decimal} ${txn.currency}`;
        if (!flags.json) process.stdout.write(`Refunding ${what}, payment ${txn.id} of order ${txn.order_id}\n`);
        const refund = await client.transactions.refund(txn.id, {
          ...(amount === undefined ? {} : { amount }),
          ...(flags.reason === undefined ? {} : { reason: flags.reason }),
          ...(flags.idempotencyKey === undefined ? {} : { idempotency_key: flags.idempotencyKey }),
        });
        if (flags.json) return printJson(refund);
        const bank = refund.bank_message === null ? '' : `, bank: ${refund.bank_message}`;
        process.stdout.write(
          `Refund ${refund.id}: ${refund.amount_decimal} ${refund.currency}, ${refund.status}${bank}\n`,
        );
        const order = await client.orders.get(txn.order_id);
        process.stdout.write(
          `Order ${order.id} (${order.reference}) is ${order.status}: ${order.amount_refunded_decimal} of ${order.amount_decimal} ${order.currency} refunded\n`,
        );
        if (refund.status === 'pending')
          process.stdout.write('The bank has not decided yet; refund.succeeded or refund.failed follows.\n');
      }),
    );
}
