/**
 * `payhook endpoints replay <id> --since … [--until …] [--types …] [--status failed|all]
 * [--recipients original|current]`: starts a bulk replay and follows it with a progress bar until it
 * completes or fails (Ctrl-C leaves it running on the server; `GET /v1/replays/{id}` shows it).
 */
import type { Command } from 'commander';
import type { Replay } from '@payhook/sdk';
import { CliError } from './errors.js';
import { action, clientFor, parseSince, printJson, splitList, UsageError, type CommonFlags } from './shared.js';

type ReplayFlags = CommonFlags & {
  since: string;
  until?: string;
  types?: string;
  status?: string;
  recipients?: string;
};

const POLL_MS = 500;
const BAR_WIDTH = 30;

/** `[######........] 40% 480/1200 running` */
export function progressLine(r: Replay): string {
  const share = r.total === 0 ? 1 : Math.min(1, r.done / r.total);
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.round(share * 100)}% ${r.done}/${r.total} ${r.state}`;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be ${allowed.join(' or ')}; got "${value}"`);
  return value as T;
}

export function registerReplayCommand(one: (name: string, description: string) => Command): void {
  one('replay <id>', "send the events of a time window to the endpoint again, and follow the replay's progress")
    .requiredOption('--since <time>', 'events created at or after: an ISO 8601 time, or a duration back from now (24h)')
    .option('--until <time>', 'events created before this time (default: now)')
    .option('--types <types>', 'only these event types, comma-separated (exact names or prefix.*)')
    .option('--status <failed|all>', 'failed (default): only events whose delivery failed; all: every event')
    .option('--recipients <original|current>', "original (default): events the endpoint had; current: its filter's now")
    .action(
      action(async (id: string, flags: ReplayFlags) => {
        const client = clientFor(flags);
        const status = oneOf('--status', flags.status, ['failed', 'all'] as const);
        const recipients = oneOf('--recipients', flags.recipients, ['original', 'current'] as const);
        let r = await client.endpoints.replay(id, {
          since: parseSince(flags.since).toISOString(),
          ...(flags.until === undefined ? {} : { until: parseSince(flags.until).toISOString() }),
          ...(flags.types === undefined ? {} : { types: splitList(flags.types) }),
          ...(status === undefined ? {} : { status }),
          ...(recipients === undefined ? {} : { recipients }),
        });
        const tty = !flags.json && process.stderr.isTTY === true;
        if (!flags.json) process.stderr.write(`Replay ${r.id}: ${r.total} events to send again\n`);
        let last = '';
        for (;;) {
          const line = progressLine(r);
          if (!flags.json && line !== last) {
            // On a terminal the bar redraws in place; in a log, one line a change.
            process.stderr.write(tty ? `\r${line}` : `${line}\n`);
            last = line;
          }
          if (r.state === 'completed' || r.state === 'failed') break;
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          r = await client.replays.get(r.id);
        }
        if (tty) process.stderr.write('\n');
        if (flags.json) printJson(r);
        else process.stdout.write(`Replay ${r.id} ${r.state}: ${r.requeued} deliveries made due\n`);
        if (r.state === 'failed')
          throw new CliError('replay_failed', `the replay failed: ${r.error ?? 'unknown reason'}`);
      }),
    );
}
