/** The Store's deliveries and their attempts: claimed by dispatchers, results recorded in batches. */
import type { AttemptId, DeliveryId, EndpointId, EventId, MerchantId } from '../../ids.js';
import type { PayloadStyle } from '../../events/thin.js';
import type { ListOptions, Page, PayloadFormat } from './common.js';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
/** What an attempt made of its delivery. */
export type AttemptOutcome = 'succeeded' | 'retry' | 'failed';

/** Why an attempt failed; `null` for a success. */
export type ErrorClass =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http_status'
  | 'redirect'
  | 'invalid_url'
  | 'blocked'
  | 'unknown';

export interface Delivery {
  id: DeliveryId;
  eventId: EventId;
  endpointId: EndpointId;
  merchantId: MerchantId;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The event's ordering key when the endpoint was ordered as the delivery was made; else null. */
  orderingKey: string | null;
  /** A failed delivery that keeps its ordering key blocked (`ordering_on_failure: hold`). */
  held: boolean;
  /** When it was skipped by hand (`skipDelivery`), or null. */
  skippedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Attempt {
  id: AttemptId;
  deliveryId: DeliveryId;
  attemptNo: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  /** When the delivery will be tried again after this attempt; `null` when it will not. */
  nextRetryAt: number | null;
}

/** A delivery handed to a dispatcher with everything needed to send it, without another query. */
export interface ClaimedDelivery {
  id: DeliveryId;
  eventId: EventId;
  eventType: string;
  eventCreatedAt: number;
  /** The event's `data` JSON text (for formats other than `standard`). */
  data: string;
  /** The standard envelope bytes. */
  body: string;
  attempts: number;
  endpointId: EndpointId;
  merchantId: MerchantId;
  url: string;
  headers: Record<string, string>;
  format: PayloadFormat;
  /** The endpoint's event version (events/versions.ts): the body is rendered in it before signing. */
  apiVersion: string;
  payloadStyle: PayloadStyle;
  timeoutMs: number | null;
  /** The trace context the event was accepted in (`NewEvent.traceparent`), or null. */
  traceparent: string | null;
  /** Set when this delivery is ordered: the next of its key waits for its result. */
  orderingKey: string | null;
  /** The endpoint's own retry schedule (ms before retry 1..n), or null for the server's. */
  retrySchedule: number[] | null;
  /**
   * The endpoint's circuit was not clean at the claim (failures counted, or not closed): a success
   * must be reported (`AttemptResult.circuit`) so the circuit closes and the count resets. Clean
   * endpoints report only failures, which keeps the result path of healthy endpoints one statement.
   */
  circuitDirty: boolean;
}

/**
 * A dispatcher of this process offering to take the deliveries of the events being appended, claimed in
 * the transaction that creates them (`appendEvents`, a module's `withOutbox`): no claim transaction of
 * their own, and no wake-up in between. Asked for once per transaction (`offerNewDeliveries`). SQLite
 * asks `take` for each new delivery as it fans out; PostgreSQL, which fans out in one statement, asks
 * for the `budget` first and passes it to that statement (the transaction's first append). Where many
 * dispatchers share the work, only the appending process's own takes any: the rest is claimed as ever.
 */
export interface DirectClaim {
  /** The lease's owner, as in `ClaimOptions.owner`. */
  owner: string;
  leaseMs: number;
  /**
   * Asked once for each new due delivery that could go at once (its endpoint enabled, closed circuit, no
   * rate limit, not held by an ordering key): true claims it. Keeps its own count: the dispatcher's room.
   */
  take(endpointId: string): boolean;
  /** After the commit, with the deliveries claimed (never called with none). */
  accept(batch: ClaimedDelivery[], leaseEnd: number): void;
  /**
   * The room to offer at once, for a store that decides in one statement instead of asking `take`. Not
   * held while the statement runs: appends running at once are each offered the whole room, and what
   * together they take beyond an endpoint's allowance the dispatcher gives back (`accept`), as it does
   * a claim's excess. Holding it made every append but the first of those in flight refuse.
   */
  budget(): ClaimBudget;
}

/** `DirectClaim.budget`: how many new deliveries the dispatcher takes, in all and per endpoint. */
export interface ClaimBudget {
  room: number;
  /** Endpoints with a room of their own (those it holds claims for or heard from last, those in trouble: 0). */
  endpointRooms: ReadonlyMap<EndpointId, number>;
  /** The room of an endpoint not in `endpointRooms`. */
  otherRoom: number;
}

export interface ClaimOptions {
  now: number;
  limit: number;
  /** The claim is this dispatcher's until `now + leaseMs`; after that any dispatcher may take it. */
  leaseMs: number;
  owner: string;
  /** Endpoints this dispatcher cannot take more work for right now (at their in-flight limit). */
  excludeEndpoints?: readonly EndpointId[];
  /**
   * Requests a rate-limited endpoint may send above its rate within one second (PAYHOOK_RATE_LIMIT_BURST);
   * 1 when absent.
   */
  rateBurst?: number;
  /**
   * Told how many claimable deliveries their endpoints' rate limits held back (they wait: not leased,
   * attempts unchanged, due at their rate slot), and how long they wait in all, in ms.
   */
  onRateLimited?(count: number, totalWaitMs: number): void;
}

/** The circuit breaker's settings (docs/delivery.md#circuit-breaker). */
/**
 * How `Store.deferEndpoint` spreads an endpoint's due deliveries over time: the first `perStep` of them
 * (oldest due first) become due at `now + stepMs`, the next `perStep` at `now + 2 × stepMs`, and so on
 * up to `now + steps × stepMs`, where all the rest wait.
 */
export interface DeferralPace {
  now: number;
  stepMs: number;
  perStep: number;
  steps: number;
}

/**
 * What `Store.undeferEndpoint` makes due again: the endpoint's waiting deliveries due after `now` and at
 * or before `until` (the last step of the paces that moved them) become due at `now`.
 */
export interface DeferralRelease {
  now: number;
  until: number;
}

export interface CircuitPolicy {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** The first cool-down; it doubles each time the circuit re-opens, up to `cooldownMaxMs`. */
  cooldownMs: number;
  cooldownMaxMs: number;
  /** An endpoint failing with no success this long is disabled (`failing`). */
  disableAfterMs: number;
}

/** What recording results did to an endpoint: the facts operational webhooks report. */
export interface EndpointTransition {
  kind: 'circuit_opened' | 'circuit_closed' | 'disabled';
  endpointId: EndpointId;
  merchantId: MerchantId;
  at: number;
  /** For `disabled`: why. */
  reason?: 'gone' | 'failing';
  failingSince: number | null;
  nextProbeAt: number | null;
}

/** The outcome of one attempt, recorded by `recordResults` in a batch. */
export interface AttemptResult {
  attemptId: AttemptId;
  deliveryId: DeliveryId;
  owner: string;
  /** The attempt number this was (1 for the first try). */
  attemptNo: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  /**
   * What becomes of the delivery: `succeeded`; `retry` at `nextAttemptAt`; `failed` (retries
   * exhausted, or the endpoint is gone).
   */
  outcome: AttemptOutcome;
  nextAttemptAt: number | null;
  /** Set when the endpoint answered 410 Gone: it is disabled and its pending deliveries wait. */
  disableEndpoint?: boolean;
  /** The claimed delivery's `orderingKey`: its result releases (or, failed, may hold) the next of its key. */
  orderingKey?: string | null;
  /** The delivery's endpoint: set with `circuit`. */
  endpointId?: EndpointId;
  /** What this attempt tells the endpoint's circuit breaker; absent when nothing (see `ClaimedDelivery.circuitDirty`). */
  circuit?: 'success' | 'failure';
}

/** What `skipDelivery` did: the delivery as it is now, or why it was not skipped. */
export type SkipOutcome = { skipped: true; delivery: Delivery } | { skipped: false; delivery: Delivery } | null;

export interface DeliveryFilter extends ListOptions {
  merchantId: MerchantId;
  endpointId?: EndpointId;
  eventId?: EventId;
  status?: DeliveryStatus;
}

export interface DeliveryCounts {
  pending: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** The delivery queue at a glance, for `GET /metrics` (cheap: see `Store.queueStats`). */
export interface QueueStats {
  /** Deliveries with status pending: due, claimed, or waiting for their next retry. */
  pending: number;
  /**
   * The earliest time a pending delivery of an enabled endpoint is due (its `next_attempt_at`; a claimed
   * one is not waiting before its lease ends), or null when there is none. `now` minus this, when positive, is how long
   * the delivery that has waited longest for a dispatcher has been waiting.
   */
  oldestDueAt: number | null;
}

export interface DeliveryStore {
  /** Claims up to `limit` due pending deliveries of enabled endpoints, oldest due first. */
  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts and applies their outcomes, all in one transaction. Results of claims the owner no
   * longer holds are still logged as attempts. Results carrying `circuit` move their endpoint's circuit
   * breaker (by `policy`, the defaults when absent); the transitions that made are returned.
   */
  recordResults(results: AttemptResult[], policy?: CircuitPolicy): Promise<EndpointTransition[]>;
  /** Gives claims back (shutdown): they become due again at once. */
  releaseClaims(owner: string, deliveryIds: readonly DeliveryId[]): Promise<void>;
  /**
   * Paces an endpoint in trouble (delivery/deferral.ts): its pending deliveries due at or before
   * `pace.now` and not claimed become due again in their order, `perStep` at a time (see
   * `DeferralPace`). Deliveries not yet due, claimed ones and other endpoints' are untouched. Not an
   * attempt; nothing is lost or reordered within the endpoint. Returns how many moved.
   */
  deferEndpoint(endpointId: EndpointId, pace: DeferralPace): Promise<number>;
  /**
   * Undoes the paces of an endpoint that recovered (delivery/deferral.ts): its pending deliveries not
   * claimed and due after `release.now`, at or before `release.until`, become due at `release.now`.
   * Nothing moves while the endpoint is disabled or its circuit is not closed (their own moves keep its
   * deliveries then), nor deliveries due later than `until` (a retry's own time) or waiting with no due
   * time (parked, or behind an ordering key). Not an attempt; returns how many moved (on SQLite, a
   * large backlog's first step: the rest follow, as a pace's do).
   */
  undeferEndpoint(endpointId: EndpointId, release: DeferralRelease): Promise<number>;
  /** The earliest `nextAttemptAt` of a pending delivery, or null: how long a dispatcher may sleep. */
  nextDueAt(): Promise<number | null>;
  getDelivery(merchantId: MerchantId, id: DeliveryId): Promise<Delivery | null>;
  listDeliveries(filter: DeliveryFilter): Promise<Page<Delivery>>;
  listAttempts(merchantId: MerchantId, deliveryId: DeliveryId): Promise<Attempt[]>;
  /** Makes one delivery due now, whatever its status; false when it does not exist. */
  retryDelivery(merchantId: MerchantId, id: DeliveryId, now: number): Promise<Delivery | null>;
  /** Makes every failed delivery of the endpoint created at or after `since` due now; returns how many. */
  recoverEndpoint(merchantId: MerchantId, endpointId: EndpointId, since: number, now: number): Promise<number>;
  countDeliveries(merchantId?: MerchantId): Promise<DeliveryCounts>;
  /**
   * The merchant's deliveries made at or after `since`, by status (the dashboard's overview). Reads
   * only that window of the merchant's deliveries (their ids carry their creation time), so a short
   * window stays cheap however long the history.
   */
  countDeliveriesSince(merchantId: MerchantId, since: number): Promise<DeliveryCounts>;
  /**
   * Skips a delivery by hand: a failed one stops holding its ordering key, a pending one that is not in
   * flight is cancelled; either way the next delivery of its key may go. `skipped: false` when it is in
   * flight or finished otherwise; null when there is no such delivery.
   */
  skipDelivery(merchantId: MerchantId, id: DeliveryId, now: number): Promise<SkipOutcome>;
  /**
   * The safety net of ordered delivery: parked deliveries created at or after `since` that nothing
   * blocks any more become due now. Returns how many. Dispatchers call it now and then.
   */
  unparkOrdered(since: number, now: number): Promise<number>;
  /**
   * The queue's depth and lag, for metrics: a count of the pending deliveries and one probe of the
   * index of due deliveries, never a read of the finished history. Callers cache it (metrics.ts): at
   * 1,000,000 pending it takes milliseconds on SQLite, a few hundred on PostgreSQL.
   */
  queueStats(): Promise<QueueStats>;

  /**
   * Calls `listener` soon after deliveries become due now (new events, manual retries, recovery), in
   * this process or, where the backend can tell, in another. Returns the unsubscribe function.
   * Dispatchers use it to start at once instead of waiting for their next poll.
   */
  onDue(listener: () => void): () => void;

  /**
   * Registers this process's dispatcher to be offered, in each transaction that appends events, the
   * new deliveries (see `DirectClaim`; `offer` returns null when it takes none now). Returns the
   * unregister function. One at a time: a second registration replaces the first. Both backends ask:
   * SQLite `take` per delivery, PostgreSQL the `budget` for its one append statement.
   */
  offerNewDeliveries(offer: () => DirectClaim | null): () => void;
}
