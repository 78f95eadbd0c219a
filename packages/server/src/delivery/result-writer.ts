/**
 * Writes attempt results in batches: every result that arrives in one event-loop turn shares one
 * `Store.recordResults` transaction (and a batch is written at once when it reaches RESULT_BATCH).
 * Under load one transaction serves hundreds of attempts; a lone result is written on the next turn.
 *
 * On a database error the batch stays buffered and is tried again after RETRY_MS. Nothing here needs
 * to survive a crash: a result not yet written means its delivery's lease ends and the attempt is made
 * again.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { AttemptResult, CircuitPolicy, EndpointTransition, Store } from '../store/types.js';

const RESULT_BATCH = 512;
const RETRY_MS = 500;

export class ResultWriter {
  private results: AttemptResult[] = [];
  /** A flush is queued for the end of this event-loop turn. */
  private scheduled = false;
  /** The write in progress, if any: flushes never overlap, so results are written in order. */
  private writing: Promise<void> | null = null;

  constructor(
    private readonly o: {
      store: Store;
      logger: Logger;
      metrics: Metrics;
      /** The circuit breaker's settings, applied as results are recorded. */
      circuit?: CircuitPolicy;
      /** What recording did to endpoints (circuits opened or closed, endpoints disabled). */
      onTransitions?(transitions: EndpointTransition[]): void;
    },
  ) {}

  /** Results waiting to be written. */
  get buffered(): number {
    return this.results.length;
  }

  add(result: AttemptResult): void {
    this.results.push(result);
    this.schedule();
  }

  private schedule(): void {
    if (this.results.length >= RESULT_BATCH) {
      void this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    // One flush per event-loop turn: every response that arrived in this turn shares a transaction.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Writes buffered results. On a database error they stay buffered and are tried again. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.results.length === 0) return;
    const batch = this.results;
    this.results = [];
    this.writing = (async () => {
      try {
        const transitions = await this.o.store.recordResults(batch, this.o.circuit);
        this.o.metrics.resultsRecorded();
        if (transitions.length > 0) this.o.onTransitions?.(transitions);
      } catch (err) {
        this.o.logger.error({ err, count: batch.length }, 'recording attempt results failed; will retry');
        this.results = batch.concat(this.results);
        setTimeout(() => this.schedule(), RETRY_MS).unref();
      }
    })();
    try {
      await this.writing;
    } finally {
      this.writing = null;
    }
  }
}
