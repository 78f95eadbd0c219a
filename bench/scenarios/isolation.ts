/**
 * isolation: 50 endpoints, 10 of which hold every request open until the sender's timeout. N events
 * round-robin over all 50; the figure is the deliveries per second reaching the 40 healthy endpoints,
 * as a share of the same system's rate in a run with just those 40 endpoints and their events. A
 * dispatcher that lets hanging endpoints take all its request slots keeps little of it.
 */
import { withSession } from '../lib/session.js';
import type { ProduceResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import { checkArrivals, deadlineMs, failedRow, type Scenario } from './context.js';

export const isolation: Scenario = async ({ settings, receiver, systems, log }) => {
  const { events: n, endpoints, hanging, timeoutMs } = settings.isolation;
  const every = Math.floor(endpoints / hanging);
  const hangs = Array.from({ length: endpoints }, (_, i) => i % every === 0 && i / every < hanging);
  let healthy = 0;
  for (let i = 0; i < n; i++) if (!hangs[i % endpoints]) healthy++;
  const healthyEndpoints = hangs.filter((h) => !h).length;
  const rows: Row[] = [];

  /** Healthy deliveries per second of one run; problems pushed into `problems`. */
  const measure = async (
    loaded: (typeof systems)[number],
    spec: boolean[],
    count: number,
    problems: string[],
    label: string,
  ) =>
    withSession(receiver, loaded, settings, { scenario: 'isolation', hangs: spec, timeoutMs }, async ({ host }) => {
      const arrived = receiver.call<boolean>('waitFor', {
        count: healthy,
        timeoutMs: deadlineMs(healthy) + timeoutMs * 10,
      });
      const produced = await host.call<ProduceResult>('produce', {
        count,
        offset: 0,
        chunk: 1000,
        endpointCount: spec.length,
      });
      await arrived;
      const stats = await receiver.call<ReceiverStats>('stats');
      const before = problems.length;
      checkArrivals(stats, healthy, problems);
      for (let i = before; i < problems.length; i++) problems[i] = `${label}: ${problems[i]}`;
      return {
        perSecond: stats.unique / (((stats.lastNewArrival ?? NaN) - produced.firstAcceptAt) / 1000),
        held: stats.held,
      };
    });

  for (const loaded of systems) {
    const id = loaded.system.id;
    log(
      `isolation: ${id}, ${n} events over ${endpoints} endpoints (${hanging} hang), then ${healthy} over ${healthyEndpoints}`,
    );
    try {
      const problems: string[] = [];
      const withHanging = await measure(loaded, hangs, n, problems, 'with hanging endpoints');
      const without = await measure(loaded, Array(healthyEndpoints).fill(false), healthy, problems, 'healthy only');
      rows.push({
        system: id,
        variant: '',
        valid: problems.length === 0,
        problems,
        values: {
          healthy_per_s_with_hanging: withHanging.perSecond,
          healthy_per_s_alone: without.perSecond,
          share_pct: (withHanging.perSecond / without.perSecond) * 100,
          held_requests: withHanging.held,
        },
      });
    } catch (error) {
      rows.push(failedRow(id, '', error));
    }
    const last = rows[rows.length - 1];
    log(
      `  ${last.valid ? `healthy endpoints keep ${last.values.share_pct?.toFixed(0)}%` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
    );
  }
  return {
    columns: [
      { key: 'healthy_per_s_with_hanging', label: 'healthy deliveries/s beside hanging endpoints', better: 'higher' },
      { key: 'healthy_per_s_alone', label: 'healthy deliveries/s alone', better: 'higher' },
      { key: 'share_pct', label: 'kept (%)', digits: 1, better: 'higher' },
      { key: 'held_requests', label: 'requests held by hanging endpoints' },
    ],
    rows,
    ratioMetrics: ['share_pct'],
    notes: [
      `${n.toLocaleString('en-US')} events round-robin over ${endpoints} endpoints; endpoints ${hangs.flatMap((h, i) => (h ? [i] : [])).join(', ')} never answer, and each system gives up on a request after ${timeoutMs} ms (then retries it).`,
      `The second run delivers only the ${healthy.toLocaleString('en-US')} events of the ${healthyEndpoints} healthy endpoints; "kept" = first rate ÷ second rate.`,
      `${settings.concurrency} requests in flight at most for every system.`,
    ],
    plots: [],
  };
};
