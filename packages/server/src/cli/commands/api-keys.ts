/** `payhook api-keys list|create|revoke`: the merchant's API keys. */
import type { Command } from 'commander';
import type { ApiKeyScope } from '@payhook/sdk';
import {
  action,
  clientFor,
  confirm,
  modeLine,
  pageParams,
  printJson,
  printMore,
  printTable,
  withClientOptions,
  withPaging,
  type CommonFlags,
  type PageFlags,
} from './shared.js';

export function registerApiKeyCommands(program: Command): void {
  const keys = program
    .command('api-keys')
    .alias('keys')
    .description("manage the merchant's API keys (named, read-only or read-write, revocable)");
  const one = (name: string, description: string) => withClientOptions(keys.command(name).description(description));

  withPaging(
    one(
      'list',
      'list the keys of the mode in use that are not revoked, newest first: names, prefixes, scopes, last use (never the keys)',
    ),
  ).action(
    action(async (flags: CommonFlags & PageFlags) => {
      const page = await clientFor(flags).apiKeys.list(pageParams(flags));
      if (flags.json) return printJson(page);
      process.stdout.write(modeLine(flags));
      printTable(
        ['ID', 'NAME', 'PREFIX', 'MODE', 'SCOPES', 'CREATED', 'LAST USED'],
        page.data.map((k) => [
          k.id,
          k.name,
          `${k.prefix}…`,
          k.livemode ? 'live' : 'test',
          k.scopes.join(','),
          k.created_at,
          k.last_used_at,
        ]),
      );
      printMore(page);
    }),
  );

  one('create <name>', 'issue a key of the mode in use (--mode test|live) and print it (shown once)')
    .option('--read-only', 'GET routes only: every other request is 403 insufficient_scope')
    .action(
      action(async (name: string, flags: CommonFlags & { readOnly?: boolean }) => {
        const scopes: ApiKeyScope[] = flags.readOnly ? ['read'] : ['read', 'write'];
        const k = await clientFor(flags).apiKeys.create({ name, scopes });
        if (flags.json) return printJson(k);
        process.stdout.write(`Created API key ${k.id} (${k.name}, ${k.scopes.join(',')})\n`);
        process.stdout.write(modeLine(flags));
        process.stdout.write(`Key (shown once; keep it safe):\n  ${k.key}\n`);
      }),
    );

  one('revoke <id>', 'revoke a key: requests with it are refused from now on (it may be the one in use)')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .action(
      action(async (id: string, flags: CommonFlags & { yes?: boolean }) => {
        await confirm(flags.yes, `Revoke API key ${id}? Anything using it stops working.`);
        await clientFor(flags).apiKeys.revoke(id);
        if (flags.json) return printJson({ id, revoked: true });
        process.stdout.write(`Revoked API key ${id}\n`);
      }),
    );
}
