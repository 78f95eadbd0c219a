/**
 * Paces the due deliveries of endpoints that are in trouble and have no room, so claims stop reading
 * them.
 *
 * A claim reads the due index oldest first and leaves out the endpoints this dispatcher has no room
 * for (`EndpointQueues.saturated`). An endpoint that hangs is held to one request, so its deliveries
 * pile up as the oldest due rows, and every claim read past all of them again: in the isolation
 * benchmark (10 hanging endpoints of 50, 2,000 deliveries each) a claim took 6 ms beside them against
 * 1 ms without, 2,000 claims a run, which was the healthy endpoints' loss (docs/performance.md,
 * "Claims read past the hanging endpoints"). So before a claim, each endpoint that is both saturated and
 * in trouble (the governor's `troubled`: its last answer was a timeout, a failed connection or a slow
 * answer) has its unclaimed due deliveries spread out at the pace it can take them
 * (`Store.deferEndpoint`), at most once per timeout: its limit's worth of them (`perStep`) due after
 * one of its average request durations (`stepMs`, at most the timeout), the next after two, and so on
 * up to `horizonMs` (the circuit breaker's first cool-down), where the rest wait.
 *
 * Paced, not all put off by one timeout as before: those moved every row again each time they came due
 * together, and a moved row is a written page (the rows of one endpoint lie among everyone's; ~30 µs a
 * row on SQLite), which was 10–17 % of the dispatcher's thread beside hanging or dripping endpoints
 * (docs/performance.md, "Putting off an endpoint at its pace"). Paced, a row moves about once an
 * episode, and only rows due at the run are touched. Nothing is lost or reordered within the endpoint:
 * the rows stay pending and keep their order; a delivery already claimed is not touched. An endpoint
 * that answers again is no longer in trouble and is not paced again.
 *
 * A pace that leaves deliveries at its horizon also sets the endpoint's `paced_until` there (the store
 * does, in `deferEndpoint`), and deliveries appended for it meanwhile are inserted due at the horizon,
 * behind the backlog the endpoint cannot take sooner, rather than due at once for every claim to read
 * past until its next pace, a timeout later (docs/performance.md, "The import's turns, again").
 * `undeferEndpoint` and a closing circuit clear it.
 *
 * What was paced is made due again as soon as the endpoint has recovered (the governor's `recovered`:
 * `RECOVERED_AFTER` quick answers in a row), not left at its pace: the pace is the trouble's (one
 * request a step of its slow average, the rest at the horizon), and an endpoint that was only away for a
 * moment (a restart that refused one connection) would otherwise take 30 s to get its backlog
 * (docs/performance.md, "What was paced is due when the endpoint is back"). `Store.undeferEndpoint`
 * moves the endpoint's waiting deliveries due between now and the pace's last step to now, and only
 * while its circuit is closed and it is enabled. Each release moves the rows a second time, so an
 * endpoint that flaps (quick answers in a row, then trouble again) is released at most once per
 * horizon: its rows move at most three times a horizon (pace, release, pace), against once without the
 * release.
 */
import type { Logger } from 'pino';
import type { EndpointId } from '../ids.js';
import type { Store } from '../store/types.js';

/** The shortest step: an endpoint in trouble answers in no less (its answers are slow, or none). */
const MIN_STEP_MS = 100;
/**
 * The main thread one run spends pacing before it leaves the rest to the runs before the next claims.
 * A pace's first step is up to a thousand rows (~25–60 ms on SQLite); the isolation benchmark's ten
 * hanging endpoints, paced together at their first deadline, held the claim loop ~0.5 s while the HTTP
 * thread ran out of requests (docs/performance.md, "Pacing spread over claims"). At least one endpoint
 * is paced a run.
 */
const PACE_BUDGET_MS = 20;

export interface DeferralOptions {
  store: Store;
  logger: Logger;
  /** The dispatcher's attempt timeout: the longest step, and how often an endpoint is paced at most. */
  timeoutMs: number;
  /** The latest a delivery is put off to: the circuit breaker's first cool-down. */
  horizonMs: number;
  /** Endpoints at their allowance (EndpointQueues.saturated). */
  saturated(): EndpointId[];
  /** Whether the endpoint's last answer put it in trouble (EndpointGovernor.troubled). */
  troubled(endpointId: EndpointId): boolean;
  /** The endpoint's requests in flight at once (EndpointGovernor.limitOf). */
  limitOf(endpointId: EndpointId): number;
  /** The endpoint's average request duration in ms, if known (EndpointGovernor.averageMs). */
  averageMs(endpointId: EndpointId): number | undefined;
  /** Whether the endpoint has answered quickly enough times in a row since its trouble (EndpointGovernor.recovered). */
  recovered(endpointId: EndpointId): boolean;
  /** Milliseconds of a monotonic clock, for the run's budget (`PACE_BUDGET_MS`); `performance.now` unless a test sets it. */
  clock?: () => number;
}

export class TroubledDeferral {
  /** Until when each endpoint is not paced again. */
  private readonly until = new Map<EndpointId, number>();
  /** The endpoints paced here, each with the due time of its last paced step (while that is ahead). */
  private readonly paced = new Map<EndpointId, number>();
  /** When each endpoint's paced deliveries were last made due again (within the last horizon). */
  private readonly released = new Map<EndpointId, number>();

  constructor(private readonly o: DeferralOptions) {}

  /**
   * Makes what was paced due again for the endpoints that recovered, then paces what is due for
   * saturated endpoints in trouble; never throws (a failure only costs the scan).
   */
  async run(now: number): Promise<void> {
    for (const [ep, until] of this.until) if (until <= now) this.until.delete(ep);
    for (const [ep, at] of this.released) if (at + this.o.horizonMs <= now) this.released.delete(ep);
    for (const [ep, last] of this.paced) {
      if (last <= now) this.paced.delete(ep);
      else if (this.o.recovered(ep) && !this.released.has(ep)) {
        this.paced.delete(ep);
        this.released.set(ep, now);
        try {
          const moved = await this.o.store.undeferEndpoint(ep, { now, until: last });
          if (moved > 0) this.o.logger.debug({ endpointId: ep, moved }, 'endpoint recovered: paced deliveries due');
        } catch (err) {
          this.o.logger.warn({ err, endpointId: ep }, 'making the paced deliveries of a recovered endpoint due failed');
        }
      }
    }
    const clock = this.o.clock ?? (() => performance.now());
    const began = clock();
    let paces = 0;
    for (const ep of this.o.saturated()) {
      if (this.until.has(ep) || !this.o.troubled(ep)) continue;
      // The rest wait for the next run, so claims go on between paces (PACE_BUDGET_MS).
      if (paces > 0 && clock() - began >= PACE_BUDGET_MS) break;
      paces++;
      this.until.set(ep, now + this.o.timeoutMs);
      const stepMs = Math.round(
        Math.min(this.o.timeoutMs, Math.max(MIN_STEP_MS, this.o.averageMs(ep) ?? this.o.timeoutMs)),
      );
      const pace = {
        now,
        stepMs,
        perStep: Math.max(1, this.o.limitOf(ep)),
        steps: Math.max(1, Math.floor(this.o.horizonMs / stepMs)),
      };
      try {
        const moved = await this.o.store.deferEndpoint(ep, pace);
        if (moved > 0) {
          const last = now + stepMs * pace.steps;
          if (last > (this.paced.get(ep) ?? 0)) this.paced.set(ep, last);
          this.o.logger.debug({ endpointId: ep, moved, ...pace }, 'endpoint in trouble: due deliveries paced');
        }
      } catch (err) {
        this.o.logger.warn({ err, endpointId: ep }, 'pacing an endpoint in trouble failed');
      }
    }
  }
}
