/**
 * throughput: N events accepted in bulk batches of 1,000 while the workers run, spread round-robin over
 * 1 endpoint and over 10 endpoints (each its own origin). Figure: N ÷ (last new arrival at the receiver −
 * first accept). Every delivery must arrive (distinct ids) and every outcome must be recorded in the
 * system's store; how long recording lagged behind the last arrival is reported too.
 */
import { barChart } from '../lib/svg.js';
import { withSession } from '../lib/session.js';
import type { MemoryResult, ProduceResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import { checkArrivals, deadlineMs, failedRow, MB, type Scenario } from './context.js';

export const throughput: Scenario = async ({ settings, receiver, systems, log }) => {
  const { events: n, endpointCounts, chunk } = settings.throughput;
  const rows: Row[] = [];
  for (const endpointCount of endpointCounts) {
    const variant = endpointCount === 1 ? '1 endpoint' : `${endpointCount} endpoints`;
    for (const loaded of systems) {
      const id = loaded.system.id;
      log(`throughput ${variant}: ${id}, ${n} events`);
      try {
        rows.push(
          await withSession(
            receiver,
            loaded,
            settings,
            { scenario: 'throughput', hangs: Array(endpointCount).fill(false) },
            async ({ host }) => {
              await host.call('resetMemory');
              const arrived = receiver.call<boolean>('waitFor', { count: n, timeoutMs: deadlineMs(n) });
              const produced = await host.call<ProduceResult>('produce', { count: n, offset: 0, chunk, endpointCount });
              await arrived;
              const stats = await receiver.call<ReceiverStats>('stats');
              const recorded = await host.call<{ recorded: number; at: number }>('waitRecorded', {
                count: n,
                timeoutMs: 30_000,
              });
              const memory = await host.call<MemoryResult>('memory');
              const problems: string[] = [];
              checkArrivals(stats, n, problems);
              if (recorded.recorded < n)
                problems.push(`only ${recorded.recorded} of ${n} outcomes recorded in the store`);
              const valid = problems.length === 0;
              if (stats.duplicates) problems.push(`${stats.duplicates} duplicate deliveries`);
              const seconds = ((stats.lastNewArrival ?? NaN) - produced.firstAcceptAt) / 1000;
              return {
                system: id,
                variant,
                valid,
                problems,
                values: {
                  deliveries_per_s: stats.unique / seconds,
                  seconds,
                  accept_per_s: n / ((produced.lastAcceptAt - produced.firstAcceptAt) / 1000),
                  record_lag_ms:
                    recorded.recorded >= n ? Math.max(0, recorded.at - (stats.lastNewArrival ?? recorded.at)) : null,
                  peak_rss_mb: memory.peakRss / MB,
                },
              } satisfies Row;
            },
          ),
        );
      } catch (error) {
        rows.push(failedRow(id, variant, error));
      }
      const last = rows[rows.length - 1];
      log(
        `  ${last.valid ? `${Math.round(last.values.deliveries_per_s ?? 0)} deliveries/s` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
      );
    }
  }
  const variants = [...new Set(rows.map((r) => r.variant))];
  return {
    columns: [
      { key: 'deliveries_per_s', label: 'deliveries/s', better: 'higher' },
      { key: 'seconds', label: 'seconds', digits: 2 },
      { key: 'accept_per_s', label: 'accepted/s (bulk)', better: 'higher' },
      { key: 'record_lag_ms', label: 'all recorded after last arrival (ms)', better: 'lower' },
      { key: 'peak_rss_mb', label: 'peak RSS (MB)', better: 'lower' },
    ],
    rows,
    ratioMetrics: ['deliveries_per_s'],
    notes: [
      `${n.toLocaleString('en-US')} events per run, accepted in batches of ${chunk} while the workers run; ${settings.concurrency} requests in flight at most.`,
      'deliveries/s = distinct ids at the receiver ÷ (last new arrival − first accept); the receiver runs in its own process.',
      '"all recorded after last arrival": how long after the last delivery arrived the system\'s store held every outcome (polled every 50 ms).',
      "Peak RSS is the system's process (producer and workers together), sampled every 250 ms.",
    ],
    plots: [
      {
        name: 'throughput.svg',
        svg: barChart({
          title: `Signed deliveries per second (${n.toLocaleString('en-US')} events)`,
          yLabel: 'deliveries/s',
          groups: variants.map((variant) => ({
            label: variant,
            bars: rows
              .filter((r) => r.variant === variant)
              .map((r) => ({ name: r.system, value: r.valid ? (r.values.deliveries_per_s ?? NaN) : NaN })),
          })),
        }),
      },
    ],
  };
};
