/** `payhook merchants create|list` (admin key). */
import type { Command } from 'commander';
import {
  action,
  clientFor,
  parsePositiveInt,
  printJson,
  printMore,
  printTable,
  withClientOptions,
  type CommonFlags,
} from './shared.js';

export function registerMerchantCommands(program: Command): void {
  const merchants = program.command('merchants').description('manage merchants (tenants); needs the admin key');

  withClientOptions(
    merchants.command('create <name>').description('create a merchant and print its API key (shown once)'),
  ).action(
    action(async (name: string, flags: CommonFlags) => {
      const body = await clientFor(flags).merchants.create({ name });
      if (flags.json) return printJson(body);
      process.stdout.write(`Created merchant ${body.id} (${body.name})\n`);
      process.stdout.write(`API key (shown once; keep it safe):\n  ${body.api_key}\n`);
    }),
  );

  withClientOptions(merchants.command('list').description('list merchants, newest first'))
    .option('--limit <n>', 'how many (1-250)', '50')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(
      action(async (flags: CommonFlags & { limit: string; cursor?: string }) => {
        const limit = parsePositiveInt(flags.limit, '--limit');
        const body = await clientFor(flags).merchants.list({ limit, cursor: flags.cursor });
        if (flags.json) return printJson(body);
        printTable(
          ['ID', 'NAME', 'CREATED'],
          body.data.map((m) => [m.id, m.name, m.created_at]),
        );
        printMore(body);
      }),
    );
}
