/**
 * The safety net of ordered delivery (store sql/ordering.sql): a delivery appended behind a blocking
 * one is parked, and made due when the one before it finishes. On PostgreSQL the two can happen at
 * the same moment in transactions that do not see each other, and the parked delivery would wait for
 * nothing. This sweep makes such deliveries due: on start every parked delivery is looked at (a crash
 * may have left any), then every `intervalMs` only those created in the last `windowMs` (the race
 * happens only around an append), which keeps each sweep to a few index reads.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';

export interface OrderingSweepOptions {
  store: Store;
  logger: Logger;
  /** Default 5 s: the longest a forgotten parked delivery waits. */
  intervalMs?: number;
  /** Default 60 s. */
  windowMs?: number;
}

export class OrderingSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private first = true;
  private readonly intervalMs: number;
  private readonly windowMs: number;

  constructor(private readonly o: OrderingSweepOptions) {
    this.intervalMs = o.intervalMs ?? 5_000;
    this.windowMs = o.windowMs ?? 60_000;
  }

  start(): void {
    if (this.timer) return;
    this.sweep();
    this.timer = setInterval(() => this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  private sweep(): void {
    if (this.running) return;
    const now = Date.now();
    const since = this.first ? 0 : now - this.windowMs;
    this.running = this.o.store
      .unparkOrdered(since, now)
      .then((n) => {
        this.first = false;
        if (n > 0) this.o.logger.debug({ n }, 'ordered deliveries unparked by the sweep');
      })
      .catch((err) => this.o.logger.warn({ err }, 'the sweep of parked ordered deliveries failed; it runs again'))
      .finally(() => {
        this.running = null;
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
