/**
 * The claim loop: takes due deliveries from the store in batches and hands them to the endpoint queues.
 * It is always in exactly one mode:
 *
 *   IDLE              not started yet
 *   CLAIMING          deciding, claiming (`Store.claimDue`), or asking when work is next due
 *   SLEEPING          nothing claimable is due: waits for the next due time (at most the poll interval)
 *   WAITING_FOR_ROOM  too few free claim slots, or what is due belongs to saturated endpoints: waits for
 *                     a send to finish (at most the poll interval)
 *   BACKING_OFF       the last claim failed: waits 100 ms, doubling to 10 s while claims keep failing
 *   STOPPED           stop() was called; a claim in progress still hands its batch over
 *
 *   from              on                                                         to
 *   IDLE              start()                                                    CLAIMING
 *   CLAIMING          free slots < min(a batch, half the claim slots)             WAITING_FOR_ROOM
 *   CLAIMING          the claim failed                                           BACKING_OFF
 *   CLAIMING          a full batch (more may be due), or a kick during the claim CLAIMING
 *                     (at once: no `nextDueAt` in between)
 *   CLAIMING          a short batch, due work left and saturated endpoints
 *                     (left out of the claim, or filled by it)                   WAITING_FOR_ROOM
 *                     (CLAIMING at once if a send ended since the claim began)
 *   CLAIMING          a short batch, nothing else due now, or due work left
 *                     that no endpoint's room holds back                         SLEEPING
 *   SLEEPING          kick, timer                                                CLAIMING
 *   WAITING_FOR_ROOM  a send finished, kick (not after a fruitless claim), timer   CLAIMING
 *   BACKING_OFF       kick, timer                                                CLAIMING
 *   any               stop()                                                     STOPPED
 *
 * A kick is "new work may be due" (new events, a manual retry, a release: `Store.onDue`). One that
 * arrives while CLAIMING is remembered, so the loop claims again instead of waiting: without that, an
 * event accepted between a claim and the next wait waited a whole poll interval. Except after a
 * *fruitless* claim, one that took nothing while it left saturated endpoints out and work is due: all
 * of that work is theirs, and the next claim would read the whole due backlog past the same endpoints
 * to find nothing again (at the start of a bulk import every appended batch kicked such a claim, 4–20 ms
 * each, a hundred of them before the first delivery: docs/performance.md, "Claims that found nothing").
 * Then the loop waits for a send to end (an endpoint with room again) or the timer, and a kick is only
 * remembered: new work for an endpoint that is not saturated waits for the first send to end, at most
 * the poll interval. A send that ends while the loop is still CLAIMING (after the claim looked at the
 * saturated endpoints, during the claim or the `nextDueAt` after it) is remembered too, and the wait
 * for room is skipped: without that, its endpoint's due work waited a whole poll interval with nothing
 * left in flight to wake the loop (seen as a two-process PostgreSQL test that stalled after its
 * first deliveries: an endpoint starts at one request in flight, so it is saturated at every send).
 * Going to sleep after a short batch (rather than claiming again to see an empty result) saves an empty
 * claim transaction per event at a steady trickle of events; a kick still wakes the loop at once. It also
 * sleeps, and does not wait for room, when work is due that the claim passed by although no endpoint was
 * saturated: the store's controls hold it (an open circuit whose backlog is still being held in steps, a
 * probe out), and a send's end frees nothing it needs. Waiting for room there made every send that ended
 * start a claim that read past the whole held backlog to find nothing (20 ms each for 100,000 rows, back
 * to back as the sends ended: docs/performance.md, "An open circuit's new deliveries wait for its
 * probe"); what makes such work claimable kicks the loop (a circuit that closes notifies, as does a
 * release, an unpark or an ordered key that moves on).
 *
 * `caughtUp` says that nothing claimable was left due at the loop's last look: it is SLEEPING, or its
 * last claim was short and left no endpoint out (none saturated), through the next claim too. Only then
 * may the store hand new deliveries to the dispatcher as they are appended (`Dispatcher.directClaim`):
 * they pass no backlog, only what was appended since that look and not handed over (a kick), which the
 * claim running or the next one takes, a claim's round trip later. Counting the moments after a short
 * claim, and not only the sleep, matters under a steady stream of requests: the loop's turn between
 * claims (`yieldToIo`) is when the requests' appends run, and an append the loop could not take was one
 * more claim transaction of a few deliveries each (the ingest profile, docs/performance.md). Counting
 * the claims that follow a kick matters where a claim is a round trip (PostgreSQL): appends commit
 * while it runs, and when a kick ended caught-up, every append left its deliveries to the loop and
 * kicked it again, so the loop never caught up at a steady 1,000 events/s and nearly every delivery
 * paid a claim ("PostgreSQL claims at append", docs/performance.md).
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { EndpointId } from '../ids.js';
import type { Metrics } from '../metrics.js';
import type { ClaimedDelivery, Store } from '../store/types.js';

export type ClaimLoopMode = 'IDLE' | 'CLAIMING' | 'SLEEPING' | 'WAITING_FOR_ROOM' | 'BACKING_OFF' | 'STOPPED';
type WaitingMode = 'SLEEPING' | 'WAITING_FOR_ROOM' | 'BACKING_OFF';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

export interface ClaimLoopOptions {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  owner: string;
  leaseMs: number;
  pollIntervalMs: number;
  claimBatch: number;
  /** The most claims the dispatcher holds at once. */
  maxClaimed: number;
  /** How many claims the dispatcher holds now. */
  claimed(): number;
  /** Endpoints at their allowance, left out of the claim. */
  saturated(): EndpointId[];
  /** PAYHOOK_RATE_LIMIT_BURST, for the claim (ClaimOptions.rateBurst). */
  rateBurst?: number;
  /** Deliveries a claim held back for their endpoint's rate limit (ClaimOptions.onRateLimited). */
  onRateLimited?(count: number, totalWaitMs: number): void;
  /** Takes a claimed batch, leased until `leaseEnd`. */
  accept(batch: ClaimedDelivery[], leaseEnd: number): void;
  /** Runs before each claim: puts off what the claim could not take anyway (deferral.ts). */
  beforeClaim?(now: number): Promise<void>;
}

export class ClaimLoop {
  private current: ClaimLoopMode = 'IDLE';
  /** A kick arrived while CLAIMING: the claim may not have seen that work (see the header). */
  private kicked = false;
  /** The last claim was short and left no endpoint out, and the loop has not waited since but to sleep (`caughtUp`). */
  private clear = false;
  /** The last claim took nothing while it left saturated endpoints out (see the header). */
  private fruitless = false;
  /**
   * A send ended since this claim looked at the saturated endpoints: one it left out may have room
   * now. Its `roomFreed` came while CLAIMING, when there was no wait to end, so the wait for room that
   * follows must not start (see the header).
   */
  private freed = false;
  /** Ends the current wait early. */
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly o: ClaimLoopOptions) {}

  get mode(): ClaimLoopMode {
    return this.current;
  }

  /** Nothing claimable was left due at the last look, and nothing new is known to be due since. */
  get caughtUp(): boolean {
    return this.current === 'SLEEPING' || (this.current === 'CLAIMING' && this.clear);
  }

  start(): void {
    if (this.current !== 'IDLE') return;
    this.current = 'CLAIMING';
    this.unsubscribe = this.o.store.onDue(() => this.kick());
    this.loop = this.run().catch((err) => this.o.logger.error({ err }, 'dispatcher loop stopped unexpectedly'));
  }

  /** New work may be due: a waiting loop claims at once; a claiming one claims again after this claim. */
  kick(): void {
    if (this.current === 'CLAIMING' || this.current === 'IDLE') this.kicked = true;
    else if (this.current === 'WAITING_FOR_ROOM' && this.fruitless) this.kicked = true;
    else this.wake();
  }

  /** A send finished: wakes the loop if it waits for room; a claiming loop remembers it. */
  roomFreed(): void {
    if (this.current === 'WAITING_FOR_ROOM') this.wake();
    else if (this.current === 'CLAIMING') this.freed = true;
  }

  /** Stops claiming; resolves once a claim in progress has handed its batch over. */
  async stop(): Promise<void> {
    this.current = 'STOPPED';
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.wake();
    await this.loop;
  }

  private wake(): void {
    const w = this.wakeUp;
    if (w) {
      this.wakeUp = null;
      w();
    }
  }

  /** Waits in `mode` for `ms` or a wake-up, then returns to CLAIMING (unless stopped meanwhile). */
  private wait(mode: WaitingMode, ms: number): Promise<void> {
    // A sleep follows a look that found nothing due; after any other wait the loop looks again first.
    if (mode !== 'SLEEPING') this.clear = false;
    if (this.current === 'STOPPED') return Promise.resolve();
    if (this.kicked && !(mode === 'WAITING_FOR_ROOM' && this.fruitless)) {
      this.kicked = false;
      return Promise.resolve();
    }
    if (mode === 'WAITING_FOR_ROOM' && this.freed) {
      this.freed = false;
      return Promise.resolve();
    }
    this.current = mode;
    return new Promise((resolve) => {
      const done = () => {
        this.wakeUp = null;
        if (this.current === mode) this.current = 'CLAIMING';
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        done();
      };
    });
  }

  private async run(): Promise<void> {
    const { store, leaseMs, pollIntervalMs, claimBatch, maxClaimed } = this.o;
    let backoff = FIRST_BACKOFF_MS;
    while (this.current !== 'STOPPED') {
      this.freed = false; // the room below is counted now: only a send that ends after this counts
      const room = maxClaimed - this.o.claimed();
      // Wait for room for a full batch, or for half the claim slots (the sender's share: what was sent
      // since the last claim), rather than claiming in dribs. Each claim is a transaction with a cost of
      // its own: on PostgreSQL a claim of 120 rows took 47-54 µs a row against 56-68 for claims of 60
      // (docs/performance.md, "Larger claims"); at 32 free slots the throughput scenario's claims were
      // of ~60 rows, at half the slots ~112, with a sixth less of PostgreSQL's CPU a delivery.
      if (room < Math.min(claimBatch, maxClaimed / 2)) {
        await this.wait('WAITING_FOR_ROOM', pollIntervalMs);
        continue;
      }
      this.kicked = false; // this claim sees everything committed so far
      let batch: ClaimedDelivery[];
      const now = Date.now();
      const limit = Math.min(room, claimBatch);
      let excluded: EndpointId[] = [];
      try {
        await this.o.beforeClaim?.(now);
        this.freed = false; // the endpoints left out are decided now: only a send that ends after this counts
        excluded = this.o.saturated();
        batch = await store.claimDue({
          now,
          limit,
          leaseMs,
          owner: this.o.owner,
          excludeEndpoints: excluded,
          rateBurst: this.o.rateBurst,
          onRateLimited: this.o.onRateLimited,
        });
        backoff = FIRST_BACKOFF_MS;
      } catch (err) {
        this.o.logger.error({ err }, 'claiming deliveries failed; retrying');
        await this.wait('BACKING_OFF', backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      this.clear = batch.length < limit && excluded.length === 0;
      this.fruitless = batch.length === 0 && excluded.length > 0;
      if (batch.length > 0) {
        this.o.metrics.claimed(batch.length);
        this.o.accept(batch, now + leaseMs);
        await yieldToIo(); // let sends and responses run between claims
        if (batch.length >= limit) continue; // a full batch may have left more behind
      }
      // Work committed during the claim (a kick) is claimed at once: asking when work is next due
      // first would put one more round trip between its commit and its claim (PostgreSQL trace,
      // docs/performance.md).
      if (this.kicked && !this.fruitless) continue;
      let next: number | null = null;
      try {
        next = await store.nextDueAt();
      } catch {
        /* poll below */
      }
      // Due work that was not claimed belongs to saturated endpoints, if any (those this claim left out, or
      // those it filled): a finished send wakes the loop. With none, the store's own controls hold it (an
      // open circuit whose hold is still in steps, a probe out), which no send's end changes: the loop
      // sleeps until a kick (a circuit that closes, new events) or the poll, rather than reading past
      // that work again at every send that ends (see the header).
      const dueNow = next !== null && next <= now;
      if (!dueNow) this.fruitless = false; // nothing due: a kick is new work, claimed at once
      const forRoom = dueNow && (excluded.length > 0 || this.o.saturated().length > 0);
      const ms = next === null || dueNow ? pollIntervalMs : Math.min(next - now, pollIntervalMs);
      await this.wait(forRoom ? 'WAITING_FOR_ROOM' : 'SLEEPING', Math.max(ms, 1));
    }
  }
}
