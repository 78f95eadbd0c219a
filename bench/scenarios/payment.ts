/**
 * payment: what a shop's "thank you" page waits for. Orders are created and paid through payhook's API
 * with the approving test card (4111 1111 1111 1111), and each merchant endpoint takes `order.success`.
 *
 * 1. Saturation: `workers` payers in a closed loop (each pays the next order as soon as its last payment
 *    answered) for a while; payments/s = payments answered ÷ seconds. Every `order.success` must arrive.
 * 2. Steady: payments offered at a steady rate, one order created then paid per call; the figure is pay
 *    call → `order.success` arrival at the receiver, p50/p99, the first seconds left out as warm-up.
 *    The order carries `bench_key=<n>` in `optional1`, which payhook copies into every payment event, so
 *    the receiver's arrival of payment n is joined with the time just before its pay call.
 *
 * payhook only (on each backend): no baseline has payments.
 */
import { withSession } from '../lib/session.js';
import type { SaturateArgs, SaturateResult, SteadyArgs, SteadyResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import { checkArrivals, failedRow, type Scenario } from './context.js';

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]);
  return { p50: at(50), p99: at(99), max: at(100) };
}

export const payment: Scenario = async ({ settings, receiver, systems, log }) => {
  const { workers, saturateMs, rate, durationMs, warmupMs } = settings.payment;
  const rows: Row[] = [];
  for (const loaded of systems) {
    const id = loaded.system.id;
    log(`payment: ${id}, ${workers} payers for ${saturateMs / 1000} s, then ${rate}/s for ${durationMs / 1000} s`);
    try {
      rows.push(
        await withSession(receiver, loaded, settings, { scenario: 'payment', hangs: [false] }, async ({ host }) => {
          const problems: string[] = [];
          const patienceMs = settings.quick ? 10_000 : 60_000;
          // 1. Saturation.
          const sat = await host.call<SaturateResult>('saturate', {
            workers,
            durationMs: saturateMs,
            offset: 0,
          } satisfies SaturateArgs);
          if (!(await receiver.call<boolean>('waitFor', { count: sat.paid, timeoutMs: patienceMs })))
            problems.push('not every order.success of the saturation phase arrived');
          if (sat.failed) problems.push(`${sat.failed} payments failed at saturation`);
          await receiver.call('reset');
          // 2. Steady rate: pay → order.success.
          await host.call('steadyStart', {
            action: 'pay',
            rate,
            durationMs,
            offset: 1_000_000,
            endpointCount: 1,
            settleMs: patienceMs,
          } satisfies SteadyArgs);
          const steady = await host.call<SteadyResult>('steadyStop', { wait: true });
          await receiver.call('waitFor', { count: steady.accepted, timeoutMs: patienceMs });
          const stats = await receiver.call<ReceiverStats>('stats');
          checkArrivals(stats, steady.accepted, problems);
          if (steady.failed) problems.push(`${steady.failed} payments failed`);
          if (steady.skipped) problems.push(`fell behind: ${steady.skipped} payments not offered`);
          const arrivals = new Map(await receiver.call<Array<[number, number]>>('keyedArrivals'));
          const from = steady.startedAt + warmupMs;
          const latencies: number[] = [];
          for (const [n, t0] of steady.payStarts ?? []) {
            const at = arrivals.get(n);
            if (t0 >= from && at !== undefined) latencies.push(at - t0);
          }
          const l = percentiles(latencies);
          const valid = problems.length === 0;
          if (stats.duplicates) problems.push(`${stats.duplicates} duplicate deliveries`);
          return {
            system: id,
            variant: '',
            valid,
            problems,
            values: {
              payments_per_s: sat.paid / sat.seconds,
              steady_rate: steady.accepted / (durationMs / 1000),
              p50_ms: l.p50,
              p99_ms: l.p99,
              max_ms: l.max,
              pay_call_p99_ms: steady.acceptMs.p99,
            },
          } satisfies Row;
        }),
      );
    } catch (error) {
      rows.push(failedRow(id, '', error));
    }
    const last = rows[rows.length - 1];
    log(
      `  ${last.valid ? `${Math.round(last.values.payments_per_s ?? 0)} payments/s at saturation; pay → order.success p50 ${last.values.p50_ms?.toFixed(1)} ms, p99 ${last.values.p99_ms?.toFixed(1)} ms` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
    );
  }
  return {
    columns: [
      { key: 'payments_per_s', label: 'payments/s at saturation', better: 'higher' },
      { key: 'steady_rate', label: 'steady payments/s' },
      { key: 'p50_ms', label: 'pay → order.success p50 ms', digits: 1, better: 'lower' },
      { key: 'p99_ms', label: 'p99 ms', digits: 1, better: 'lower' },
      { key: 'max_ms', label: 'max ms', digits: 1, better: 'lower' },
      { key: 'pay_call_p99_ms', label: 'create + pay calls p99 ms', digits: 1, better: 'lower' },
    ],
    rows,
    ratioMetrics: [],
    notes: [
      `Saturation: ${workers} payers, each creating an order (POST /v1/orders) and paying it (POST /v1/orders/{id}/transactions, card 4111 1111 1111 1111) as soon as the last payment answered, for ${saturateMs / 1000} s.`,
      `Steady: ${rate} payments/s for ${durationMs / 1000} s; latency = arrival of the order's order.success at the receiver − the clock just before its pay call; the first ${warmupMs / 1000} s are left out.`,
      'One merchant, one endpoint taking order.success only; the payment module as `payhook serve` runs it (defaultModules).',
    ],
    plots: [],
  };
};
