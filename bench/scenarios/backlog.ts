/**
 * backlog: the receiver is down while N events are accepted, then comes back. Measured: how fast the
 * backlog drains (overall and per second, plotted), the system's peak RSS while it holds and drains
 * the backlog, and the latency of single accepts made at a modest steady rate during the drain,
 * against the same accepts made while the system was idle. Run twice, at a reference size (100,000)
 * and at the large one: the drain rate at the large backlog ÷ the one at the reference says whether
 * the cost of a claim grows with the backlog (target ≥ 0.8×).
 */
import { lineChart } from '../lib/svg.js';
import { now } from '../lib/clock.js';
import { withSession } from '../lib/session.js';
import type { MemoryResult, ProduceResult, SteadyArgs, SteadyResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import { checkArrivals, deadlineMs, failedRow, MB, type Scenario } from './context.js';

export const backlog: Scenario = async ({ settings, receiver, systems, log }) => {
  const { events: large, reference, endpoints, ingestRate, idleMs, warmupMs } = settings.backlog;
  const rows: Row[] = [];
  const curves: Array<{ system: string; delivered: Array<[number, number]>; rssMb: Array<[number, number]> }> = [];
  const sizes = reference < large ? [reference, large] : [large];
  const variantOf = (n: number) => `${n.toLocaleString('en-US')} queued`;
  for (const n of sizes)
    for (const loaded of systems) {
      const id = loaded.system.id;
      const variant = variantOf(n);
      log(`backlog: ${id}, ${n} events while the receiver is down`);
      try {
        rows.push(
          await withSession(
            receiver,
            loaded,
            settings,
            { scenario: 'backlog', hangs: Array(endpoints).fill(false) },
            async ({ host }) => {
              const problems: string[] = [];
              // 1. Ingest latency while idle (receiver up, nothing queued), after a warm-up at the same rate
              // that is left out, as the latency scenario leaves out its first seconds: measured from the
              // process's first accept, the idle p99 was its start-up's (code compiled on first use), 3.9 to
              // 56 ms across runs, and the ratio below said more about that than about the drain.
              const idlePhase = async (durationMs: number, offset: number) => {
                await host.call('steadyStart', {
                  rate: ingestRate,
                  durationMs,
                  offset,
                  endpointCount: endpoints,
                  settleMs: 30_000,
                } satisfies SteadyArgs);
                return host.call<SteadyResult>('steadyStop', { wait: true });
              };
              const warm = await idlePhase(warmupMs, 30_000_000);
              const idle = await idlePhase(idleMs, 0);
              const before = warm.accepted + idle.accepted;
              if (!(await receiver.call<boolean>('waitFor', { count: before, timeoutMs: 30_000 })))
                problems.push('idle-phase deliveries did not all arrive');
              // 2. Receiver down; queue the backlog.
              await receiver.call('down');
              await host.call('resetMemory');
              const queued = await host.call<ProduceResult>('produce', {
                count: n,
                offset: 10_000_000,
                chunk: 1000,
                endpointCount: endpoints,
              });
              // 3. Receiver up; ingest at the same steady rate while the backlog drains.
              await receiver.call('startTimeline', 250);
              const upAt = now();
              await receiver.call('up');
              await host.call('steadyStart', {
                rate: ingestRate,
                durationMs: null,
                offset: 20_000_000,
                endpointCount: endpoints,
                settleMs: 30_000,
              } satisfies SteadyArgs);
              const drained = await receiver.call<boolean>('waitFor', {
                count: before + n,
                timeoutMs: deadlineMs(n),
              });
              const drainedAt = now();
              const during = await host.call<SteadyResult>('steadyStop', { wait: false });
              const total = before + n + during.accepted;
              await receiver.call('waitFor', { count: total, timeoutMs: 30_000 });
              const timeline = await receiver.call<Array<[number, number]>>('stopTimeline');
              const stats = await receiver.call<ReceiverStats>('stats');
              const memory = await host.call<MemoryResult>('memory');
              checkArrivals(stats, total, problems);
              if (!drained) problems.push('the backlog did not drain in time');
              const failed = warm.failed + idle.failed + during.failed;
              const skipped = warm.skipped + idle.skipped + during.skipped;
              if (failed) problems.push(`${failed} accepts failed`);
              if (skipped) problems.push(`${skipped} accepts not offered (system fell behind)`);
              const valid = problems.length === 0;
              if (stats.duplicates) problems.push(`${stats.duplicates} duplicate deliveries`);
              const base = timeline[0]?.[1] ?? 0;
              curves.push({
                system: `${id}, ${variant}`,
                delivered: timeline.map(([t, count]) => [(t - upAt) / 1000, count - base] as [number, number]),
                rssMb: memory.samples.map(([t, rss]) => [(t - upAt) / 1000, rss / MB] as [number, number]),
              });
              let bestSecond = 0;
              for (let i = 4; i < timeline.length; i++)
                bestSecond = Math.max(bestSecond, timeline[i][1] - timeline[i - 4][1]);
              return {
                system: id,
                variant,
                valid,
                problems,
                values: {
                  queue_per_s: n / ((queued.lastAcceptAt - queued.firstAcceptAt) / 1000),
                  drain_s: (drainedAt - upAt) / 1000,
                  drain_per_s: n / ((drainedAt - upAt) / 1000),
                  best_second: bestSecond,
                  peak_rss_mb: memory.peakRss / MB,
                  idle_accept_p99_ms: idle.acceptMs.p99,
                  drain_accept_p99_ms: during.acceptMs.p99,
                  accept_p99_ratio: during.acceptMs.p99 / idle.acceptMs.p99,
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
        `  ${last.valid ? `drained ${Math.round(last.values.drain_per_s ?? 0)}/s, peak RSS ${Math.round(last.values.peak_rss_mb ?? 0)} MB, accept p99 ${last.values.idle_accept_p99_ms?.toFixed(1)} → ${last.values.drain_accept_p99_ms?.toFixed(1)} ms` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
      );
    }
  // The drain rate at the large backlog against the reference, on the large row.
  for (const row of rows) {
    if (row.variant !== variantOf(large) || sizes.length < 2) continue;
    const ref = rows.find((r) => r.system === row.system && r.variant === variantOf(reference));
    const a = row.values.drain_per_s;
    const b = ref?.values.drain_per_s;
    row.values.drain_vs_reference = ref?.valid && a != null && b ? a / b : null;
  }
  return {
    columns: [
      { key: 'queue_per_s', label: 'queued/s (receiver down)', better: 'higher' },
      { key: 'drain_s', label: 'drain s', digits: 1, better: 'lower' },
      { key: 'drain_per_s', label: 'drained/s', better: 'higher' },
      { key: 'best_second', label: 'best 1 s', better: 'higher' },
      { key: 'peak_rss_mb', label: 'peak RSS MB', better: 'lower' },
      { key: 'idle_accept_p99_ms', label: 'accept p99 idle ms', digits: 2, better: 'lower' },
      { key: 'drain_accept_p99_ms', label: 'accept p99 during drain ms', digits: 2, better: 'lower' },
      { key: 'accept_p99_ratio', label: 'during ÷ idle', digits: 2, better: 'lower' },
      {
        key: 'drain_vs_reference',
        label: `drained/s ÷ at ${reference.toLocaleString('en-US')}`,
        digits: 2,
        better: 'higher',
      },
    ],
    rows,
    ratioMetrics: ['drain_per_s', 'peak_rss_mb'],
    notes: [
      `${sizes.map((n) => n.toLocaleString('en-US')).join(', then ')} events accepted in batches of 1,000 while the receiver's ports are closed (connections refused), to ${endpoints} endpoint(s); then the receiver listens again. A fresh process and database for each size.`,
      `"drained/s ÷ at ${reference.toLocaleString('en-US')}": the drain rate of the large backlog over that of the reference one (the cost of a claim must not grow with the backlog: target ≥ 0.8×).`,
      `Failed attempts are retried after ${settings.retryDelayMs} ms (each system's constant or test-compressed retry delay), so the drain measures the system, not its production retry schedule.`,
      `Ingest: single accepts at ${ingestRate}/s for ${idleMs / 1000} s while idle (after ${warmupMs / 1000} s at the same rate, left out), and at the same rate during the drain; p99 of the time an accept call takes.`,
      "Peak RSS: the system's process from the start of queueing to the end of the drain, sampled every 250 ms.",
    ],
    plots: curves.length
      ? [
          {
            name: 'drain.svg',
            svg: lineChart({
              title: `Draining ${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} queued events`,
              xLabel: 'seconds since the receiver came back',
              yLabel: 'deliveries arrived',
              series: curves.map((c) => ({ name: c.system, points: c.delivered })),
            }),
          },
          {
            name: 'rss.svg',
            svg: lineChart({
              title: 'Resident memory while queueing and draining',
              xLabel: 'seconds since the receiver came back',
              yLabel: 'RSS (MB)',
              series: curves.map((c) => ({ name: c.system, points: c.rssMb })),
            }),
          },
        ]
      : [],
    series: { curves },
  };
};
