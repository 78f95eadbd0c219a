/** `payhook endpoints add|list|rotate`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { CreateEndpointInput } from '@payhook/sdk';
import {
  action,
  clientFor,
  parsePositiveInt,
  printJson,
  printMore,
  printTable,
  splitList,
  UsageError,
  withClientOptions,
  type CommonFlags,
} from './shared.js';

/** `--header 'x-a: 1'` (repeatable) → `{ 'x-a': '1' }`. */
function collectHeader(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf(':');
  if (at <= 0) throw new InvalidArgumentError(`expected "name: value", got "${value}"`);
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1).trim() };
}

export function registerEndpointCommands(program: Command): void {
  const endpoints = program.command('endpoints').description('manage where webhooks go');

  withClientOptions(endpoints.command('add <url>').description('register an endpoint and print its signing secret'))
    .option('--events <types>', 'only these event types, comma-separated (exact names or prefix.*); default all')
    .option('--description <text>', 'a note for people')
    .option('--format <format>', 'payload format: standard (default) or foloosi')
    .option('--header <header>', 'a custom header sent with every webhook, "name: value" (repeatable)', collectHeader)
    .action(
      action(
        async (
          url: string,
          flags: CommonFlags & {
            events?: string;
            description?: string;
            format?: string;
            header?: Record<string, string>;
          },
        ) => {
          const body: CreateEndpointInput = { url };
          if (flags.events !== undefined) {
            const types = splitList(flags.events);
            if (types.length === 0) throw new UsageError('--events needs at least one type');
            body.event_types = types;
          }
          if (flags.description !== undefined) body.description = flags.description;
          if (flags.format !== undefined) body.format = flags.format;
          if (flags.header !== undefined) body.headers = flags.header;
          const ep = await clientFor(flags).endpoints.create(body);
          if (flags.json) return printJson(ep);
          process.stdout.write(`Created endpoint ${ep.id} -> ${ep.url}\n`);
          process.stdout.write(`Events: ${ep.event_types ? ep.event_types.join(', ') : 'all'}  Format: ${ep.format}\n`);
          process.stdout.write(`Signing secret: ${ep.secret}\n`);
        },
      ),
    );

  withClientOptions(endpoints.command('list').description('list endpoints, newest first'))
    .option('--limit <n>', 'how many (1-250)', '50')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(
      action(async (flags: CommonFlags & { limit: string; cursor?: string }) => {
        const limit = parsePositiveInt(flags.limit, '--limit');
        const body = await clientFor(flags).endpoints.list({ limit, cursor: flags.cursor });
        if (flags.json) return printJson(body);
        printTable(
          ['ID', 'URL', 'EVENTS', 'STATUS'],
          body.data.map((e) => [
            e.id,
            e.url,
            e.event_types ? e.event_types.join(',') : 'all',
            e.disabled ? `disabled (${e.disabled_reason ?? 'merchant'})` : 'enabled',
          ]),
        );
        printMore(body);
      }),
    );

  withClientOptions(
    endpoints
      .command('rotate <id>')
      .description('make a new signing secret; the previous one keeps signing for the overlap (default 24 h)'),
  ).action(
    action(async (id: string, flags: CommonFlags) => {
      const body = await clientFor(flags).endpoints.rotateSecret(id);
      if (flags.json) return printJson(body);
      process.stdout.write(`New signing secret: ${body.secret}\n`);
      for (const p of body.previous_secrets)
        process.stdout.write(`Previous secret ${p.secret.slice(0, 12)}… keeps signing until ${p.expires_at}\n`);
    }),
  );
}
