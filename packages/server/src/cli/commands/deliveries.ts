/** `payhook deliveries list|show|retry|skip`. */
import type { Command } from 'commander';
import type { DeliveryStatus } from '@payhook/sdk';
import {
  action,
  clientFor,
  pageParams,
  printFields,
  printJson,
  printMore,
  printTable,
  UsageError,
  withClientOptions,
  withPaging,
  type CommonFlags,
  type PageFlags,
} from './shared.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];
const isStatus = (s: string): s is DeliveryStatus => (STATUSES as readonly string[]).includes(s);

export function registerDeliveryCommands(program: Command): void {
  const deliveries = program.command('deliveries').description('see and retry deliveries');

  withPaging(withClientOptions(deliveries.command('list').description('list deliveries, newest first')))
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--endpoint <id>', 'only deliveries to this endpoint (ep_…)')
    .option('--event <id>', 'only deliveries of this event (evt_…)')
    .action(
      action(async (flags: CommonFlags & PageFlags & { status?: string; endpoint?: string; event?: string }) => {
        const status = flags.status;
        if (status !== undefined && !isStatus(status))
          throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        const body = await clientFor(flags).deliveries.list({
          status,
          endpoint_id: flags.endpoint,
          event_id: flags.event,
          ...pageParams(flags),
        });
        if (flags.json) return printJson(body);
        printTable(
          ['ID', 'EVENT', 'TYPE', 'ENDPOINT', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT'],
          body.data.map((d) => [
            d.id,
            d.event_id,
            d.event_type,
            d.endpoint_id,
            d.status,
            d.attempt_count,
            d.last_status_code ?? d.last_error,
            d.status === 'pending' ? d.next_attempt_at : null,
          ]),
        );
        printMore(body);
      }),
    );

  withClientOptions(deliveries.command('show <id>').description('a delivery with every attempt made for it')).action(
    action(async (id: string, flags: CommonFlags) => {
      const d = await clientFor(flags).deliveries.get(id);
      if (flags.json) return printJson(d);
      printFields([
        ['Delivery', d.id],
        ['Event', `${d.event_id} (${d.event_type})`],
        ['Endpoint', d.endpoint_id],
        ['Status', d.status],
        ['Attempts', d.attempt_count],
        ['Next attempt', d.status === 'pending' ? d.next_attempt_at : null],
        ['Created', d.created_at],
      ]);
      process.stdout.write('\nAttempts:\n');
      printTable(
        ['#', 'STARTED', 'DURATION', 'RESULT', 'RESPONSE', 'NEXT RETRY'],
        d.attempts.map((a) => [
          a.attempt,
          a.started_at,
          `${a.duration_ms} ms`,
          a.status_code ?? `${a.error_class}${a.error_message ? `: ${a.error_message}` : ''}`,
          a.response_body === null ? null : a.response_body.replace(/\s+/g, ' ').slice(0, 60),
          a.next_retry_at,
        ]),
      );
    }),
  );

  withClientOptions(
    deliveries.command('retry <id>').description('send a delivery again now, whatever its status'),
  ).action(
    action(async (id: string, flags: CommonFlags) => {
      const body = await clientFor(flags).deliveries.retry(id);
      if (flags.json) return printJson(body);
      process.stdout.write(`Delivery ${body.id} is due now (attempts so far: ${body.attempt_count})\n`);
    }),
  );

  withClientOptions(
    deliveries
      .command('skip <id>')
      .description('give up on a delivery and release its ordering key (a held failure, or a pending one)'),
  ).action(
    action(async (id: string, flags: CommonFlags) => {
      const body = await clientFor(flags).deliveries.skip(id);
      if (flags.json) return printJson(body);
      process.stdout.write(`Delivery ${body.id} skipped (${body.status}); the next of its ordering key may go\n`);
    }),
  );
}
