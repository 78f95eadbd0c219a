/**
 * Writes attempt results in batches: every result that arrives within RESULT_WINDOW_MS of the first one
 * waiting shares one `Store.recordResults` transaction, and no transaction takes more than RESULT_BATCH
 * results: a backlog of results (a slow write while sends went on) is written as several statements in
 * a row, oldest first. Measured on PostgreSQL, recording n results in one statement grows faster than n
 * (2,000: ~70 ms, 4,000: ~240 ms, and a batch of tens of thousands ran for minutes), so an unbounded
 * batch fed on itself: each slow write let a larger batch pile up behind it (docs/performance.md,
 * "The results backlog"). The dispatcher also counts the results waiting beyond one batch as claims
 * held, so it claims no more while they pile up (dispatcher.ts).
 *
 * Why a window and not one event-loop turn: at a steady 2,000 deliveries a second the answers come one
 * a turn, so a turn's batch was one result, and its transaction's BEGIN and COMMIT (the WAL writes of
 * every page it touched) cost more than its rows: 9 % of the SQLite host's main thread in the latency
 * profile (docs/performance.md, "Caught up, and results in a window"). Nothing waits for a result to be written but
 * the attempt log and the next delivery of the same ordering key, and a result with an ordering key is
 * written at the end of its turn, as before, so ordered deliveries do not slow by the window.
 *
 * On a database error the batch stays buffered and is tried again after RETRY_MS. Nothing here needs
 * to survive a crash: a result not yet written means its delivery's lease ends and the attempt is made
 * again.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { AttemptResult, CircuitPolicy, EndpointTransition, Store } from '../store/types.js';

export const RESULT_BATCH = 512;
/** How long the first result waiting may wait for others to share its transaction. */
export const RESULT_WINDOW_MS = 5;
const RETRY_MS = 500;

export class ResultWriter {
  private results: AttemptResult[] = [];
  /** A flush is queued: at the end of the window, or of this event-loop turn. */
  private scheduled: 'window' | 'turn' | null = null;
  private windowTimer: NodeJS.Timeout | null = null;
  /** The writing in progress, if any: one at a time, so results are written in order. */
  private draining: Promise<void> | null = null;
  /** Results in the statement being written. */
  private writingCount = 0;

  constructor(
    private readonly o: {
      store: Store;
      logger: Logger;
      metrics: Metrics;
      /** The circuit breaker's settings, applied as results are recorded. */
      circuit?: CircuitPolicy;
      /** What recording did to endpoints (circuits opened or closed, endpoints disabled). */
      onTransitions?(transitions: EndpointTransition[]): void;
      /** A batch was written (or failed): the buffer shrank, so a dispatcher waiting for room may claim. */
      onWritten?(): void;
      /** RESULT_WINDOW_MS unless set (tests). */
      windowMs?: number;
    },
  ) {}

  /** Results not yet recorded: waiting, and in the statement being written. */
  get buffered(): number {
    return this.results.length + this.writingCount;
  }

  add(result: AttemptResult): void {
    this.results.push(result);
    this.schedule(result.orderingKey ? 'turn' : 'window');
  }

  private schedule(when: 'window' | 'turn'): void {
    if (this.results.length >= RESULT_BATCH) void this.flush();
    if (this.scheduled === 'turn' || this.scheduled === when) return;
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.windowTimer = null;
    this.scheduled = when;
    const go = () => {
      this.scheduled = null;
      this.windowTimer = null;
      void this.flush();
    };
    if (when === 'turn') setImmediate(go);
    else this.windowTimer = setTimeout(go, this.o.windowMs ?? RESULT_WINDOW_MS);
  }

  /**
   * Writes every buffered result, RESULT_BATCH at a time; resolves when the buffer is empty or a write
   * failed (those results stay buffered and are tried again after RETRY_MS).
   */
  flush(): Promise<void> {
    if (!this.draining)
      this.draining = this.drain().finally(() => {
        this.draining = null;
      });
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.results.length > 0) {
      const batch = this.results.splice(0, RESULT_BATCH);
      this.writingCount = batch.length;
      let failed = false;
      try {
        const transitions = await this.o.store.recordResults(batch, this.o.circuit);
        this.o.metrics.resultsRecorded();
        if (transitions.length > 0) this.o.onTransitions?.(transitions);
      } catch (err) {
        this.o.logger.error({ err, count: batch.length }, 'recording attempt results failed; will retry');
        this.results = batch.concat(this.results);
        setTimeout(() => this.schedule('turn'), RETRY_MS).unref();
        failed = true;
      } finally {
        this.writingCount = 0;
      }
      this.o.onWritten?.();
      if (failed) return;
    }
  }
}
