/**
 * scale-out: one PostgreSQL, one process that accepts (role api, bulk accepts through its ingestor),
 * and 1, 2 and then 4 dispatcher processes (role dispatcher, each with the run's requests in flight).
 * N events over 10 endpoints, accepted while the dispatchers run; deliveries/s as in throughput. Beside
 * it, the claims the dispatchers made (summed over them): how many, the share that came back empty,
 * deliveries per claim and the claim's duration, which is where contention between dispatchers shows
 * (`FOR UPDATE SKIP LOCKED` hands each a disjoint set; they still share the due index and the WAL).
 * On a 2-core machine the curve flattens: the point is that it does not fall.
 */
import { withSession } from '../lib/session.js';
import type { ProduceResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import type { ClaimStats } from '../systems/types.js';
import { checkArrivals, deadlineMs, failedRow, type Scenario } from './context.js';

export const scaleOut: Scenario = async ({ settings, receiver, systems, log }) => {
  const { dispatchers: counts, events: n, endpoints } = settings.scaleOut;
  const rows: Row[] = [];
  for (const loaded of systems) {
    const id = loaded.system.id;
    for (const dispatchers of counts) {
      const variant = `${dispatchers} dispatcher${dispatchers === 1 ? '' : 's'}`;
      log(`scale-out: ${id}, ${variant}, ${n} events over ${endpoints} endpoints`);
      try {
        rows.push(
          await withSession(
            receiver,
            loaded,
            settings,
            { scenario: 'scale-out', hangs: Array(endpoints).fill(false), dispatchers },
            async ({ host }) => {
              const arrived = receiver.call<boolean>('waitFor', { count: n, timeoutMs: deadlineMs(n) });
              const produced = await host.call<ProduceResult>('produce', {
                count: n,
                offset: 0,
                chunk: 1000,
                endpointCount: endpoints,
              });
              await arrived;
              const stats = await receiver.call<ReceiverStats>('stats');
              const recorded = await host.call<{ recorded: number }>('waitRecorded', { count: n, timeoutMs: 30_000 });
              const claims = await host.call<ClaimStats>('claimStats');
              const problems: string[] = [];
              checkArrivals(stats, n, problems);
              if (recorded.recorded < n) problems.push(`only ${recorded.recorded} of ${n} outcomes recorded`);
              const valid = problems.length === 0;
              if (stats.duplicates) problems.push(`${stats.duplicates} duplicate deliveries`);
              return {
                system: id,
                variant,
                valid,
                problems,
                values: {
                  dispatchers,
                  deliveries_per_s: stats.unique / (((stats.lastNewArrival ?? NaN) - produced.firstAcceptAt) / 1000),
                  claims: claims.claims,
                  empty_pct: claims.claims ? (claims.empty / claims.claims) * 100 : null,
                  per_claim: claims.claims - claims.empty ? claims.claimed / (claims.claims - claims.empty) : null,
                  claim_p50_ms: claims.p50Ms,
                  claim_p99_ms: claims.p99Ms,
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
        `  ${last.valid ? `${Math.round(last.values.deliveries_per_s ?? 0)} deliveries/s; ${last.values.claims} claims (${last.values.empty_pct?.toFixed(0)}% empty), claim p50 ${last.values.claim_p50_ms?.toFixed(1)} ms p99 ${last.values.claim_p99_ms?.toFixed(1)} ms` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
      );
    }
    // Each count against one dispatcher.
    const one = rows.find((r) => r.system === id && r.values.dispatchers === 1 && r.valid);
    for (const r of rows)
      if (r.system === id)
        r.values.vs_one =
          one && r.valid && r.values.deliveries_per_s != null
            ? r.values.deliveries_per_s / (one.values.deliveries_per_s ?? NaN)
            : null;
  }
  return {
    columns: [
      { key: 'deliveries_per_s', label: 'deliveries/s', better: 'higher' },
      { key: 'vs_one', label: '÷ 1 dispatcher', digits: 2, better: 'higher' },
      { key: 'claims', label: 'claims' },
      { key: 'empty_pct', label: 'empty claims (%)', digits: 1, better: 'lower' },
      { key: 'per_claim', label: 'deliveries per claim', digits: 1 },
      { key: 'claim_p50_ms', label: 'claim p50 ms', digits: 2, better: 'lower' },
      { key: 'claim_p99_ms', label: 'claim p99 ms', digits: 2, better: 'lower' },
    ],
    rows,
    ratioMetrics: [],
    notes: [
      `${n.toLocaleString('en-US')} events over ${endpoints} endpoints per run, accepted in batches of 1,000 by one process with role api while ${counts.join(', ')} dispatcher processes (role dispatcher) deliver them; each dispatcher allows ${settings.concurrency} requests in flight.`,
      'deliveries/s = distinct ids at the receiver ÷ (last new arrival − first accept). Claims: every Store.claimDue of the dispatchers, summed; an empty claim found nothing due that another dispatcher had not taken.',
      'Every process shares the 2 cores with PostgreSQL and the receiver: past one dispatcher per core the curve flattens.',
    ],
    plots: [],
  };
};
