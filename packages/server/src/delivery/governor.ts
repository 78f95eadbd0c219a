/**
 * What the dispatcher knows about each endpoint, and what it lets each one have: an average of its
 * request durations and an adaptive limit on its requests in flight.
 *
 * The limit adapts as TCP's window does (AIMD): it starts at 1, grows by one with every quick answer up
 * to `maxPerEndpoint`, and halves with every timeout, connection failure or slow answer, down to 1. A
 * hanging endpoint therefore ends up holding one request, not dozens, however many of its deliveries
 * are due. An answer whose headers came at once but whose body had to be cut (http.ts, `bodyCut`) is a
 * slow answer, never a quick one: a receiver that answers 200 and then drips its body would otherwise
 * look fast by its headers and be given more and more requests to hold open.
 *
 * An endpoint whose last answer halved its limit is *in trouble* (`troubled`) until it answers quickly
 * again; the queues let such endpoints hold at most a tenth of the dispatcher's slots between them
 * (queues.ts), so a crowd of hanging or dripping endpoints, each at one request, cannot take them all.
 * One that was in trouble and has since answered quickly `RECOVERED_AFTER` times in a row is
 * *recovered* (`recovered`): the deferral makes the deliveries it paced for it due again (deferral.ts).
 * An endpoint that keeps failing is not held back here: the circuit breaker does that in the store,
 * shared by every dispatcher (store/circuit.ts: after PAYHOOK_CIRCUIT_FAILURES failures in a row its
 * waiting deliveries move to the next probe, so its backlog does not sit at the head of the due queue).
 * This file once held a per-process hold-back (5 s doubling to 60 s) that did the same for one
 * process; the circuit replaced it rather than doubling it. The two work at different scales: the
 * limit reacts within one process to each answer, the circuit across processes to runs of failures.
 *
 * Nothing here is shared between processes or survives a restart: it is a fast path's memory, and an
 * endpoint unknown here simply starts at the bottom again.
 */
import type { EndpointId } from '../ids.js';
import type { ErrorClass } from '../store/types.js';

/** Where an endpoint's adaptive concurrency limit starts. */
const INITIAL_ENDPOINT_LIMIT = 1;
/** An endpoint whose requests average below this (EWMA) counts as fast. */
const FAST_ENDPOINT_MS = 1000;
/** Per-endpoint maps are cleared past this size: a bound on memory, at the cost of relearning. */
const MAX_TRACKED = 100_000;
/**
 * Quick answers in a row after which an endpoint counts as recovered (`recovered`): one quick answer
 * between two failures is an endpoint that flaps, not one that is back.
 */
export const RECOVERED_AFTER = 3;
/**
 * How many of the endpoints that answered last `recentEndpoints` names. A store that offers new
 * deliveries in one statement (PostgreSQL's append) is told each of their rooms; any other endpoint is
 * offered the allowance of one not heard from (`newAllowance`).
 */
const RECENT = 64;

export interface GovernorOptions {
  /** The ceiling of every endpoint's adaptive limit. */
  maxPerEndpoint: number;
  /** A fast endpoint may hold this many claims (a whole claim batch), see `allowance`. */
  claimBatch: number;
}

/** Classes of failure that mean the endpoint is struggling (no answer at all), unlike an HTTP error status. */
function unreachable(errorClass: ErrorClass | null): boolean {
  return (
    errorClass === 'timeout' ||
    errorClass === 'refused' ||
    errorClass === 'reset' ||
    errorClass === 'dns' ||
    errorClass === 'tls'
  );
}

/**
 * Whether an answer makes its endpoint slow for the governor (halves its limit, puts it in trouble): no
 * answer at all, a cut body, or a second or more. The HTTP worker uses the same rule for the requests it
 * holds waiting (http-worker.ts).
 */
export function slowAnswer(errorClass: ErrorClass | null, durationMs: number, bodyCut: boolean): boolean {
  return unreachable(errorClass) || bodyCut || durationMs >= FAST_ENDPOINT_MS;
}

export class EndpointGovernor {
  /** Exponentially weighted average request duration per endpoint, in ms. */
  private readonly latency = new Map<EndpointId, number>();
  /** The adaptive concurrency limit per endpoint (see the header). */
  private readonly limits = new Map<EndpointId, number>();
  /** Endpoints whose last answer was a failure to answer or a slow one (see the header). */
  private readonly trouble = new Set<EndpointId>();
  /** Quick answers in a row since the endpoint's last slow one, for the endpoints that had one. */
  private readonly streaks = new Map<EndpointId, number>();
  /** The endpoints that answered last, oldest first, at most `RECENT` (see `recentEndpoints`). */
  private readonly recent = new Set<EndpointId>();

  constructor(private readonly o: GovernorOptions) {}

  /** How many requests to the endpoint may be in flight at once right now. */
  limitOf(endpointId: EndpointId): number {
    return this.limits.get(endpointId) ?? Math.min(INITIAL_ENDPOINT_LIMIT, this.o.maxPerEndpoint);
  }

  /**
   * How many claims one endpoint may hold here. A slow or unknown endpoint gets twice its in-flight
   * limit, so a hanging one occupies little; an endpoint that answers fast gets a whole claim batch,
   * so a busy healthy endpoint is fed without claiming in dribs. (Measured: with a fixed 2 × limit, a
   * single fast endpoint spent a fifth of the dispatcher's time claiming and giving back excess.) An
   * endpoint in trouble gets twice its limit too, however fast its average still is.
   */
  allowance(endpointId: EndpointId): number {
    const base = this.limitOf(endpointId) * 2;
    const avg = this.latency.get(endpointId);
    return avg !== undefined && avg < FAST_ENDPOINT_MS && !this.trouble.has(endpointId)
      ? Math.max(base, this.o.claimBatch)
      : base;
  }

  /** The endpoint's average request duration in ms (a timeout or a cut body counts as at least slow), if it has answered. */
  averageMs(endpointId: EndpointId): number | undefined {
    return this.latency.get(endpointId);
  }

  /** Whether the endpoint's last answer was a failure to answer or a slow one (see the header). */
  troubled(endpointId: EndpointId): boolean {
    return this.trouble.has(endpointId);
  }

  /**
   * Whether an endpoint that was in trouble has answered quickly `RECOVERED_AFTER` times in a row since
   * (the deferral then makes what it paced due again: deferral.ts). False for an endpoint never in
   * trouble here, and from its next slow answer on.
   */
  recovered(endpointId: EndpointId): boolean {
    return (this.streaks.get(endpointId) ?? 0) >= RECOVERED_AFTER;
  }

  /** The endpoints in trouble now (`troubled`). */
  troubledEndpoints(): IterableIterator<EndpointId> {
    return this.trouble.values();
  }

  /**
   * The endpoints that answered last (at most 64), whose allowance is known here: an endpoint idle
   * between two events holds no claims, and without its own room an offer would give it `newAllowance`.
   */
  recentEndpoints(): IterableIterator<EndpointId> {
    return this.recent.values();
  }

  /** The allowance of an endpoint this process has not heard from yet. */
  newAllowance(): number {
    return Math.min(INITIAL_ENDPOINT_LIMIT, this.o.maxPerEndpoint) * 2;
  }

  /**
   * Learns from one finished request: its duration feeds the average, its outcome the limit (AIMD).
   * `bodyCut`: the headers came but the body did not end in time (http.ts): slow, whatever it took.
   */
  observe(endpointId: EndpointId, errorClass: ErrorClass | null, durationMs: number, bodyCut = false): void {
    const prev = this.latency.get(endpointId);
    // A timeout or a cut body counts as at least slow, whatever the timeout or the body wait was set to.
    const took = errorClass === 'timeout' || bodyCut ? Math.max(durationMs, FAST_ENDPOINT_MS) : durationMs;
    this.latency.set(endpointId, prev === undefined ? took : prev * 0.8 + took * 0.2);
    if (this.latency.size > MAX_TRACKED) this.latency.clear();

    this.recent.delete(endpointId);
    this.recent.add(endpointId);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.values().next().value as EndpointId);
    const limit = this.limitOf(endpointId);
    const slow = slowAnswer(errorClass, durationMs, bodyCut);
    const next = slow ? Math.max(1, Math.floor(limit / 2)) : Math.min(this.o.maxPerEndpoint, limit + 1);
    if (this.limits.size > MAX_TRACKED) this.limits.clear();
    this.limits.set(endpointId, next);
    if (slow) {
      if (this.trouble.size > MAX_TRACKED) this.trouble.clear();
      this.trouble.add(endpointId);
      if (this.streaks.size > MAX_TRACKED) this.streaks.clear();
      this.streaks.set(endpointId, 0);
    } else {
      this.trouble.delete(endpointId);
      const streak = this.streaks.get(endpointId);
      if (streak !== undefined) this.streaks.set(endpointId, streak + 1);
    }
  }
}
