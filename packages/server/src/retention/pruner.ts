/**
 * Retention: what is older than PAYHOOK_RETENTION_DAYS goes, without ever stalling delivery.
 *
 * One run (`runOnce`, also `payhook prune`):
 *
 *   1. partitions ahead   PostgreSQL: the day partitions from yesterday to a week ahead exist, so new
 *                         events never land in the default partition (made by whichever process runs
 *                         first; an advisory lock serialises two)
 *   2. drop whole days    PostgreSQL: each day partition that ended before the cutoff and holds no
 *                         pending delivery is dropped with its deliveries and attempts (a few catalog
 *                         writes, however many rows; lock_timeout 500 ms, so a DROP waiting for a long
 *                         reader never queues the claims behind it: it fails and waits for next time)
 *   3. rows in batches    events older than the cutoff none of whose deliveries is pending, `batch` at a
 *                         time, each batch one short transaction, `pauseMs` between two so claims and
 *                         results get the database in between. On SQLite this is all of retention; on
 *                         PostgreSQL only the default partitions and days kept by a pending delivery
 *   4. leftovers          PostgreSQL: idempotency keys and resends of the dropped days, in batches
 *
 * An event whose delivery is still pending (waiting for a retry, or claimed) is never removed, nor is
 * its day dropped: it goes at the first run after its last delivery finished.
 *
 * The scheduler runs in processes with a dispatcher, a minute after start and then every `intervalMs`; a run that is still going when
 * the next is due is not started twice. `stop()` ends a run between two batches.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { PartitionDrop, PruneCounts, Store } from '../store/types.js';

const DAY_MS = 86_400_000;
/** Partitions are made this far ahead, so a run that fails for days still leaves room. */
const AHEAD_MS = 7 * DAY_MS;

export interface PrunerOptions {
  retentionDays: number;
  /** Events a row-wise batch removes. */
  batch: number;
  /** Pause between two batches. */
  pauseMs: number;
}

/** What one run removed. */
export interface PruneReport {
  /** The cutoff: rows older than it were candidates (unix ms). */
  before: number;
  /** Day partitions made ahead (PostgreSQL). */
  partitionsMade: number;
  /** Day partitions looked at: dropped, or kept for a pending delivery (PostgreSQL). */
  partitions: PartitionDrop[];
  /** Rows removed with dropped partitions. */
  dropped: PruneCounts;
  /** Rows deleted in batches. */
  deleted: PruneCounts;
  /** Idempotency keys and resends of dropped days removed afterwards (PostgreSQL). */
  leftovers: number;
  /** False when `stop()` ended the run early. */
  complete: boolean;
}

const zero = (): PruneCounts => ({ events: 0, deliveries: 0, attempts: 0 });
const add = (a: PruneCounts, b: PruneCounts): void => {
  a.events += b.events;
  a.deliveries += b.deliveries;
  a.attempts += b.attempts;
};

export class Pruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PruneReport> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly options: PrunerOptions,
    private readonly metrics: Metrics | null = null,
    private readonly logger: Logger | null = null,
  ) {}

  /** One run now; a run already going is joined rather than started again. */
  runOnce(now = Date.now()): Promise<PruneReport> {
    if (!this.running) {
      this.running = this.run(now).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /**
   * Runs a minute after start (or after `intervalMs`, if shorter), then every `intervalMs`, so a
   * process restarted more often than the interval still prunes. `unref`'d: it keeps no process alive.
   */
  start(intervalMs: number): void {
    this.stopped = false;
    const tick = () => {
      this.runOnce().then(
        (r) => this.log(r),
        (err) => this.logger?.warn({ err }, 'retention: pruning failed; the next run tries again'),
      );
    };
    this.timer = setTimeout(
      () => {
        tick();
        this.timer = setInterval(tick, intervalMs);
        this.timer.unref();
      },
      Math.min(intervalMs, 60_000),
    );
    this.timer.unref();
  }

  /** Stops the schedule and ends a run between two batches; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    await this.running?.catch(() => {});
  }

  private async run(now: number): Promise<PruneReport> {
    const before = now - this.options.retentionDays * DAY_MS;
    const report: PruneReport = {
      before,
      partitionsMade: await this.store.preparePartitions(now - DAY_MS, now + AHEAD_MS),
      partitions: [],
      dropped: zero(),
      deleted: zero(),
      leftovers: 0,
      complete: false,
    };
    report.partitions = await this.store.dropPartitions(before);
    for (const p of report.partitions) if (p.dropped) add(report.dropped, p);
    this.count(report.dropped, 'partition');

    while (!this.stopped) {
      const n = await this.store.pruneEvents(before, this.options.batch);
      add(report.deleted, n);
      this.count(n, 'row');
      if (n.events < this.options.batch) break;
      await this.pause();
    }
    if (report.partitions.some((p) => p.dropped)) {
      while (!this.stopped) {
        const n = await this.store.pruneOrphans(before, this.options.batch);
        report.leftovers += n;
        if (n < this.options.batch) break;
        await this.pause();
      }
    }
    report.complete = !this.stopped;
    return report;
  }

  private count(n: PruneCounts, how: 'partition' | 'row'): void {
    this.metrics?.pruned('events', how, n.events);
    this.metrics?.pruned('deliveries', how, n.deliveries);
    this.metrics?.pruned('attempts', how, n.attempts);
  }

  private pause(): Promise<void> {
    if (this.options.pauseMs === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, this.options.pauseMs);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private log(r: PruneReport): void {
    const removed = r.dropped.events + r.deleted.events;
    if (removed === 0 && r.partitionsMade === 0) return;
    this.logger?.info(
      {
        before: new Date(r.before).toISOString(),
        partitionsDropped: r.partitions.filter((p) => p.dropped).map((p) => p.day),
        partitionsKept: r.partitions.filter((p) => !p.dropped).map((p) => p.day),
        partitionsMade: r.partitionsMade,
        dropped: r.dropped,
        deleted: r.deleted,
      },
      'retention: pruned',
    );
  }
}
