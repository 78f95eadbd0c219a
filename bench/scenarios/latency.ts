/**
 * latency: events accepted one at a time (as separate API requests would be) at a steady rate for a
 * while; each carries its accept time (`bench_t0`, taken just before the accept call) and the receiver
 * subtracts it from the arrival time. The first `warmupMs` are left out of the percentiles (connection
 * set-up, JIT), but their deliveries must still arrive.
 */
import { lineChart } from '../lib/svg.js';
import { withSession } from '../lib/session.js';
import type { SteadyArgs, SteadyResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { LatencySummary, ReceiverStats } from '../receiver/receiver.js';
import { checkArrivals, failedRow, type Scenario } from './context.js';

export const latency: Scenario = async ({ settings, receiver, systems, log }) => {
  const { rate, durationMs, warmupMs } = settings.latency;
  const rows: Row[] = [];
  const spectra: Array<{ system: string; spectrum: Array<[number, number]> }> = [];
  for (const loaded of systems) {
    const id = loaded.system.id;
    log(`latency: ${id}, ${rate}/s for ${durationMs / 1000} s`);
    try {
      rows.push(
        await withSession(receiver, loaded, settings, { scenario: 'latency', hangs: [false] }, async ({ host }) => {
          // A system that cannot keep up would make everyone wait for its queue to empty: bounded.
          const patienceMs = settings.quick ? 3_000 : 60_000;
          await host.call('steadyStart', {
            rate,
            durationMs,
            offset: 0,
            endpointCount: 1,
            settleMs: patienceMs,
          } satisfies SteadyArgs);
          const produced = await host.call<SteadyResult>('steadyStop', { wait: true });
          await receiver.call('waitFor', { count: produced.accepted, timeoutMs: patienceMs });
          const stats = await receiver.call<ReceiverStats>('stats');
          const summary = await receiver.call<LatencySummary>('latency', produced.startedAt + warmupMs);
          const problems: string[] = [];
          checkArrivals(stats, produced.accepted, problems);
          if (produced.failed) problems.push(`${produced.failed} accepts failed`);
          if (produced.skipped)
            problems.push(`fell behind: ${produced.skipped} events not offered (more than 10,000 accepts outstanding)`);
          const valid = problems.length === 0;
          const deliveredPerSecond = stats.unique / (((stats.lastNewArrival ?? NaN) - produced.startedAt) / 1000);
          if (deliveredPerSecond < 0.95 * rate)
            problems.push(
              `did not keep up with ${rate}/s (delivered ${Math.round(deliveredPerSecond)}/s): its latency is mostly queueing`,
            );
          if (stats.duplicates) problems.push(`${stats.duplicates} duplicate deliveries`);
          spectra.push({ system: id, spectrum: summary.spectrum });
          return {
            system: id,
            variant: '',
            valid,
            problems,
            values: {
              events: produced.accepted,
              rate: produced.accepted / (durationMs / 1000),
              delivered_per_s: deliveredPerSecond,
              p50_ms: summary.p50,
              p90_ms: summary.p90,
              p99_ms: summary.p99,
              p999_ms: summary.p999,
              max_ms: summary.max,
              accept_p99_ms: produced.acceptMs.p99,
            },
          } satisfies Row;
        }),
      );
    } catch (error) {
      rows.push(failedRow(id, '', error));
    }
    const last = rows[rows.length - 1];
    log(
      `  ${last.valid ? `p50 ${last.values.p50_ms?.toFixed(2)} ms, p99 ${last.values.p99_ms?.toFixed(2)} ms, max ${last.values.max_ms?.toFixed(1)} ms` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
    );
  }
  const labels = spectra[0]?.spectrum.map(([p]) => (p === 100 ? 'max' : p === 0 ? 'min' : `p${p}`)) ?? [];
  return {
    columns: [
      { key: 'events', label: 'events' },
      { key: 'rate', label: 'offered/s' },
      { key: 'delivered_per_s', label: 'delivered/s' },
      { key: 'p50_ms', label: 'p50 ms', digits: 2, better: 'lower' },
      { key: 'p90_ms', label: 'p90 ms', digits: 2, better: 'lower' },
      { key: 'p99_ms', label: 'p99 ms', digits: 2, better: 'lower' },
      { key: 'p999_ms', label: 'p99.9 ms', digits: 1, better: 'lower' },
      { key: 'max_ms', label: 'max ms', digits: 1, better: 'lower' },
      { key: 'accept_p99_ms', label: 'accept call p99 ms', digits: 2, better: 'lower' },
    ],
    rows,
    ratioMetrics: ['p50_ms', 'p99_ms'],
    notes: [
      `${rate} events/s for ${durationMs / 1000} s, one accept call per event (BullMQ \`add\`, graphile-worker \`addJob\`, payhook \`POST /v1/events\`), one endpoint.`,
      `Latency = arrival at the receiver − the producer's clock just before the accept call (both processes read performance.timeOrigin + performance.now()). The first ${warmupMs / 1000} s are excluded from the percentiles.`,
      'delivered/s below offered/s means the system could not keep up: its latency is then mostly time spent queued.',
      'For latency the ratios are payhook ÷ other with lower being better: below 1× means payhook is faster.',
    ],
    plots: spectra.length
      ? [
          {
            name: 'latency.svg',
            svg: lineChart({
              title: `Accept → arrival at ${rate}/s`,
              xLabel: 'percentile',
              yLabel: 'ms (log scale)',
              yLog: true,
              xCategories: labels,
              series: spectra
                .map(({ system, spectrum }) => ({
                  system,
                  points: spectrum.map(([, ms], i) => [i, ms] as [number, number]),
                }))
                .map(({ system, points }) => ({ name: system, points })),
            }),
          },
        ]
      : [],
    series: { spectra },
  };
};
