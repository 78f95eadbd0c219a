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
 * that answers again is no longer in trouble and is not paced again; what was paced comes due within
 * the horizon, no later than an open circuit's first probe.
 */
import type { Logger } from 'pino';
import type { EndpointId } from '../ids.js';
import type { Store } from '../store/types.js';

/** The shortest step: an endpoint in trouble answers in no less (its answers are slow, or none). */
const MIN_STEP_MS = 100;

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
}

export class TroubledDeferral {
  /** Until when each endpoint is not paced again. */
  private readonly until = new Map<EndpointId, number>();

  constructor(private readonly o: DeferralOptions) {}

  /** Paces what is due for saturated endpoints in trouble; never throws (a failure only costs the scan). */
  async run(now: number): Promise<void> {
    for (const [ep, until] of this.until) if (until <= now) this.until.delete(ep);
    for (const ep of this.o.saturated()) {
      if (this.until.has(ep) || !this.o.troubled(ep)) continue;
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
        if (moved > 0)
          this.o.logger.debug({ endpointId: ep, moved, ...pace }, 'endpoint in trouble: due deliveries paced');
      } catch (err) {
        this.o.logger.warn({ err, endpointId: ep }, 'pacing an endpoint in trouble failed');
      }
    }
  }
}
