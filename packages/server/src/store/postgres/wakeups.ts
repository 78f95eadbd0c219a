/**
 * `onDue` for PostgreSQL: who is told that deliveries became due, and how NOTIFY is kept cheap.
 *
 * In this process, listeners are called right after the commit. Other processes hear it by NOTIFY on
 * the schema's channel, sent inside the transaction that made the deliveries, so nobody wakes before
 * the rows are visible. But NOTIFY takes a database-wide lock at commit: measured here with 8
 * connections committing small transactions, adding a NOTIFY to each cut commits from ~1,150-1,700/s
 * to ~300-350/s. So a process sends at most one NOTIFY per `windowMs`: the first transaction in a
 * window carries it; later ones in the same window skip it and one trailing NOTIFY goes out at the
 * window's end, after their commits. Another process thus hears of new work within `windowMs`, and a
 * busy one pays for a few NOTIFYs a second instead of one per commit.
 */
import type { Db } from './db.js';
import { DueListener } from './listener.js';

export interface WakeupOptions {
  db: Db;
  channel: string;
  /** Where to LISTEN: a session connection (the direct URL when the pool goes through pgbouncer). */
  listenConnectionString: string;
  windowMs: number;
  applicationName: string;
  onError: (err: Error, context: string) => void;
}

export class Wakeups {
  private readonly listeners = new Set<() => void>();
  private listener: DueListener | null = null;
  private quietUntil = 0;
  private trailing: NodeJS.Timeout | null = null;
  private callScheduled = false;
  private closed = false;

  constructor(private readonly o: WakeupOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    // LISTEN only in processes that want to hear (dispatchers): an API-only process needs no extra session.
    if (!this.listener && !this.closed) {
      this.listener = new DueListener({
        connectionString: this.o.listenConnectionString,
        channel: this.o.channel,
        onError: this.o.onError,
        applicationName: `${this.o.applicationName}:listen`,
        onNotify: () => this.callListeners(),
      });
      this.listener.start();
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The channel a transaction that may make deliveries due should NOTIFY on, or null to skip it. */
  channelForTransaction(): string | null {
    const now = Date.now();
    if (now < this.quietUntil) return null;
    this.quietUntil = now + this.o.windowMs;
    return this.o.channel;
  }

  /** After a commit that made deliveries due; `notified` says whether the transaction sent NOTIFY. */
  madeDue(notified: boolean): void {
    this.callListeners();
    if (!notified) this.scheduleTrailing();
  }

  private scheduleTrailing(): void {
    if (this.trailing || this.closed) return;
    this.trailing = setTimeout(
      () => {
        this.trailing = null;
        this.quietUntil = Date.now() + this.o.windowMs;
        this.o.db
          .run('notify_due', { channel: this.o.channel }, { idempotent: true })
          .catch((err: Error) => this.o.onError(err, 'could not NOTIFY other processes; they will poll'));
      },
      Math.max(0, this.quietUntil - Date.now()),
    );
    this.trailing.unref();
  }

  /** Calls every listener once per event-loop turn, however many wake-ups arrived in it. */
  private callListeners(): void {
    if (this.callScheduled || this.listeners.size === 0) return;
    this.callScheduled = true;
    setImmediate(() => {
      this.callScheduled = false;
      for (const l of [...this.listeners]) l();
    });
  }

  /** For tests: the LISTEN connection's state. */
  get listening(): DueListener | null {
    return this.listener;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = null;
    }
    await this.listener?.stop();
  }
}
