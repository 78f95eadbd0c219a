/** `payhook merchants create|list` (admin key). */
import type { Command } from 'commander';
import {
  action,
  clientFor,
  pageParams,
  printJson,
  printMore,
  printTable,
  withClientOptions,
  withPaging,
  type CommonFlags,
  type PageFlags,
} from './shared.js';

export function registerMerchantCommands(program: Command): void {
  const merchants = program.command('merchants').description('manage merchants (tenants); needs the admin key');

  withClientOptions(
    merchants
      .command('create <name>')
      .description('create a merchant and print its two API keys, test and live (shown once)'),
  ).action(
    action(async (name: string, flags: CommonFlags) => {
      const body = await clientFor(flags).merchants.create({ name });
      if (flags.json) return printJson(body);
      process.stdout.write(`Created merchant ${body.id} (${body.name})\n`);
      process.stdout.write(`Test-mode API key (bank simulator; shown once, keep it safe):\n  ${body.api_key}\n`);
      process.stdout.write(
        `Live-mode API key (the configured bank; shown once, keep it safe):\n  ${body.live_api_key}\n`,
      );
    }),
  );

  withPaging(withClientOptions(merchants.command('list').description('list merchants, newest first'))).action(
    action(async (flags: CommonFlags & PageFlags) => {
      const body = await clientFor(flags).merchants.list(pageParams(flags));
      if (flags.json) return printJson(body);
      printTable(
        ['ID', 'NAME', 'CREATED'],
        body.data.map((m) => [m.id, m.name, m.created_at]),
      );
      printMore(body);
    }),
  );
}
