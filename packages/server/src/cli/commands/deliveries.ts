/** `payhook deliveries list|retry`. */
import type { Command } from 'commander';
import { action, clientFor, parsePositiveInt, printJson, printMore, printTable, UsageError, withClientOptions, type CommonFlags, type PageOf } from './shared.js';

interface Delivery {
  id: string; event_id: string; endpoint_id: string; event_type: string; status: string; attempt_count: number;
  next_attempt_at: string | null; last_status_code: number | null; last_error: string | null; created_at: string;
}

const STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'];

export function registerDeliveryCommands(program: Command): void {
  const deliveries = program.command('deliveries').description('see and retry deliveries');

  withClientOptions(deliveries.command('list').description('list deliveries, newest first'))
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--endpoint <id>', 'only deliveries to this endpoint (ep_…)')
    .option('--event <id>', 'only deliveries of this event (evt_…)')
    .option('--limit <n>', 'how many (1-250)', '50')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(action(async (flags: CommonFlags & { status?: string; endpoint?: string; event?: string; limit: string; cursor?: string }) => {
      if (flags.status !== undefined && !STATUSES.includes(flags.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const limit = parsePositiveInt(flags.limit, '--limit');
      const { body } = await clientFor(flags).request<PageOf<Delivery>>('GET', '/v1/deliveries', {
        query: { status: flags.status, endpoint_id: flags.endpoint, event_id: flags.event, limit, cursor: flags.cursor },
      });
      if (flags.json) return printJson(body);
      printTable(['ID', 'EVENT', 'TYPE', 'ENDPOINT', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT'], body.data.map((d) => [
        d.id, d.event_id, d.event_type, d.endpoint_id, d.status, d.attempt_count,
        d.last_status_code ?? d.last_error, d.status === 'pending' ? d.next_attempt_at : null,
      ]));
      printMore(body);
    }));

  withClientOptions(deliveries.command('retry <id>').description('send a delivery again now, whatever its status'))
    .action(action(async (id: string, flags: CommonFlags) => {
      const { body } = await clientFor(flags).request<Delivery>('POST', `/v1/deliveries/${encodeURIComponent(id)}/retry`);
      if (flags.json) return printJson(body);
      process.stdout.write(`Delivery ${body.id} is due now (attempts so far: ${body.attempt_count})\n`);
    }));
}
