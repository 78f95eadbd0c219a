/**
 * In-process counters and histograms, exposed in the Prometheus text format at `GET /metrics`.
 * Kept dependency-free: a handful of counters does not justify a metrics library on the hot path,
 * where an increment here is one property write.
 */
import type { ErrorClass } from './store/types.js';

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

export class Metrics {
  readonly counters = {
    eventsAccepted: 0,
    eventsDeduplicated: 0,
    deliveriesSucceeded: 0,
    deliveriesFailed: 0,
    deliveriesRetried: 0,
    claims: 0,
    claimedDeliveries: 0,
    resultFlushes: 0,
  };
  readonly attemptsByClass = new Map<string, number>();
  private readonly latency = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;
  /** Read at scrape time: gauges owned by other parts (in flight, pending). */
  readonly gauges = new Map<string, () => number>();

  attempt(errorClass: ErrorClass | null, durationMs: number): void {
    const k = errorClass ?? 'ok';
    this.attemptsByClass.set(k, (this.attemptsByClass.get(k) ?? 0) + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && durationMs > LATENCY_BUCKETS_MS[i]) i++;
    this.latency[i]++;
    this.latencySum += durationMs;
    this.latencyCount++;
  }

  render(extra: Record<string, number> = {}): string {
    const lines: string[] = [];
    const c = this.counters;
    const counter = (name: string, help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
    };
    counter('payhook_events_accepted_total', 'Events accepted by the API or the payment module.', c.eventsAccepted);
    counter(
      'payhook_events_deduplicated_total',
      'Events answered from an earlier idempotency key.',
      c.eventsDeduplicated,
    );
    counter('payhook_deliveries_succeeded_total', 'Deliveries that got a 2xx.', c.deliveriesSucceeded);
    counter('payhook_deliveries_failed_total', 'Deliveries that failed for good.', c.deliveriesFailed);
    counter('payhook_deliveries_retried_total', 'Attempts that were scheduled for a retry.', c.deliveriesRetried);
    lines.push(
      '# HELP payhook_attempts_total Delivery attempts by outcome class.',
      '# TYPE payhook_attempts_total counter',
    );
    for (const [k, v] of this.attemptsByClass) lines.push(`payhook_attempts_total{class="${k}"} ${v}`);
    lines.push('# HELP payhook_attempt_duration_ms Attempt duration.', '# TYPE payhook_attempt_duration_ms histogram');
    let cum = 0;
    LATENCY_BUCKETS_MS.forEach((b, i) => {
      cum += this.latency[i];
      lines.push(`payhook_attempt_duration_ms_bucket{le="${b}"} ${cum}`);
    });
    cum += this.latency[LATENCY_BUCKETS_MS.length];
    lines.push(
      `payhook_attempt_duration_ms_bucket{le="+Inf"} ${cum}`,
      `payhook_attempt_duration_ms_sum ${this.latencySum}`,
      `payhook_attempt_duration_ms_count ${this.latencyCount}`,
    );
    const gauges = { ...Object.fromEntries([...this.gauges].map(([k, f]) => [k, f()])), ...extra };
    for (const [k, v] of Object.entries(gauges)) lines.push(`# TYPE ${k} gauge`, `${k} ${v}`);
    return `${lines.join('\n')}\n`;
  }
}
