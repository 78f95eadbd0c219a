/**
 * The dispatcher: claims due deliveries in batches, sends them with bounded concurrency, and records
 * the attempts in batches. This class only composes the parts, each in its own file:
 *
 *   ClaimLoop ──────────► EndpointQueues ─────────► Attempts ──────────► ResultWriter
 *   claim-loop.ts         queues.ts                 attempt.ts           result-writer.ts
 *   Store.claimDue; woken per endpoint; at most    prepare → post →     Store.recordResults,
 *   by Store.onDue, a     maxInFlight overall and   classify → result    one per event-loop turn
 *   finished send, the    the governor's limit per       │
 *   next due time         endpoint                       │ how each endpoint answered
 *                                ▲                       ▼
 *                                └────────────── EndpointGovernor (governor.ts): latency average,
 *                                                adaptive in-flight limit, claim allowance
 *
 * The per-endpoint delivery controls (rate limit, circuit breaker, retry schedule) live in the store,
 * shared by every dispatcher: the claim takes rate slots and circuit probes, recording results moves
 * the circuits (store/circuit.ts), and the transitions go out as operational webhooks
 * (endpoints/operational.ts).
 *
 * Endpoint changes reach the signer as `endpoint:changed` on the process bus (bus.ts), so a rotation
 * signs with the new secret from the next attempt on.
 *
 * Crash safety: a claim is a lease in the database. Nothing here needs to survive a crash: deliveries
 * this process held become due again when their lease ends, and a result not yet recorded simply means
 * that attempt is made again (a duplicate only for a request in flight at the crash).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ProcessBus } from '../bus.js';
import { CONFIG_SCHEMA } from '../config/schema.js';
import { DEFAULT_CIRCUIT_POLICY } from '../store/circuit.js';
import { FormatRegistry } from '../events/formats.js';
import type { OperationalEvents } from '../endpoints/operational.js';
import type { DeliveryId, EndpointId } from '../ids.js';
import type { CircuitPolicy, CircuitState, ClaimedDelivery, DirectClaim, Store } from '../store/types.js';
import type { Metrics } from '../metrics.js';
import { eventTraceContext, formatTraceparent } from '../tracing/traceparent.js';
import type { Tracing } from '../tracing/tracing.js';
import { Attempts, NOT_SENT } from './attempt.js';
import { ClaimLoop } from './claim-loop.js';
import { TroubledDeferral } from './deferral.js';
import { EndpointGovernor } from './governor.js';
import type { DestinationPolicy } from './destinations.js';
import type { HttpSender, LookupAll, SendTurn } from './http.js';
import { createHttpSender } from './http-thread.js';
import { deliveryLogger } from './log.js';
import { OrderingSweep } from './ordering-sweep.js';
import { ReplayWorker } from './replay-worker.js';
import { EndpointQueues } from './queues.js';
import { RESULT_BATCH, ResultWriter } from './result-writer.js';
import type { RetryPolicy } from './retry.js';
import { Signer } from './signer.js';

export interface DispatcherOptions {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  policy: RetryPolicy;
  timeoutMs: number;
  maxInFlight: number;
  maxInFlightPerEndpoint: number;
  leaseMs: number;
  pollIntervalMs: number;
  claimBatch: number;
  userAgent: string;
  /** Which addresses deliveries may be sent to (destinations.ts); refused: every non-public range. */
  destinations: DestinationPolicy;
  /** Resolves host names for deliveries (tests inject one; the system resolver by default). */
  lookup?: LookupAll;
  /**
   * PAYHOOK_HTTP_THREAD: send the webhooks from a worker thread (http-thread.ts); the setting's default
   * when absent. Ignored when `lookup` is given (a function cannot cross threads).
   */
  httpThread?: boolean;
  /** The HTTP client itself, made by the caller (tests that must reach it); made here when absent. */
  http?: HttpSender;
  /** How long a response's body may take after its headers (http.ts `BODY_WAIT_MS`; tests set their own). */
  bodyWaitMs?: number;
  signer?: Signer;
  /** Where `endpoint:changed` is heard (the signer drops that endpoint's cached keys). */
  bus?: ProcessBus;
  /** The process's payload formats (`AppContext.formats`); without it, only `standard`. */
  formats?: FormatRegistry;
  /** Exports claims and attempts as spans in each event's trace, when tracing is on. */
  tracing?: Tracing | null;
  /** The circuit breaker's settings (store/circuit.ts); its defaults when absent. */
  circuit?: CircuitPolicy;
  /** PAYHOOK_RATE_LIMIT_BURST; 1 when absent. */
  rateBurst?: number;
  /** Where circuit changes, disabled endpoints and exhausted deliveries are told (operational webhooks). */
  operational?: OperationalEvents | null;
}

const STANDARD_ONLY = new FormatRegistry();

export class Dispatcher {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly signer: Signer;
  private readonly o: DispatcherOptions;
  private readonly loop: ClaimLoop;
  private readonly queues: EndpointQueues;
  private readonly attempts: Attempts;
  private readonly results: ResultWriter;
  /** Attempts in flight, by delivery (a delivery is claimed by one dispatcher at a time). */
  private readonly inFlightSends = new Map<DeliveryId, Promise<void>>();
  /** Claims of attempts aborted at shutdown, given back once they have ended. */
  private readonly abortedIds: DeliveryId[] = [];
  private readonly unsubscribe: () => void;
  private readonly sweep: OrderingSweep;
  /** Runs bulk replays in the background (replay-worker.ts). */
  readonly replays: ReplayWorker;
  /** Circuit states as this dispatcher last saw them, by endpoint (the gauge's source). */
  private readonly circuits = new Map<EndpointId, CircuitState>();
  private readonly governor: EndpointGovernor;
  /** Withdraws the offer for new deliveries (`start` makes it). */
  private offOffer: () => void = () => {};

  constructor(options: DispatcherOptions) {
    this.o = options;
    const o = options;
    this.signer = o.signer ?? new Signer(o.store);
    const offChanged =
      o.bus?.on('endpoint:changed', ({ endpointId }) => this.signer.invalidate(endpointId)) ?? (() => {});
    const offReplay = o.bus?.on('replay:created', () => this.replays.kick()) ?? (() => {});
    this.unsubscribe = () => {
      offChanged();
      offReplay();
    };
    const governor = new EndpointGovernor({ maxPerEndpoint: o.maxInFlightPerEndpoint, claimBatch: o.claimBatch });
    this.governor = governor;
    const controls = o.metrics.deliveryControls();
    controls.circuits(() => this.circuitCounts());
    const http =
      o.http ??
      createHttpSender({
        thread: o.httpThread ?? CONFIG_SCHEMA.delivery.httpThread.default,
        // Not the per-endpoint limit: several endpoints can share an origin, and a hanging path must not
        // hold the connections a healthy path on the same host needs. Per-endpoint limits are enforced
        // by the endpoint queues; the pool only caps the total.
        connectionsPerOrigin: o.maxInFlight,
        maxInFlight: o.maxInFlight,
        destinations: o.destinations,
        lookup: o.lookup,
        bodyWaitMs: o.bodyWaitMs,
        userAgent: o.userAgent,
        onWorkerError: (err) =>
          o.logger.error({ err }, 'the HTTP worker thread stopped; its requests in flight will be made again'),
      });
    this.queues = new EndpointQueues({
      maxInFlight: o.maxInFlight,
      waitingRoom: http.waitingRoom ?? 0,
      leaseMs: o.leaseMs,
      timeoutMs: o.timeoutMs,
      governor,
      send: (d, turn) => {
        this.inFlightSends.set(d.id, this.send(d, turn));
      },
      giveBack: (ids, why) => this.giveBack(ids, why),
    });
    this.attempts = new Attempts({
      signer: this.signer,
      http,
      policy: o.policy,
      owner: this.owner,
      userAgent: o.userAgent,
      timeoutMs: o.timeoutMs,
      logger: o.logger,
      metrics: o.metrics,
      formats: o.formats ?? STANDARD_ONLY,
      tracing: o.tracing,
      observe: (endpointId, errorClass, durationMs, bodyCut) =>
        governor.observe(endpointId, errorClass, durationMs, bodyCut),
    });
    this.results = new ResultWriter({
      store: o.store,
      logger: o.logger,
      metrics: o.metrics,
      circuit: o.circuit,
      onTransitions: (list) => {
        for (const t of list) {
          if (t.kind === 'disabled') this.circuits.delete(t.endpointId);
          else this.circuits.set(t.endpointId, t.kind === 'circuit_opened' ? 'open' : 'closed');
        }
        o.operational?.transitions(list);
      },
      onWritten: () => this.loop.roomFreed(),
    });
    this.sweep = new OrderingSweep({ store: o.store, logger: o.logger });
    this.replays = new ReplayWorker({ store: o.store, logger: o.logger, owner: this.owner });
    const deferral = new TroubledDeferral({
      store: o.store,
      logger: o.logger,
      timeoutMs: o.timeoutMs,
      horizonMs: (o.circuit ?? DEFAULT_CIRCUIT_POLICY).cooldownMs,
      saturated: () => this.queues.saturated(),
      troubled: (endpointId) => governor.troubled(endpointId),
      limitOf: (endpointId) => governor.limitOf(endpointId),
      averageMs: (endpointId) => governor.averageMs(endpointId),
      recovered: (endpointId) => governor.recovered(endpointId),
    });
    this.loop = new ClaimLoop({
      store: o.store,
      logger: o.logger,
      metrics: o.metrics,
      owner: this.owner,
      leaseMs: o.leaseMs,
      pollIntervalMs: o.pollIntervalMs,
      claimBatch: o.claimBatch,
      maxClaimed: this.queues.maxClaimed,
      claimed: () => this.claimedNow(),
      saturated: () => this.queues.saturated(),
      beforeClaim: (now) => deferral.run(now),
      rateBurst: o.rateBurst,
      onRateLimited: (count, totalWaitMs) => {
        for (let i = 0; i < count; i++) controls.rateLimitedWait(totalWaitMs / count);
      },
      accept: (batch, leaseEnd) => this.take(batch, leaseEnd),
    });
    o.metrics.gauge(
      'payhook_dispatcher_in_flight',
      "Webhook requests this process's dispatcher has in flight (with those waiting in the HTTP thread for a free request).",
      () => this.queues.inFlight,
    );
    o.metrics.gauge(
      'payhook_dispatcher_claimed',
      "Deliveries this process's dispatcher holds claims on: queued here or in flight.",
      () => this.queues.claimed,
    );
  }

  /** Resolves once the HTTP client is ready to send (its worker thread loaded); see `start`. */
  ready: Promise<void> = Promise.resolve();

  start(): void {
    this.ready = this.attempts.warm();
    this.offOffer = this.o.store.offerNewDeliveries(() => this.directClaim());
    this.loop.start();
    this.sweep.start();
    this.replays.start();
  }

  /** New work may be due (new events, a manual retry, a release): wake the claim loop. */
  kick(): void {
    this.loop.kick();
  }

  /**
   * An offer to take the deliveries of events being appended, claimed in the transaction that creates
   * them (`DirectClaim`, registered by `start` with `Store.offerNewDeliveries`; SQLite asks `take` per
   * delivery, PostgreSQL the `budget` of its one append statement): no claim transaction and no wake-up
   * between the commit and the send. Made only while the claim loop is caught up (it sleeps, or its
   * last claim was short and left no endpoint out): nothing else was due at its last look, so new events
   * pass no older work (a backlog or retries are claimed in order, as ever), and the loop would
   * otherwise claim again just to take these. Room and each endpoint's allowance are counted as a claim
   * counts them; an endpoint in trouble is left to the loop.
   */
  directClaim(): DirectClaim | null {
    if (!this.loop.caughtUp) return null;
    let room = this.queues.maxClaimed - this.claimedNow();
    if (room <= 0) return null;
    const taken = new Map<EndpointId, number>();
    return {
      owner: this.owner,
      leaseMs: this.o.leaseMs,
      take: (id) => {
        const endpointId = id as EndpointId;
        const n = (taken.get(endpointId) ?? 0) + 1;
        if (room <= 0 || n > this.queues.room(endpointId) || this.governor.troubled(endpointId)) return false;
        taken.set(endpointId, n);
        room--;
        return true;
      },
      accept: (batch, leaseEnd) => {
        this.o.metrics.claimedAtAppend(batch.length);
        this.take(batch, leaseEnd);
      },
      budget: () => {
        // Each endpoint this dispatcher holds claims for or heard from last gets its own room, one in
        // trouble none (as `take` would say); any other the allowance of an endpoint not heard from. Without
        // the recent ones, an endpoint idle between two appends (nothing held) was offered that small
        // allowance: the rest of an append's deliveries to it went to the claim loop, a claim each
        // (docs/performance.md, "An idle endpoint's room at append").
        const endpointRooms = new Map<EndpointId, number>();
        const other = this.governor.newAllowance();
        for (const ep of this.governor.recentEndpoints()) {
          const r = this.queues.room(ep);
          if (r !== other) endpointRooms.set(ep, Math.max(0, r));
        }
        for (const ep of this.queues.heldEndpoints()) endpointRooms.set(ep, Math.max(0, this.queues.room(ep)));
        for (const ep of this.governor.troubledEndpoints()) endpointRooms.set(ep, 0);
        return { room, endpointRooms, otherRoom: other };
      },
    };
  }

  /**
   * Claims this dispatcher holds. Results waiting beyond one batch count as claims still held: while
   * writing them lags, the dispatcher claims no more (result-writer.ts), rather than sending on and
   * piling them up.
   */
  private claimedNow(): number {
    return this.queues.claimed + Math.max(0, this.results.buffered - RESULT_BATCH);
  }

  /** Takes a claimed batch (from the claim loop or a direct claim) to the endpoint queues. */
  private take(batch: ClaimedDelivery[], leaseEnd: number): void {
    if (this.o.tracing) this.traceClaim(this.o.tracing, batch, leaseEnd - this.o.leaseMs);
    this.noteCircuits(batch);
    this.queues.accept(batch, leaseEnd);
  }

  /** One `payhook.claim` span per claimed delivery, in its event's trace: the claim's own time. */
  private traceClaim(tracing: Tracing, batch: ClaimedDelivery[], claimedAt: number): void {
    const now = Date.now();
    for (const d of batch) {
      const span = tracing.start(
        'payhook.claim',
        'internal',
        formatTraceparent(eventTraceContext(d.eventId, d.traceparent)),
        claimedAt,
      );
      span.setAttributes({
        'payhook.delivery.id': d.id,
        'payhook.event.id': d.eventId,
        'payhook.dispatcher': this.owner,
        'payhook.claim.size': batch.length,
      });
      span.end(now);
    }
  }

  /**
   * The circuit state of each endpoint this dispatcher claimed for (closed unless its claim said
   * otherwise or a result moved it), for the `payhook_endpoint_circuits` gauge.
   */
  private noteCircuits(batch: ClaimedDelivery[]): void {
    for (const d of batch) {
      if (d.circuitDirty) {
        if (this.circuits.get(d.endpointId) === 'open') this.circuits.set(d.endpointId, 'half_open');
      } else this.circuits.set(d.endpointId, 'closed');
    }
    if (this.circuits.size > 100_000) this.circuits.clear();
  }

  private circuitCounts(): Record<CircuitState, number> {
    const counts: Record<CircuitState, number> = { closed: 0, open: 0, half_open: 0 };
    for (const s of this.circuits.values()) counts[s]++;
    return counts;
  }

  /** Gives claims back to the store: they become due again at once. */
  private giveBack(ids: DeliveryId[], why: 'excess' | 'expiring'): void {
    this.o.store
      .releaseClaims(this.owner, ids)
      .catch((err) =>
        this.o.logger.warn(
          { err },
          why === 'excess'
            ? 'releasing excess claims failed; their lease will expire'
            : 'giving back claims failed; their lease will expire',
        ),
      );
  }

  /** One attempt, from the queues' slot to the result writer; frees the slot when it ends. */
  private async send(d: ClaimedDelivery, turn: SendTurn): Promise<void> {
    try {
      const result = await this.attempts.run(d, turn);
      if (result === NOT_SENT) this.giveBack([d.id], 'expiring');
      else if (result) {
        // An ordered delivery's result carries its key: recording it moves the key on (store ordering).
        this.results.add(d.orderingKey ? { ...result, orderingKey: d.orderingKey } : result);
        if (result.outcome === 'failed') this.o.operational?.exhausted(d, result);
      } else this.abortedIds.push(d.id);
    } catch (err) {
      deliveryLogger(this.o.logger, d).error({ err }, 'a delivery attempt failed unexpectedly; its lease will expire');
    } finally {
      this.inFlightSends.delete(d.id);
      this.queues.finished(d.endpointId);
      this.loop.roomFreed();
    }
  }

  /** Writes buffered results. On a database error they stay buffered and are tried again. */
  flush(): Promise<void> {
    return this.results.flush();
  }

  /**
   * Stops taking work, gives back queued claims, lets requests in flight finish until `deadlineMs`,
   * then aborts the rest and gives their claims back too, and writes every recorded result.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.unsubscribe();
    this.offOffer();
    await this.loop.stop();
    await Promise.all([this.sweep.stop(), this.replays.stop()]);
    const queued = this.queues.drain();
    if (queued.length)
      await this.o.store
        .releaseClaims(this.owner, queued)
        .catch((err) => this.o.logger.warn({ err }, 'releasing claims failed; their lease will expire'));
    if (this.inFlightSends.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlightSends.values()]),
        new Promise((r) => {
          timer = setTimeout(r, deadlineMs);
        }),
      ]);
      clearTimeout(timer);
      if (this.inFlightSends.size > 0) {
        await this.attempts.abort();
        await Promise.allSettled([...this.inFlightSends.values()]);
      }
    }
    await this.flush();
    if (this.abortedIds.length) await this.o.store.releaseClaims(this.owner, this.abortedIds).catch(() => {});
    await this.attempts.close();
  }

  /** For tests and metrics: the dispatcher's current load. */
  stats(): { inFlight: number; claimed: number; bufferedResults: number } {
    return { inFlight: this.queues.inFlight, claimed: this.queues.claimed, bufferedResults: this.results.buffered };
  }
}
