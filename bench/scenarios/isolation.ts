/**
 * isolation: 50 endpoints, some of which never answer well. Two variants: 10 endpoints that hold every
 * request open until the sender's timeout ("hanging"), and the same 10 beside 10 more that answer 200 at
 * once and then send their body one byte a second ("hanging + dripping": a slow endpoint that a timeout
 * between chunks never ends; only a total attempt deadline does). N events round-robin over all 50; the
 * figure is the deliveries per second reaching the healthy endpoints, as a share of the same system's
 * rate in a run with just those endpoints and their events. A dispatcher that lets bad endpoints take
 * its request slots keeps little of it.
 */
import { withSession } from '../lib/session.js';
import type { ProduceResult } from '../lib/host.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import { checkArrivals, deadlineMs, failedRow, type Scenario } from './context.js';

type Kind = 'healthy' | 'hang' | 'drip';

/** Which endpoints misbehave: `hanging` then `dripping` of them, spread evenly over `endpoints`. */
export function isolationLayout(endpoints: number, hanging: number, dripping: number): Kind[] {
  const bad = hanging + dripping;
  const every = Math.floor(endpoints / Math.max(bad, 1));
  return Array.from({ length: endpoints }, (_, i): Kind => {
    if (bad === 0 || i % every !== 0 || i / every >= bad) return 'healthy';
    return i / every < hanging ? 'hang' : 'drip';
  });
}

export const isolation: Scenario = async ({ settings, receiver, systems, log }) => {
  const { events: n, endpoints, hanging, dripping, timeoutMs } = settings.isolation;
  const rows: Row[] = [];
  const variants: Array<{ name: string; layout: Kind[] }> = [
    { name: 'hanging', layout: isolationLayout(endpoints, hanging, 0) },
    { name: 'hanging + dripping', layout: isolationLayout(endpoints, hanging, dripping) },
  ];

  /** Healthy deliveries per second of one run; problems pushed into `problems`. */
  const measure = async (
    loaded: (typeof systems)[number],
    layout: Kind[],
    count: number,
    healthy: number,
    problems: string[],
    label: string,
  ) =>
    withSession(
      receiver,
      loaded,
      settings,
      {
        scenario: 'isolation',
        hangs: layout.map((k) => k === 'hang'),
        drips: layout.map((k) => k === 'drip'),
        timeoutMs,
      },
      async ({ host }) => {
        const arrived = receiver.call<boolean>('waitFor', {
          count: healthy,
          timeoutMs: deadlineMs(healthy) + timeoutMs * 10,
        });
        const produced = await host.call<ProduceResult>('produce', {
          count,
          offset: 0,
          chunk: 1000,
          endpointCount: layout.length,
        });
        await arrived;
        const stats = await receiver.call<ReceiverStats>('stats');
        const before = problems.length;
        checkArrivals(stats, healthy, problems);
        for (let i = before; i < problems.length; i++) problems[i] = `${label}: ${problems[i]}`;
        return {
          perSecond: stats.unique / (((stats.lastNewArrival ?? NaN) - produced.firstAcceptAt) / 1000),
          held: stats.held,
          dripped: stats.dripped,
          // The sender's slots the misbehaving endpoints held, on average, while the healthy ones were served.
          badSlots: stats.badOpenMs / ((stats.lastNewArrival ?? NaN) - (stats.firstArrival ?? NaN)),
        };
      },
    );

  for (const { name: variant, layout } of variants)
    for (const loaded of systems) {
      const id = loaded.system.id;
      let healthy = 0;
      for (let i = 0; i < n; i++) if (layout[i % endpoints] === 'healthy') healthy++;
      const healthyEndpoints = layout.filter((k) => k === 'healthy').length;
      log(
        `isolation (${variant}): ${id}, ${n} events over ${endpoints} endpoints (${layout.length - healthyEndpoints} misbehave), then ${healthy} over ${healthyEndpoints}`,
      );
      try {
        const problems: string[] = [];
        const withBad = await measure(loaded, layout, n, healthy, problems, `beside ${variant} endpoints`);
        const alone = await measure(
          loaded,
          Array<Kind>(healthyEndpoints).fill('healthy'),
          healthy,
          healthy,
          problems,
          'healthy only',
        );
        rows.push({
          system: id,
          variant,
          valid: problems.length === 0,
          problems,
          values: {
            healthy_per_s_with_hanging: withBad.perSecond,
            healthy_per_s_alone: alone.perSecond,
            share_pct: (withBad.perSecond / alone.perSecond) * 100,
            held_requests: withBad.held,
            dripped_requests: withBad.dripped,
            bad_slots: withBad.badSlots,
          },
        });
      } catch (error) {
        rows.push(failedRow(id, variant, error));
      }
      const last = rows[rows.length - 1];
      log(
        `  ${last.valid ? `healthy endpoints keep ${last.values.share_pct?.toFixed(0)}% (${last.values.healthy_per_s_with_hanging?.toFixed(0)}/s beside, ${last.values.healthy_per_s_alone?.toFixed(0)}/s alone); bad endpoints held ${last.values.bad_slots?.toFixed(1)} slots on average, ${last.values.held_requests} held and ${last.values.dripped_requests} dripped requests` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
      );
    }
  const describe = (layout: Kind[], kind: Kind) => layout.flatMap((k, i) => (k === kind ? [i] : [])).join(', ');
  return {
    columns: [
      { key: 'healthy_per_s_with_hanging', label: 'healthy deliveries/s beside bad endpoints', better: 'higher' },
      { key: 'healthy_per_s_alone', label: 'healthy deliveries/s alone', better: 'higher' },
      { key: 'share_pct', label: 'kept (%)', digits: 1, better: 'higher' },
      { key: 'held_requests', label: 'requests held by hanging endpoints' },
      { key: 'dripped_requests', label: 'requests answered by dripping endpoints' },
      { key: 'bad_slots', label: 'slots held by bad endpoints (mean)', digits: 1, better: 'lower' },
    ],
    rows,
    ratioMetrics: ['share_pct'],
    notes: [
      `${n.toLocaleString('en-US')} events round-robin over ${endpoints} endpoints. "hanging": endpoints ${describe(variants[0].layout, 'hang')} never answer. "hanging + dripping": the same, and endpoints ${describe(variants[1].layout, 'drip')} answer 200 at once, then their body one byte a second. Each system gives up on a request after ${timeoutMs} ms in all (then retries it).`,
      'The second run of each variant delivers only the events of its healthy endpoints; "kept" = first rate ÷ second rate.',
      `${settings.concurrency} requests in flight at most for every system.`,
    ],
    plots: [],
  };
};
