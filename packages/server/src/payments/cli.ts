/**
 * `payhook orders create|list|show` and `payhook pay <order> --card …`: the payment module from a
 * terminal, for trying the test cards (docs/payments.md). Amounts are typed as people write them
 * ("100.00") and sent as the API wants them (integer minor units), converted exactly for the currency
 * (amounts.ts, shared with `payhook trigger`).
 * The `payhook` command (cli/main.ts) registers them with the core's API commands.
 */
import type { Command } from 'commander';
import type { CreateOrderInput, OrderStatus } from '@payhook/sdk';
import {
  action,
  clientFor,
  parsePositiveInt,
  printJson,
  printMore,
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
        if (!flags.json) process.stdout.write(`Amount: ${describeAmount(amount)}\n`);
        const o = await client.orders.create(body);
        if (flags.json) return printJson(o);
        process.stdout.write(
          `Created order ${o.id} (${o.reference}): ${o.amount_decimal} ${o.currency}, ${o.status}\n`,
        );
      }),
    );

  withClientOptions(orders.command('list').description('list orders, newest first'))
    .option('--status <status>', 'open, paid or cancelled')
    .option('--limit <n>', 'how many (1-250)', '50')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(
      action(async (flags: CommonFlags & { status?: string; limit: string; cursor?: string }) => {
        const limit = parsePositiveInt(flags.limit, '--limit');
        // Any --status is passed on as typed: the API answers an unknown one with its own error.
        const body = await clientFor(flags).orders.list({
          status: flags.status as OrderStatus | undefined,
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
      process.stdout.write('\nEvents:\n');
      printTable(
        ['SEQ', 'TYPE', 'STATUS', 'EVENT', 'AT'],
        (o.events ?? []).map((e) => [e.sequence, e.type, e.status, e.event_id, e.created_at]),
      );
    }),
  );

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
