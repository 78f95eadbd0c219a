/**
 * payhook's metrics, served at `GET /metrics` in the Prometheus text format by prom-client, named by
 * Prometheus's conventions: a `payhook_` prefix, base units (`_seconds`), `_total` on counters. Every
 * metric, with what it means and how to alert on it, is in docs/operations.md.
 *
 * Three kinds of figures:
 *
 *   counted where they happen   events accepted, attempts by outcome and error class, attempt
 *                               durations, claims and result batches (the methods below)
 *   read at scrape time         from the part that owns them (`gauge`): the dispatcher's requests in
 *                               flight and claims held
 *   read from the store         queue depth and how long the oldest due delivery has waited
 *                               (`queueGauges`), cached so that scrapes cannot load the database
 *
 * and Node.js's own (`process_*`, `nodejs_*`: CPU, memory, event-loop delay, GC), process-wide.
 *
 * prom-client on the hot path, measured (docs/performance.md): an attempt costs one labelled counter
 * increment and one unlabelled histogram observation, ~0.4 µs together, against ~100–500 µs of
 * dispatcher CPU per delivery; an accepted event one unlabelled increment (~10 ns).
 *
 * Other parts add their own metrics through `counter`, `gauge` and `histogram`, which keep prom-client
 * behind this file and hold every name to the conventions; `deliveryControls()` is the one the
 * dispatcher's per-endpoint controls (rate limits, circuit breakers) report to.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptOutcome, ErrorClass, QueueStats } from './store/types.js';

/** Attempt durations, in seconds: from a fast local receiver to the longest timeout (30 s). */
export const ATTEMPT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
/** Rate-limited waits, in seconds: a share of a second up to a minute. */
export const RATE_LIMIT_WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** The store's queue figures are read at most this often… */
export const QUEUE_STATS_MIN_TTL_MS = 5000;
/** …and at most once per this many times the last read took, so reading stays under 1 % of the time. */
export const QUEUE_STATS_COST_FACTOR = 100;

/** Label names to values. */
export type Labels = Record<string, string>;
/** One value of a gauge read at scrape time, with its labels (none for an unlabelled gauge). */
export interface GaugeSample {
  labels?: Labels;
  value: number;
}
type GaugeReading = number | readonly GaugeSample[];

/** What the dispatcher's per-endpoint delivery controls report (docs/operations.md#metrics). */
export interface DeliveryControlsMetrics {
  /** How many endpoints are in each circuit state (`closed`, `open`, `half_open`), read at scrape time. */
  circuits(read: () => Readonly<Record<string, number>>): void;
  /** A delivery waited `ms` for its endpoint's rate limit. */
  rateLimitedWait(ms: number): void;
}

const NAME = /^payhook_[a-z][a-z0-9_]*$/;

let processRegistry: Registry | null = null;

/** Node.js's process metrics, one set for the process however many payhooks it runs; made at the first scrape. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly accepted: Counter;
  private readonly deduplicated: Counter;
  private readonly attempts: Counter<'outcome' | 'error_class'>;
  private readonly durations: Histogram;
  private readonly claims: Counter;
  private readonly claimedDeliveries: Counter;
  private readonly claimedAtAppendDeliveries: Counter;
  private readonly resultBatches: Counter;
  private readonly prunedRows: Counter<'table' | 'how'>;
  private controls: DeliveryControlsMetrics | null = null;

  constructor() {
    this.accepted = this.counter(
      'payhook_events_accepted_total',
      'Events accepted through POST /v1/events (stored with their deliveries).',
    );
    this.deduplicated = this.counter(
      'payhook_events_deduplicated_total',
      'Events answered from an earlier event with the same idempotency key (nothing new stored).',
    );
    this.attempts = this.counter(
      'payhook_delivery_attempts_total',
      'Delivery attempts, by what became of the delivery (succeeded, retry, failed) and why the attempt failed (error_class; none for a 2xx).',
      ['outcome', 'error_class'],
    );
    this.durations = this.histogram(
      'payhook_delivery_attempt_duration_seconds',
      'Time from sending a webhook to its complete answer (or timeout, or connection failure).',
      ATTEMPT_DURATION_BUCKETS,
    );
    this.claims = this.counter('payhook_dispatcher_claims_total', 'Claims that returned due deliveries.');
    this.claimedDeliveries = this.counter('payhook_dispatcher_claimed_deliveries_total', 'Deliveries claimed.');
    this.claimedAtAppendDeliveries = this.counter(
      'payhook_dispatcher_claimed_at_append_total',
      'Deliveries claimed in the transaction that created them, by an idle dispatcher beside the API (SQLite); also counted in payhook_dispatcher_claimed_deliveries_total.',
    );
    this.resultBatches = this.counter(
      'payhook_dispatcher_result_batches_total',
      'Transactions that recorded attempt results (one per event-loop turn with results).',
    );
    this.prunedRows = this.counter(
      'payhook_pruned_rows_total',
      'Rows removed by retention, by table (events, deliveries, attempts) and how (partition: a day dropped whole on PostgreSQL; row: deleted in batches).',
      ['table', 'how'],
    );
  }

  // Counted where they happen -----------------------------------------------------------------------

  eventAccepted(): void {
    this.accepted.inc();
  }

  eventDeduplicated(): void {
    this.deduplicated.inc();
  }

  /** One attempt; `durationMs` is null for one that could not be prepared (no request was made). */
  attempt(outcome: AttemptOutcome, errorClass: ErrorClass | null, durationMs: number | null): void {
    this.attempts.inc({ outcome, error_class: errorClass ?? 'none' });
    if (durationMs !== null) this.durations.observe(durationMs / 1000);
  }

  /** Deliveries claimed as their events were appended (Dispatcher.directClaim): a claim of its own kind. */
  claimedAtAppend(deliveries: number): void {
    this.claimed(deliveries);
    this.claimedAtAppendDeliveries.inc(deliveries);
  }

  claimed(deliveries: number): void {
    this.claims.inc();
    this.claimedDeliveries.inc(deliveries);
  }

  resultsRecorded(): void {
    this.resultBatches.inc();
  }

  /** Rows retention removed from one table. */
  pruned(table: 'events' | 'deliveries' | 'attempts', how: 'partition' | 'row', rows: number): void {
    if (rows > 0) this.prunedRows.inc({ table, how }, rows);
  }

  // The extension point -----------------------------------------------------------------------------

  /** A counter; `inc(labels, by)` counts. Its name must end in `_total`. */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    checkName(name, '_total');
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A histogram of a quantity in base units (seconds, bytes); the name says the unit. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    checkName(name, '_seconds', '_bytes');
    return new Histogram({ name, help, buckets: [...buckets], labelNames, registers: [this.registry] });
  }

  /**
   * A gauge whose value is read from its owner at each scrape: a number, or one sample per label set.
   * A read that throws leaves the gauge without samples for that scrape.
   */
  gauge(
    name: string,
    help: string,
    read: () => GaugeReading | Promise<GaugeReading>,
    labelNames: readonly string[] = [],
  ): void {
    checkName(name);
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        let reading: GaugeReading;
        try {
          reading = await read();
        } catch {
          this.remove({}); // no sample rather than a made-up 0
          return;
        }
        if (typeof reading === 'number') this.set(reading);
        else for (const s of reading) this.set(s.labels ?? {}, s.value);
      },
    });
  }

  /**
   * The metrics of the per-endpoint delivery controls, made on the first call: `payhook_endpoint_circuits`
   * (a gauge by `state`), `payhook_rate_limited_waits_total` and `payhook_rate_limited_wait_seconds`.
   */
  deliveryControls(): DeliveryControlsMetrics {
    if (this.controls) return this.controls;
    const waits = this.counter(
      'payhook_rate_limited_waits_total',
      "Deliveries that waited for their endpoint's rate limit.",
    );
    const waited = this.histogram(
      'payhook_rate_limited_wait_seconds',
      "How long a delivery waited for its endpoint's rate limit.",
      RATE_LIMIT_WAIT_BUCKETS,
    );
    let readCircuits: (() => Readonly<Record<string, number>>) | null = null;
    this.gauge(
      'payhook_endpoint_circuits',
      'Endpoints known to this dispatcher, by circuit state.',
      () => Object.entries(readCircuits?.() ?? {}).map(([state, value]) => ({ labels: { state }, value })),
      ['state'],
    );
    this.controls = {
      circuits(read) {
        readCircuits = read;
      },
      rateLimitedWait(ms) {
        waits.inc();
        waited.observe(ms / 1000);
      },
    };
    return this.controls;
  }

  // Exposition --------------------------------------------------------------------------------------

  /** The Content-Type of `render()`'s text (the Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format: this payhook's, then the process's. */
  async render(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    // prom-client 15 writes NaN as `Nan` (the event-loop figures before their first sample); the
    // format, and parsers stricter than Prometheus's own, want `NaN`.
    return `${own}\n${proc}`.replace(/ Nan$/gm, ' NaN');
  }
}

/**
 * Registers the queue gauges, read from `read` (the store's `queueStats`) at most every
 * QUEUE_STATS_MIN_TTL_MS, and no more often than QUEUE_STATS_COST_FACTOR times the last read took;
 * scrapes that arrive meanwhile, or during a read, share its result. A read that fails is logged by
 * `onError` and the gauges have no samples until one succeeds.
 */
export function queueGauges(
  metrics: Metrics,
  read: () => Promise<QueueStats>,
  onError: (err: unknown) => void,
  clock: () => number = Date.now,
): void {
  let cached: { until: number; stats: Promise<QueueStats> } | null = null;
  const stats = (): Promise<QueueStats> => {
    const now = clock();
    if (cached && now < cached.until) return cached.stats;
    const started = performance.now();
    const entry = {
      until: Number.POSITIVE_INFINITY, // until it settles: concurrent scrapes share this read
      stats: read().then(
        (s) => {
          entry.until =
            clock() + Math.max(QUEUE_STATS_MIN_TTL_MS, (performance.now() - started) * QUEUE_STATS_COST_FACTOR);
          return s;
        },
        (err) => {
          entry.until = clock() + QUEUE_STATS_MIN_TTL_MS;
          onError(err);
          throw err;
        },
      ),
    };
    entry.stats.catch(() => {}); // read by the gauges; an unread failure is not unhandled
    cached = entry;
    return entry.stats;
  };
  metrics.gauge(
    'payhook_deliveries_pending',
    'Pending deliveries in the store (due, claimed, or waiting for their next retry), across every process.',
    async () => (await stats()).pending,
  );
  metrics.gauge(
    'payhook_deliveries_oldest_due_age_seconds',
    'How long the delivery that has waited longest for a dispatcher has been due; 0 when none is overdue.',
    async () => {
      const { oldestDueAt } = await stats();
      return oldestDueAt === null ? 0 : Math.max(0, clock() - oldestDueAt) / 1000;
    },
  );
}

function checkName(name: string, ...suffixes: string[]): void {
  if (!NAME.test(name)) throw new Error(`metric name ${name}: must be payhook_ and lower-case snake_case`);
  if (suffixes.length > 0 && !suffixes.some((s) => name.endsWith(s)))
    throw new Error(`metric name ${name}: must end in ${suffixes.join(' or ')}`);
}
