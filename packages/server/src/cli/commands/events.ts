/** `payhook events send`. */
import type { Command } from 'commander';
import type { SendEventInput } from '@payhook/sdk';
import { action, clientFor, printJson, UsageError, withClientOptions, type CommonFlags } from './shared.js';

export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('send events');

  withClientOptions(events.command('send <type>').description('send an event; it fans out to every matching endpoint'))
    .option('--data <json>', 'the event data, a JSON object', '{}')
    .option('--idempotency-key <key>', 'the same key again returns the first event instead of sending twice')
    .action(
      action(async (type: string, flags: CommonFlags & { data: string; idempotencyKey?: string }) => {
        let data: unknown;
        try {
          data = JSON.parse(flags.data);
        } catch (err) {
          throw new UsageError(`--data is not valid JSON: ${(err as Error).message}`);
        }
        if (data === null || typeof data !== 'object' || Array.isArray(data))
          throw new UsageError('--data must be a JSON object, like \'{"order_id":"ord_1"}\'');
        const body: SendEventInput = { type, data };
        if (flags.idempotencyKey !== undefined) body.idempotency_key = flags.idempotencyKey;
        const { event, created } = await clientFor(flags).events.create(body);
        if (flags.json) {
          // The event as the API answered it: the SDK's `timestamp` (created_at again, for webhook handlers) is its own.
          const { timestamp: _sdkTimestamp, ...answered } = event;
          return printJson(answered);
        }
        if (!created)
          process.stdout.write(
            `Already accepted: ${event.id} (${event.type}); idempotency key "${event.idempotency_key}" seen before, nothing sent again\n`,
          );
        else process.stdout.write(`Accepted ${event.id} (${event.type}) at ${event.created_at}\n`);
      }),
    );
}
