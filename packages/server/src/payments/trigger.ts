/**
 * `payhook trigger <event-type>`: makes a payment event happen for real, the habit `stripe trigger` made
 * familiar. It does not send a canned body: it creates an order and pays it through the API with the
 * bank simulator's test card that leads to that event (docs/payments.md), so the whole chain runs
 * (payment module, outbox, deliveries, `payhook listen`) and the events carry real ids and sequences.
 * `--amount` means what it means in `orders create` (amounts.ts): "100.00" is AED 100.00.
 */
import type { Command } from 'commander';
import type { Card } from '@payhook/sdk';
import { action, clientFor, printJson, UsageError, withClientOptions, type CommonFlags } from '../module-api.js';
import { AMOUNT_HELP, describeAmount, parseAmountArg } from './amounts.js';

interface Scenario {
  /** A test card of the simulator (docs/payments.md, payments/cards.ts). */
  card: string;
  /** What it leads to, for people. */
  events: string;
}

const APPROVED: Scenario = { card: '4111111111111111', events: 'transaction.success, then order.success' };
const DECLINED: Scenario = { card: '4000000000000002', events: 'transaction.failed, then order.cancel' };

/** The events `trigger` can cause, each with the card that causes it. */
export const TRIGGERS: Readonly<Record<string, Scenario>> = {
  'order.success': APPROVED,
  'transaction.success': APPROVED,
  'order.cancel': DECLINED,
  'transaction.failed': DECLINED,
  'transaction.delayed': {
    card: '4000000000001000',
    events:
      'transaction.delayed now; transaction.success and order.success once the bank approves (PAYHOOK_BANK_DELAY, default 10 s)',
  },
  'transaction.paid_back': {
    card: '4000000000003006',
    events:
      'transaction.failed and order.cancel now; transaction.paid_back once the bank confirms the automatic pay-back',
  },
};

interface TriggerFlags extends CommonFlags {
  amount: string;
  currency: string;
}

async function trigger(type: string, flags: TriggerFlags): Promise<void> {
  const scenario = Object.hasOwn(TRIGGERS, type) ? TRIGGERS[type] : undefined;
  if (!scenario) {
    throw new UsageError(
      `cannot trigger "${type}"; supported event types: ${Object.keys(TRIGGERS).join(', ')}`,
      'unknown_trigger',
    );
  }
  const amount = parseAmountArg(flags.amount, flags.currency);
  const client = clientFor(flags);
  if (!flags.json) process.stdout.write(`Amount: ${describeAmount(amount)}\n`);
  const reference = `trigger-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const order = await client.orders.create({
    reference,
    amount: amount.minor,
    currency: amount.currency,
    customer_email: 'trigger@example.com',
    optional1: `payhook trigger ${type}`,
  });
  // Any future expiry and any cvc: the simulator looks at the number only.
  const card: Card = { number: scenario.card, expiry: `12/${new Date().getUTCFullYear() + 5}`, cvc: '123' };
  const paid = await client.orders.pay(order.id, card);
  if (flags.json)
    return printJson({ trigger: type, outcome: paid.outcome, order: paid.order, transaction: paid.transaction });
  const t = paid.transaction;
  process.stdout.write(`Created order ${order.id} (${order.reference}, ${order.currency} ${order.amount_decimal})\n`);
  process.stdout.write(
    `Paid with the test card ending ${t.card_last_four ?? scenario.card.slice(-4)}: ${paid.outcome}\n`,
  );
  process.stdout.write(
    `  transaction ${t.id} (${t.transaction_no}) is ${t.status}${t.bank_message ? ` ("${t.bank_message}")` : ''}; order ${paid.order.id} is ${paid.order.status}\n`,
  );
  process.stdout.write(`Events: ${scenario.events}\n`);
}

export function registerTriggerCommand(program: Command): void {
  withClientOptions(
    program
      .command('trigger <event-type>')
      .description(
        'make a payment event happen for real: create an order and pay it with the test card that leads to it',
      ),
  )
    .option('--amount <decimal>', AMOUNT_HELP, '100.00')
    .option('--currency <code>', 'the order currency', 'AED')
    .addHelpText(
      'after',
      `\nEvent types: ${Object.keys(TRIGGERS).join(', ')}.\nThe test cards are listed in docs/payments.md.\n`,
    )
    .action(action(async (type: string, flags: TriggerFlags) => trigger(type, flags)));
}
