/**
 * The dispatcher: claims due deliveries in batches, sends them with bounded concurrency, and records
 * the attempts in batches.
 *
 *   store.claimDue ──► per-endpoint queues ──► send (≤ maxInFlight overall, ≤ maxInFlightPerEndpoint
 *        ▲                                        │     per endpoint)
 *        │ wake: new events (store.onDue),        ▼
 *        │ a finished send, the next due time   results ──► store.recordResults (one transaction per
 *        └──────────────────────────────────────────────────  event-loop turn's worth of results)
 *
 * Isolation: each endpoint has a concurrency limit that adapts (AIMD, as TCP does): it starts at 1,
 * grows by one with every quick answer up to `maxInFlightPerEndpoint`, and halves with every timeout
 * or connection failure, down to 1. A hanging endpoint therefore ends up holding one request, not
 * dozens, however many of its deliveries are due. An endpoint holds at most twice its limit in claims
 * here (in flight plus queued; a whole claim batch for a fast one), and a claim skips endpoints at that
 * mark, so a thousand deliveries to a hanging endpoint occupy a bounded number of slots and every
 * other endpoint keeps flowing. An endpoint that keeps failing at a limit of 1 is also held back in the
 * store (`deferEndpoint`: its unclaimed due deliveries wait 5 s, doubling to 60 s while it keeps
 * failing), so its backlog does not sit at the head of the due queue for every claim to step over.
 *
 * Crash safety: a claim is a lease in the database. Nothing here needs to survive a crash: deliveries
 * this process held become due again when their lease ends, and a result not yet recorded simply means
 * that attempt is made again (a duplicate only for a request in flight at the crash).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Logger } from 'pino';
import { newId, type DeliveryId, type EndpointId } from '../ids.js';
import { render } from '../events/formats.js';
import { dataOfEnvelope } from '../events/envelope.js';
import type { AttemptResult, ClaimedDelivery, ErrorClass, Store } from '../store/types.js';
import type { Metrics } from '../metrics.js';
import { HttpClient } from './http.js';
import { decide, parseRetryAfter, type RetryPolicy } from './retry.js';
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
  blockPrivateNetworks: boolean;
  signer?: Signer;
}

const RESULT_BATCH = 512;
/** How long a failing endpoint's waiting deliveries are held back: doubling from the first to the last. */
const DEFER_FIRST_MS = 5_000;
const DEFER_MAX_MS = 60_000;
/** Where an endpoint's adaptive concurrency limit starts. */
const INITIAL_ENDPOINT_LIMIT = 1;
/** An endpoint whose requests average below this (EWMA) counts as fast. */
const FAST_ENDPOINT_MS = 1000;
/** A queued claim is sent only while its lease has at least the timeout plus this margin left (or half the slack, if less). */
const LEASE_MARGIN_MS = 5000;

export class Dispatcher {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly signer: Signer;
  private readonly o: DispatcherOptions;
  private readonly http: HttpClient;
  private readonly queues = new Map<EndpointId, ClaimedDelivery[]>();
  private readonly claimedByEndpoint = new Map<EndpointId, number>();
  private readonly inFlightByEndpoint = new Map<EndpointId, number>();
  private readonly inFlightSends = new Set<Promise<void>>();
  /** Exponentially weighted average request duration per endpoint, in ms. */
  private readonly latency = new Map<string, number>();
  /** The adaptive concurrency limit per endpoint (see the header). */
  private readonly limits = new Map<string, number>();
  /** Endpoints held back in the store: until when, and the hold to use next time. */
  private readonly deferred = new Map<string, { until: number; nextMs: number }>();
  /** When each queued delivery's lease ends. */
  private readonly leaseEnds = new Map<string, number>();
  private claimedCount = 0;
  private inFlight = 0;
  private results: AttemptResult[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private workSignal = false;
  private wakeOnCompletion = false;
  private stopping = false;
  private aborted = false;
  private readonly abortedIds: DeliveryId[] = [];
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(options: DispatcherOptions) {
    this.o = options;
    this.signer = options.signer ?? new Signer(options.store);
    this.http = new HttpClient({
      // Not the per-endpoint limit: several endpoints can share an origin, and a hanging path must not
      // hold the connections a healthy path on the same host needs. Per-endpoint limits are enforced
      // here in the dispatcher; the pool only caps the total.
      connectionsPerOrigin: options.maxInFlight,
      blockPrivateNetworks: options.blockPrivateNetworks,
      userAgent: options.userAgent,
    });
    options.metrics.gauges.set('payhook_dispatcher_in_flight', () => this.inFlight);
    options.metrics.gauges.set('payhook_dispatcher_claimed', () => this.claimedCount);
  }

  private get maxClaimed(): number {
    return this.o.maxInFlight * 2;
  }

  /**
   * How many claims one endpoint may hold here. A slow or unknown endpoint gets twice its in-flight
   * limit, so a hanging one occupies little; an endpoint that answers fast gets a whole claim batch,
   * so a busy healthy endpoint is fed without claiming in dribs. (Measured: with a fixed 2 × limit, a
   * single fast endpoint spent a fifth of the dispatcher's time claiming and giving back excess.)
   */
  private allowance(endpointId: string): number {
    const base = this.limitOf(endpointId) * 2;
    const avg = this.latency.get(endpointId);
    return avg !== undefined && avg < FAST_ENDPOINT_MS ? Math.max(base, this.o.claimBatch) : base;
  }

  start(): void {
    if (this.loop) return;
    this.unsubscribe = this.o.store.onDue(() => this.kick());
    this.loop = this.run().catch((err) => this.o.logger.error({ err }, 'dispatcher loop stopped unexpectedly'));
  }

  /**
   * New work may be due (new events, a manual retry, a release): wake the claim loop. A kick that
   * arrives while the loop is busy (between its claim and its next sleep) is remembered, so the next
   * sleep returns at once: without that, an event accepted during that gap waited a whole poll interval.
   */
  kick(): void {
    this.workSignal = true;
    this.wake();
  }

  /** A send finished: wake the loop only if it is waiting for room (or for a saturated endpoint). */
  private onCompletion(): void {
    if (this.wakeOnCompletion) this.wake();
  }

  private wake(): void {
    const w = this.wakeUp;
    if (w) { this.wakeUp = null; w(); }
  }

  private sleep(ms: number, wakeOnCompletion: boolean): Promise<void> {
    if (this.workSignal) { this.workSignal = false; return Promise.resolve(); }
    this.wakeOnCompletion = wakeOnCompletion;
    return new Promise((resolve) => {
      const done = () => { this.wakeUp = null; this.wakeOnCompletion = false; resolve(); };
      const t = setTimeout(done, ms);
      this.wakeUp = () => { clearTimeout(t); done(); };
    });
  }

  private limitOf(endpointId: string): number {
    return this.limits.get(endpointId) ?? Math.min(INITIAL_ENDPOINT_LIMIT, this.o.maxInFlightPerEndpoint);
  }

  /** AIMD: +1 for a quick answer, halved for a timeout or a connection that failed. */
  private adapt(endpointId: EndpointId, errorClass: ErrorClass | null, durationMs: number): void {
    const limit = this.limitOf(endpointId);
    const struggling = errorClass === 'timeout' || errorClass === 'refused' || errorClass === 'reset' ||
      errorClass === 'dns' || errorClass === 'tls' || durationMs >= FAST_ENDPOINT_MS;
    const next = struggling ? Math.max(1, Math.floor(limit / 2)) : Math.min(this.o.maxInFlightPerEndpoint, limit + 1);
    if (this.limits.size > 100_000) this.limits.clear();
    this.limits.set(endpointId, next);
    const failed = errorClass === 'timeout' || errorClass === 'refused' || errorClass === 'reset' || errorClass === 'dns' || errorClass === 'tls';
    if (failed && limit === 1) this.holdBack(endpointId);
    else if (!failed && errorClass !== 'http_status') this.deferred.delete(endpointId);
  }

  /**
   * Makes a failing endpoint's waiting deliveries wait in the store. The few claims queued here for it
   * (at most twice its limit of 1) stay queued: they go out one at a time as its probes.
   */
  private holdBack(endpointId: EndpointId): void {
    const now = Date.now();
    const prev = this.deferred.get(endpointId);
    if (prev && prev.until > now) return; // already held back; its probe is what just failed
    const holdMs = prev ? prev.nextMs : DEFER_FIRST_MS;
    const until = now + holdMs;
    if (this.deferred.size > 100_000) this.deferred.clear();
    this.deferred.set(endpointId, { until, nextMs: Math.min(holdMs * 2, DEFER_MAX_MS) });
    this.o.store.deferEndpoint(endpointId, until)
      .catch((err) => this.o.logger.warn({ err, endpoint: endpointId }, 'holding back a failing endpoint failed; it is only slowed'));
  }

  private saturatedEndpoints(): EndpointId[] {
    const out: EndpointId[] = [];
    for (const [ep, n] of this.claimedByEndpoint) if (n >= this.allowance(ep)) out.push(ep);
    return out;
  }

  private async run(): Promise<void> {
    let errorDelay = 100;
    while (!this.stopping) {
      const room = this.maxClaimed - this.claimedCount;
      // Wait for a useful amount of room rather than claiming in dribs: each claim is a transaction.
      if (room < Math.min(32, this.maxClaimed / 4)) { await this.sleep(this.o.pollIntervalMs, true); continue; }
      this.workSignal = false; // this claim sees everything committed so far
      let batch: ClaimedDelivery[];
      const now = Date.now();
      const limit = Math.min(room, this.o.claimBatch);
      try {
        batch = await this.o.store.claimDue({
          now, limit, leaseMs: this.o.leaseMs, owner: this.owner,
          excludeEndpoints: this.saturatedEndpoints(),
        });
        errorDelay = 100;
      } catch (err) {
        this.o.logger.error({ err }, 'claiming deliveries failed; retrying');
        await this.sleep(errorDelay, false);
        errorDelay = Math.min(errorDelay * 2, 10_000);
        continue;
      }
      if (batch.length > 0) {
        this.o.metrics.counters.claims++;
        this.o.metrics.counters.claimedDeliveries += batch.length;
        this.accept(batch, now + this.o.leaseMs);
        await yieldToIo(); // let sends and responses run between claims
        // A full batch may have left more behind: claim again at once. A partial one took everything
        // due, so go to sleep (a kick for new work still wakes us at once): at a steady trickle of
        // events this saves an empty claim transaction per event.
        if (batch.length >= limit) continue;
      }
      let next: number | null = null;
      try { next = await this.o.store.nextDueAt(); } catch { /* poll below */ }
      // Due work we could not claim belongs to saturated endpoints: a finished send wakes us.
      const wait = next === null || next <= now ? this.o.pollIntervalMs : Math.min(next - now, this.o.pollIntervalMs);
      await this.sleep(Math.max(wait, 1), next !== null && next <= now);
    }
  }

  private accept(batch: ClaimedDelivery[], leaseEnd: number): void {
    const excess: DeliveryId[] = [];
    for (const d of batch) {
      const n = (this.claimedByEndpoint.get(d.endpointId) ?? 0) + 1;
      if (n > this.allowance(d.endpointId)) { excess.push(d.id); continue; }
      this.leaseEnds.set(d.id, leaseEnd);
      this.claimedByEndpoint.set(d.endpointId, n);
      this.claimedCount++;
      let q = this.queues.get(d.endpointId);
      if (!q) { q = []; this.queues.set(d.endpointId, q); }
      q.push(d);
    }
    if (excess.length > 0) {
      this.o.store.releaseClaims(this.owner, excess).catch((err) => this.o.logger.warn({ err }, 'releasing excess claims failed; their lease will expire'));
    }
    this.pumpAll();
  }

  private pumpAll(): void {
    for (const ep of this.queues.keys()) {
      if (this.inFlight >= this.o.maxInFlight) return;
      this.pump(ep);
    }
  }

  private pump(endpointId: EndpointId): void {
    const q = this.queues.get(endpointId);
    if (!q) return;
    let active = this.inFlightByEndpoint.get(endpointId) ?? 0;
    const expiring: ClaimedDelivery[] = [];
    const limit = this.limitOf(endpointId);
    while (q.length > 0 && active < limit && this.inFlight < this.o.maxInFlight) {
      const d = q.shift()!;
      // A claim that waited so long that its lease could end mid-request is given back rather than
      // sent: another dispatcher may take it once the lease ends, and two sends must not overlap.
      const leaseEnd = this.leaseEnds.get(d.id) ?? 0;
      this.leaseEnds.delete(d.id);
      // The margin is at most half the slack between lease and timeout, so a fresh claim always passes.
      const timeout = d.timeoutMs ?? this.o.timeoutMs;
      const margin = Math.min(LEASE_MARGIN_MS, Math.max(0, this.o.leaseMs - timeout) / 2);
      if (leaseEnd - Date.now() < timeout + margin) { expiring.push(d); continue; }
      active++;
      this.inFlight++;
      const p = this.send(d).finally(() => this.inFlightSends.delete(p));
      this.inFlightSends.add(p);
    }
    this.inFlightByEndpoint.set(endpointId, active);
    if (q.length === 0) this.queues.delete(endpointId);
    if (expiring.length > 0) this.giveBack(expiring);
  }

  private giveBack(claims: ClaimedDelivery[]): void {
    for (const d of claims) this.unclaim(d.endpointId);
    this.o.store.releaseClaims(this.owner, claims.map((d) => d.id))
      .catch((err) => this.o.logger.warn({ err }, 'giving back claims failed; their lease will expire'));
  }

  private unclaim(endpointId: EndpointId): void {
    const left = (this.claimedByEndpoint.get(endpointId) ?? 1) - 1;
    if (left <= 0) { this.claimedByEndpoint.delete(endpointId); if (!this.inFlightByEndpoint.get(endpointId)) this.inFlightByEndpoint.delete(endpointId); }
    else this.claimedByEndpoint.set(endpointId, left);
    this.claimedCount--;
  }

  private async send(d: ClaimedDelivery): Promise<void> {
    const attemptNo = d.attempts + 1;
    const startedAt = Date.now();
    try {
      const timestamp = Math.floor(startedAt / 1000);
      const body = d.format === 'standard' ? d.body : render(d.format, {
        eventId: d.eventId, eventType: d.eventType, eventCreatedAt: d.eventCreatedAt, body: d.body, data: d.data || dataOfEnvelope(d.body),
      });
      const sig = this.signer.signature(d.endpointId, d.eventId, timestamp, body);
      const signature = typeof sig === 'string' ? sig : await sig;
      const headers: Record<string, string> = {
        ...d.headers,
        'content-type': 'application/json',
        'user-agent': this.o.userAgent,
        'webhook-id': d.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      };
      const res = await this.http.post(d.url, headers, body, d.timeoutMs ?? this.o.timeoutMs);
      if (this.aborted) { this.abortedIds.push(d.id); return; }
      const prev = this.latency.get(d.endpointId);
      const took = res.errorClass === 'timeout' ? Math.max(res.durationMs, FAST_ENDPOINT_MS) : res.durationMs;
      this.latency.set(d.endpointId, prev === undefined ? took : prev * 0.8 + took * 0.2);
      if (this.latency.size > 100_000) this.latency.clear();
      this.adapt(d.endpointId, res.errorClass, res.durationMs);
      const decision = decide(this.o.policy, attemptNo, res.statusCode, parseRetryAfter(res.retryAfter, Date.now()));
      this.o.metrics.attempt(res.errorClass, res.durationMs);
      const c = this.o.metrics.counters;
      if (decision.outcome === 'succeeded') c.deliveriesSucceeded++;
      else if (decision.outcome === 'failed') c.deliveriesFailed++;
      else c.deliveriesRetried++;
      this.results.push({
        attemptId: newId('att', startedAt), deliveryId: d.id, owner: this.owner, attemptNo, startedAt,
        durationMs: res.durationMs, statusCode: res.statusCode, responseBody: res.responseBody,
        errorClass: res.errorClass, errorMessage: res.errorMessage, outcome: decision.outcome,
        nextAttemptAt: decision.outcome === 'retry' ? Date.now() + decision.delayMs : null,
        disableEndpoint: decision.outcome === 'failed' && decision.disableEndpoint,
      });
    } catch (err) {
      // Preparing the request failed (no secret, a format that cannot render): an attempt that could
      // not be made is logged and retried like any failure, never dropped.
      this.o.logger.error({ err, delivery: d.id }, 'could not prepare a delivery');
      const decision = decide(this.o.policy, attemptNo, null);
      this.results.push({
        attemptId: newId('att', startedAt), deliveryId: d.id, owner: this.owner, attemptNo, startedAt, durationMs: 0,
        statusCode: null, responseBody: null, errorClass: 'unknown', errorMessage: 'payhook could not prepare the request',
        outcome: decision.outcome === 'succeeded' ? 'retry' : decision.outcome,
        nextAttemptAt: decision.outcome === 'retry' ? Date.now() + decision.delayMs : null,
      });
    } finally {
      this.inFlight--;
      this.inFlightByEndpoint.set(d.endpointId, (this.inFlightByEndpoint.get(d.endpointId) ?? 1) - 1);
      this.unclaim(d.endpointId);
      this.scheduleFlush();
      this.pump(d.endpointId);
      if (this.inFlight < this.o.maxInFlight && this.queues.size > 0) this.pumpAll();
      this.onCompletion();
    }
  }

  private scheduleFlush(): void {
    if (this.results.length >= RESULT_BATCH) { void this.flush(); return; }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One flush per event-loop turn: every response that arrived in this turn shares a transaction.
    setImmediate(() => { this.flushScheduled = false; void this.flush(); });
  }

  /** Writes buffered results. On a database error they stay buffered and are tried again. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.results.length === 0) return;
    const batch = this.results;
    this.results = [];
    this.flushing = (async () => {
      try {
        await this.o.store.recordResults(batch);
        this.o.metrics.counters.resultFlushes++;
      } catch (err) {
        this.o.logger.error({ err, count: batch.length }, 'recording attempt results failed; will retry');
        this.results = batch.concat(this.results);
        setTimeout(() => this.scheduleFlush(), 500).unref();
      }
    })();
    try { await this.flushing; } finally { this.flushing = null; }
  }

  /**
   * Stops taking work, gives back queued claims, lets requests in flight finish until `deadlineMs`,
   * then aborts the rest and gives their claims back too, and writes every recorded result.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.kick();
    await this.loop;
    const queued: DeliveryId[] = [];
    for (const q of this.queues.values()) for (const d of q) queued.push(d.id);
    this.queues.clear();
    this.leaseEnds.clear();
    if (queued.length) await this.o.store.releaseClaims(this.owner, queued).catch((err) => this.o.logger.warn({ err }, 'releasing claims failed; their lease will expire'));
    if (this.inFlightSends.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlightSends]),
        new Promise((r) => { timer = setTimeout(r, deadlineMs); }),
      ]);
      clearTimeout(timer);
      if (this.inFlightSends.size > 0) {
        this.aborted = true;
        await this.http.destroy();
        await Promise.allSettled([...this.inFlightSends]);
      }
    }
    await this.flush();
    if (this.abortedIds.length) await this.o.store.releaseClaims(this.owner, this.abortedIds).catch(() => {});
    if (!this.aborted) await this.http.close();
  }

  /** For tests and metrics: the dispatcher's current load. */
  stats(): { inFlight: number; claimed: number; bufferedResults: number } {
    return { inFlight: this.inFlight, claimed: this.claimedCount, bufferedResults: this.results.length };
  }
}
