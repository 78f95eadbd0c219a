/**
 * Puts off the due deliveries of endpoints that are in trouble and have no room, so claims stop reading
 * them.
 *
 * A claim reads the due index oldest first and leaves out the endpoints this dispatcher has no room
 * for (`EndpointQueues.saturated`). An endpoint that hangs is held to one request, so its deliveries
 * pile up as the oldest due rows, and every claim read past all of them again: in the isolation
 * benchmark (10 hanging endpoints of 50, 2,000 deliveries each) a claim took 6 ms beside them against
 * 1 ms without, 2,000 claims a run, which was the healthy endpoints' loss (docs/performance.md,
 * "Claims read past the hanging endpoints"). So before a claim, each endpoint that is both saturated and
 * in trouble (the governor's `troubled`: its last answer was a timeout, a failed connection or a slow
 * answer) has its unclaimed due deliveries moved to the end of one attempt's timeout from now
 * (`Store.deferEndpoint`), at most once per timeout. Nothing is lost or reordered within the endpoint:
 * the rows stay pending, keep their order, and are due again by the time the one request it is
 * allowed has ended; a delivery already claimed is not touched. An endpoint that answers again is no
 * longer in trouble and is not put off.
 */
import type { Logger } from 'pino';
import type { EndpointId } from '../ids.js';
import type { Store } from '../store/types.js';

export interface DeferralOptions {
  store: Store;
  logger: Logger;
  /** How long the deliveries are put off: the dispatcher's attempt timeout. */
  timeoutMs: number;
  /** Endpoints at their allowance (EndpointQueues.saturated). */
  saturated(): EndpointId[];
  /** Whether the endpoint's last answer put it in trouble (EndpointGovernor.troubled). */
  troubled(endpointId: EndpointId): boolean;
}

export class TroubledDeferral {
  /** Until when each endpoint's due deliveries were last put off. */
  private readonly until = new Map<EndpointId, number>();

  constructor(private readonly o: DeferralOptions) {}

  /** Puts off what is due for saturated endpoints in trouble; never throws (a failure only costs the scan). */
  async run(now: number): Promise<void> {
    for (const [ep, until] of this.until) if (until <= now) this.until.delete(ep);
    for (const ep of this.o.saturated()) {
      if (this.until.has(ep) || !this.o.troubled(ep)) continue;
      const until = now + this.o.timeoutMs;
      this.until.set(ep, until);
      try {
        const moved = await this.o.store.deferEndpoint(ep, until);
        if (moved > 0)
          this.o.logger.debug({ endpointId: ep, moved, until }, 'endpoint in trouble: due deliveries put off');
      } catch (err) {
        this.o.logger.warn({ err, endpointId: ep }, 'putting off an endpoint in trouble failed');
      }
    }
  }
}
