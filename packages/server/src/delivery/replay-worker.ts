/**
 * Runs bulk replays (`POST /v1/endpoints/{id}/replay`) in the background: leases one unfinished
 * replay, runs it batch by batch (each batch one transaction that moves its cursor and renews the
 * lease), then looks for the next. A worker that dies leaves its replay leased until the lease ends;
 * then any worker, in this process after a restart or in another, resumes it at its cursor.
 *
 *   IDLE ──start()──► LOOKING ──a replay leased──► RUNNING ──window done / lease lost──► LOOKING
 *                        │  none: WAITING pollMs (or a kick), then LOOKING
 *   any ──stop()──► STOPPED (the batch in progress commits first)
 */
import type { Logger } from 'pino';
import type { LeasedReplay, Store } from '../store/types.js';

export interface ReplayWorkerOptions {
  store: Store;
  logger: Logger;
  owner: string;
  /** Events a batch handles (default 500). */
  batch?: number;
  /** The lease a batch renews (default 60 s). */
  leaseMs?: number;
  /** How often to look for a replay when there is none (default 1 s). */
  pollMs?: number;
}

type Mode = 'IDLE' | 'LOOKING' | 'RUNNING' | 'WAITING' | 'STOPPED';

export class ReplayWorker {
  private mode: Mode = 'IDLE';
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(private readonly o: ReplayWorkerOptions) {
    this.batch = o.batch ?? 500;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.pollMs = o.pollMs ?? 1_000;
  }

  start(): void {
    if (this.mode !== 'IDLE') return;
    this.mode = 'LOOKING';
    this.loop = this.run();
  }

  /** A replay was created in this process: look now. */
  kick(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped()) {
      this.mode = 'LOOKING';
      let leased: LeasedReplay | null = null;
      try {
        leased = await this.o.store.leaseReplay(this.o.owner, Date.now(), this.leaseMs);
      } catch (err) {
        this.o.logger.warn({ err }, 'leasing a replay failed; trying again');
      }
      if (leased) {
        this.mode = 'RUNNING';
        await this.runOne(leased);
        continue;
      }
      if (this.stopped()) break;
      this.mode = 'WAITING';
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.pollMs);
      });
      if (this.timer) clearTimeout(this.timer);
      this.wake = null;
    }
  }

  private async runOne(start: LeasedReplay): Promise<void> {
    let r: LeasedReplay | null = start;
    while (r && r.state === 'running' && !this.stopped()) {
      try {
        r = await this.o.store.runReplayBatch(r, this.batch, Date.now(), this.leaseMs);
      } catch (err) {
        // The batch rolled back: the lease stays, and this worker (or, after the lease, another) tries again.
        this.o.logger.warn({ err, replay_id: start.id }, 'a replay batch failed; it is tried again');
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      }
    }
    if (r && r.state !== 'running')
      this.o.logger.info(
        { replay_id: r.id, state: r.state, total: r.total, requeued: r.requeued },
        `replay ${r.state}`,
      );
  }

  /** A method, not a field read: the mode changes while the loop awaits. */
  private stopped(): boolean {
    return this.mode === 'STOPPED';
  }

  async stop(): Promise<void> {
    this.mode = 'STOPPED';
    this.wake?.();
    await this.loop;
  }
}
