/** `payhook erasures create|show`: a customer's personal data redacted from stored events (POST /v1/erasures). */
import type { Command } from 'commander';
import type { Erasure } from '@payhook/sdk';
import {
  action,
  clientFor,
  printFields,
  printJson,
  UsageError,
  withClientOptions,
  type CommonFlags,
} from './shared.js';

function printErasure(e: Erasure): void {
  printFields([
    ['Erasure', e.id],
    ['Subject', `${e.subject} (sha256 ${e.subject_hash})`],
    ['Events redacted', e.events_redacted],
    ['Attempts redacted', e.attempts_redacted],
    ['Created', e.created_at],
  ]);
}

export function registerErasureCommands(program: Command): void {
  const erasures = program
    .command('erasures')
    .description("erase a customer's personal data from stored events and attempt answers");

  withClientOptions(
    erasures
      .command('create')
      .description(
        "redact one customer's e-mail, name, phone, addresses and card holder (exactly one of --email, --order)",
      ),
  )
    .option('--email <address>', "the customer's e-mail (any case)")
    .option('--order <id>', 'an order (ord_…): the customer data in its events')
    .action(
      action(async (flags: CommonFlags & { email?: string; order?: string }) => {
        if ((flags.email === undefined) === (flags.order === undefined))
          throw new UsageError('give exactly one of --email and --order');
        const client = clientFor(flags);
        const e =
          flags.email !== undefined
            ? await client.erasures.create({ customer_email: flags.email })
            : await client.erasures.create({ order_id: flags.order as string });
        if (flags.json) return printJson(e);
        printErasure(e);
      }),
    );

  withClientOptions(
    erasures.command('show <id>').description('an erasure: its subject hash and what it redacted'),
  ).action(
    action(async (id: string, flags: CommonFlags) => {
      const e = await clientFor(flags).erasures.get(id);
      if (flags.json) return printJson(e);
      printErasure(e);
    }),
  );
}
