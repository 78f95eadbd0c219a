/** `payhook events send|list|show|resend`. */
import type { Command } from 'commander';
import type { ApiEvent, SendEventInput } from '@payhook/sdk';
import {
  action,
  clientFor,
  pageParams,
  printFields,
  printJson,
  printMore,
  printTable,
  splitList,
  UsageError,
  withClientOptions,
  withPaging,
  type CommonFlags,
  type PageFlags,
} from './shared.js';

/** The event as the API answered it: the SDK's `timestamp` (created_at again, for webhook handlers) is its own. */
function answered(event: ApiEvent): Omit<ApiEvent, 'timestamp'> {
  const { timestamp: _sdkTimestamp, ...rest } = event;
  return rest;
}

type ListFlags = CommonFlags &
  PageFlags & {
    type?: string;
    after?: string;
    before?: string;
    order: string;
  };

export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('send, list, show and resend events');
  const one = (name: string, description: string) => withClientOptions(events.command(name).description(description));

  one('send <type>', 'send an event; it fans out to every matching endpoint')
    .option('--data <json>', 'the event data, a JSON object', '{}')
    .option('--idempotency-key <key>', 'the same key again returns the first event instead of sending twice')
    .action(
      action(async (type: string, flags: CommonFlags & { data: string; idempotencyKey?: string }) => {
        let data: unknown;
        try {
          data = JSON.parse(flags.data);
        } catch (err) {
          throw new UsageError(`--data is not valid JSON: ${(err as Error).message}`, 'invalid_json');
        }
        if (data === null || typeof data !== 'object' || Array.isArray(data))
          throw new UsageError('--data must be a JSON object, like \'{"order_id":"ord_1"}\'', 'invalid_json');
        const body: SendEventInput = { type, data };
        if (flags.idempotencyKey !== undefined) body.idempotency_key = flags.idempotencyKey;
        const { event, created } = await clientFor(flags).events.create(body);
        if (flags.json) return printJson(answered(event));
        if (!created)
          process.stdout.write(
            `Already accepted: ${event.id} (${event.type}); idempotency key "${event.idempotency_key}" seen before, nothing sent again\n`,
          );
        else process.stdout.write(`Accepted ${event.id} (${event.type}) at ${event.created_at}\n`);
      }),
    );

  withPaging(one('list', 'list events, newest first (--order asc: oldest first, for catching up)'))
    .option('--type <types>', 'only these types, comma-separated (exact names or prefix.*)')
    .option('--after <id|time>', 'only events after this event id, or at or after this ISO time')
    .option('--before <id|time>', 'only events before this event id or ISO time')
    .option('--order <order>', 'desc (newest first) or asc', 'desc')
    .action(
      action(async (flags: ListFlags) => {
        if (flags.order !== 'asc' && flags.order !== 'desc') throw new UsageError('--order must be asc or desc');
        const page = await clientFor(flags).events.list({
          types: flags.type !== undefined ? splitList(flags.type) : undefined,
          after: flags.after,
          before: flags.before,
          order: flags.order,
          ...pageParams(flags),
        });
        if (flags.json) return printJson({ ...page, data: page.data.map(answered) });
        printTable(
          ['ID', 'TYPE', 'CREATED', 'IDEMPOTENCY KEY'],
          page.data.map((e) => [e.id, e.type, e.created_at, e.idempotency_key]),
        );
        printMore(page);
      }),
    );

  one('show <id>', 'an event with its data and its deliveries')
    .option('--api-version <date>', 'its data as an endpoint of this event version receives it (docs/versions.md)')
    .action(
      action(async (id: string, flags: CommonFlags & { apiVersion?: string }) => {
        const client = clientFor(flags);
        const event = await client.events.get(id, { api_version: flags.apiVersion });
        const deliveries = await client.deliveries.list({ event_id: id, limit: 250 });
        if (flags.json) return printJson({ ...answered(event), deliveries: deliveries.data });
        printFields([
          ['Event', event.id],
          ['Type', event.type],
          ['Created', event.created_at],
          ['Idempotency key', event.idempotency_key],
          ...(flags.apiVersion ? [['API version', flags.apiVersion] as [string, string]] : []),
        ]);
        process.stdout.write(`Data:\n${JSON.stringify(event.data, null, 2)}\n\nDeliveries:\n`);
        printTable(
          ['ID', 'ENDPOINT', 'STATUS', 'ATTEMPTS', 'LAST'],
          deliveries.data.map((d) => [
            d.id,
            d.endpoint_id,
            d.status,
            d.attempt_count,
            d.last_status_code ?? d.last_error,
          ]),
        );
      }),
    );

  one(
    'resend <id>',
    'send an event again (same id): its deliveries are due now and every `payhook listen` gets it',
  ).action(
    action(async (id: string, flags: CommonFlags) => {
      const r = await clientFor(flags).events.resend(id);
      if (flags.json) return printJson(r);
      process.stdout.write(
        `Resent ${r.event_id} (${r.id}): ${r.deliveries} ${r.deliveries === 1 ? 'delivery' : 'deliveries'} due now, and to every payhook listen\n`,
      );
    }),
  );
}
