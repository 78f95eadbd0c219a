/** `payhook events send`. */
import type { Command } from 'commander';
import { action, clientFor, printJson, UsageError, withClientOptions, type CommonFlags } from './shared.js';

interface Event { id: string; type: string; created_at: string; idempotency_key: string | null }

export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('send events');

  withClientOptions(events.command('send <type>').description('send an event; it fans out to every matching endpoint'))
    .option('--data <json>', 'the event data, a JSON object', '{}')
    .option('--idempotency-key <key>', 'the same key again returns the first event instead of sending twice')
    .action(action(async (type: string, flags: CommonFlags & { data: string; idempotencyKey?: string }) => {
      let data: unknown;
      try { data = JSON.parse(flags.data); } catch (err) { throw new UsageError(`--data is not valid JSON: ${(err as Error).message}`); }
      if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError('--data must be a JSON object, like \'{"order_id":"ord_1"}\'');
      const body: Record<string, unknown> = { type, data };
      if (flags.idempotencyKey !== undefined) body.idempotency_key = flags.idempotencyKey;
      const res = await clientFor(flags).request<Event>('POST', '/v1/events', { body });
      if (flags.json) return printJson(res.body);
      if (res.status === 200) process.stdout.write(`Already accepted: ${res.body.id} (${res.body.type}); idempotency key "${res.body.idempotency_key}" seen before, nothing sent again\n`);
      else process.stdout.write(`Accepted ${res.body.id} (${res.body.type}) at ${res.body.created_at}\n`);
    }));
}
