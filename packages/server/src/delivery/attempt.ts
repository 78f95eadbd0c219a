/**
 * One attempt at one delivery, as a pipeline: prepare → post → classify → result.
 *
 *   prepare   render the payload format in the endpoint's event version (events/versions.ts) and
 *             payload style (snapshot or thin), sign it (cached keys, so nearly always synchronous), build
 *             the headers                                              ─► PendingAttempt
 *   post      one HTTP request through the pooled client (in this thread, or in the HTTP worker
 *             thread: http-thread.ts); never throws: a network failure is an
 *             error class                                              ─► HttpResult
 *   classify  tell the governor how the endpoint answered, decide the delivery's fate (retry.ts),
 *             count it                                                 ─► AttemptResult
 *
 * The result is what the result writer records. An attempt that cannot be prepared (no signing secret,
 * a format that cannot render) still ends in a result: it is logged and retried like any failure, never
 * dropped. An attempt still in flight when the dispatcher aborts at shutdown ends in no result: its
 * claim is given back and the attempt is made again.
 *
 * Each request carries a W3C `traceparent` header in the event's trace (tracing/traceparent.ts): the
 * attempt span's context when tracing is on, one made from the stored context or the event id when it
 * is off. It is not a signed header (Standard Webhooks signs the id, the timestamp and the body), so
 * it changes no signature. Each attempt is counted in the metrics, and logged at `debug` with the
 * delivery's ids (log.ts); a delivery's end for good (failed, or its endpoint gone) at `info`.
 */
import type { Logger } from 'pino';
import { newId, type EndpointId } from '../ids.js';
import { isLiveScope } from '../modes.js';
import type { FormatRegistry } from '../events/formats.js';
import { dataOfEnvelope } from '../store/envelope.js';
import type { AttemptResult, ClaimedDelivery, ErrorClass } from '../store/types.js';
import type { Metrics } from '../metrics.js';
import { attemptTraceparent, eventTraceContext, formatTraceparent } from '../tracing/traceparent.js';
import type { Span, Tracing } from '../tracing/tracing.js';
import type { HttpResult, HttpSender, SendTurn } from './http.js';
import { deliveryLogger } from './log.js';
import { decide, parseRetryAfter, policyOfMode, type Decision, type RetryPolicy } from './retry.js';
import type { Signer } from './signer.js';

/** `Attempts.run`'s answer when the request was never made (HttpResult.notSent). */
export const NOT_SENT = Symbol('not sent');

/** A claim made ready to send. */
export interface PendingAttempt {
  delivery: ClaimedDelivery;
  /** 1 for the first try. */
  attemptNo: number;
  startedAt: number;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface AttemptOptions {
  signer: Signer;
  /** The in-process client or the one in a worker thread (http-thread.ts); the attempt cannot tell. */
  http: HttpSender;
  policy: RetryPolicy;
  /** The dispatcher's claim owner, written with each result. */
  owner: string;
  userAgent: string;
  /** The default per-attempt timeout (an endpoint may set its own). */
  timeoutMs: number;
  logger: Logger;
  metrics: Metrics;
  /** The process's payload formats (`AppContext.formats`). */
  formats: FormatRegistry;
  /** Exports each attempt as a span, when tracing is on. */
  tracing?: Tracing | null;
  /**
   * Told how the endpoint answered each request actually made (the governor); `bodyCut`: its body did
   * not end in time after the headers (http.ts), a slow answer whatever its status.
   */
  observe(endpointId: EndpointId, errorClass: ErrorClass | null, durationMs: number, bodyCut: boolean): void;
}

/** The headers of a webhook: the endpoint's own, then payhook's (which they may not replace). */
export function webhookHeaders(
  custom: Record<string, string>,
  userAgent: string,
  eventId: string,
  timestampSeconds: number,
  signature: string,
  traceparent: string,
): Record<string, string> {
  return {
    ...custom,
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': eventId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signature,
    traceparent,
  };
}

/** Endpoints tracked in `Attempts.failedHere` past this size are forgotten: a bound on memory. */
const MAX_FAILED_HERE = 100_000;

export class Attempts {
  private aborted = false;
  /**
   * Endpoints whose last report to the circuit breaker from this process was a failure. A success of
   * theirs is reported too, though its claim saw the circuit clean (see `classify`).
   */
  private readonly failedHere = new Set<EndpointId>();

  private readonly livePolicy: RetryPolicy;
  private readonly testPolicy: RetryPolicy;

  constructor(private readonly o: AttemptOptions) {
    this.livePolicy = o.policy;
    this.testPolicy = policyOfMode(o.policy, false);
  }

  /**
   * Makes one attempt. `null` when the dispatcher aborted while it was in flight (see the header);
   * `NOT_SENT` when the sender held it waiting and handed it back unopened (past `turn.startBy`, or its
   * endpoint answered slowly meanwhile): its claim is given back; nothing happened, so nothing is recorded.
   */
  async run(d: ClaimedDelivery, turn?: SendTurn): Promise<AttemptResult | null | typeof NOT_SENT> {
    const startedAt = Date.now();
    const span =
      this.o.tracing?.start(
        'payhook.attempt',
        'client',
        formatTraceparent(eventTraceContext(d.eventId, d.traceparent)),
        startedAt,
      ) ?? null;
    const traceparent = span?.traceparent ?? attemptTraceparent(d.eventId, d.traceparent);
    let pending: PendingAttempt;
    try {
      const p = this.prepare(d, startedAt, traceparent);
      pending = p instanceof Promise ? await p : p;
    } catch (err) {
      return this.finish(span, d, this.unprepared(d, startedAt, err));
    }
    try {
      const res = await this.o.http.post(d.url, pending.headers, pending.body, pending.timeoutMs, turn);
      if (res.notSent && !this.aborted) {
        span?.fail('not sent: handed back unopened; the claim is given back');
        span?.end();
        return NOT_SENT;
      }
      return this.finish(span, d, this.aborted ? null : this.classify(pending, res));
    } catch (err) {
      span?.fail('the attempt failed unexpectedly');
      span?.end();
      throw err;
    }
  }

  private finish(span: Span | null, d: ClaimedDelivery, result: AttemptResult | null): AttemptResult | null {
    if (span) endAttemptSpan(span, d, result);
    if (result) this.log(d, result);
    return result;
  }

  /** Ready to send; synchronous unless the endpoint's signing keys must be loaded first. */
  prepare(d: ClaimedDelivery, startedAt: number, traceparent: string): PendingAttempt | Promise<PendingAttempt> {
    const timestamp = Math.floor(startedAt / 1000);
    // The endpoint's format, version and style (events/formats.ts); the oldest version's snapshot in
    // `standard` is the stored bytes, sent as they are.
    const body = this.o.formats.renderFor(d, {
      eventId: d.eventId,
      eventType: d.eventType,
      eventCreatedAt: d.eventCreatedAt,
      body: d.body,
      data: d.data || dataOfEnvelope(d.body),
    });
    const sig = this.o.signer.signature(d.endpointId, d.eventId, timestamp, body);
    return typeof sig === 'string'
      ? this.pending(d, startedAt, timestamp, body, sig, traceparent)
      : sig.then((s) => this.pending(d, startedAt, timestamp, body, s, traceparent));
  }

  private pending(
    d: ClaimedDelivery,
    startedAt: number,
    timestamp: number,
    body: string,
    signature: string,
    traceparent: string,
  ): PendingAttempt {
    return {
      delivery: d,
      attemptNo: d.attempts + 1,
      startedAt,
      body,
      headers: webhookHeaders(d.headers, this.o.userAgent, d.eventId, timestamp, signature, traceparent),
      timeoutMs: d.timeoutMs ?? this.o.timeoutMs,
    };
  }

  /** What the answer means for the endpoint (the governor) and for the delivery (retry.ts). */
  classify(p: PendingAttempt, res: HttpResult): AttemptResult {
    const d = p.delivery;
    // A failure of payhook's own (the HTTP worker stopped, HttpResult.internal) says nothing about
    // the endpoint: the governor does not hear it and the circuit breaker does not count it.
    if (!res.internal) this.o.observe(d.endpointId, res.errorClass, res.durationMs, res.bodyCut);
    // A refused destination fails at once: retrying cannot unblock it (the URL or PAYHOOK_ALLOW_NETWORKS
    // must change), and days of retries would only hide the failure. Once fixed, the delivery is
    // retried by hand (POST /v1/deliveries/{id}/retry).
    const decision: Decision =
      res.errorClass === 'blocked'
        ? { outcome: 'failed', disableEndpoint: false }
        : decide(this.policyOf(d), p.attemptNo, res.statusCode, parseRetryAfter(res.retryAfter, Date.now()));
    this.o.metrics.attempt(decision.outcome, res.errorClass, res.durationMs);
    const gone = decision.outcome !== 'succeeded' && decision.disableEndpoint === true;
    // The circuit breaker hears every failure, and a success only when it has something to undo
    // (ClaimedDelivery.circuitDirty): a healthy endpoint's results stay one statement. A refused
    // destination is payhook's policy, not the endpoint failing. A success also has something to undo
    // when this process reported a failure of the endpoint after the claim looked: requests claimed
    // together fail and then answer (a receiver back after a restart), and its failures alone, counted,
    // would open the circuit on an endpoint that answers, its backlog waiting a cool-down for the probe
    // (docs/performance.md, "The backlog scenario's slow drains, traced").
    const circuit =
      decision.outcome === 'succeeded'
        ? d.circuitDirty || this.failedHere.has(d.endpointId)
          ? 'success'
          : undefined
        : gone || res.errorClass === 'blocked' || res.internal
          ? undefined
          : 'failure';
    if (circuit === 'success') this.failedHere.delete(d.endpointId);
    else if (circuit === 'failure') {
      if (this.failedHere.size >= MAX_FAILED_HERE) this.failedHere.clear();
      this.failedHere.add(d.endpointId);
    }
    return {
      attemptId: newId('att', p.startedAt),
      deliveryId: d.id,
      owner: this.o.owner,
      attemptNo: p.attemptNo,
      startedAt: p.startedAt,
      durationMs: res.durationMs,
      statusCode: res.statusCode,
      responseBody: res.responseBody,
      errorClass: res.errorClass,
      errorMessage: res.errorMessage,
      outcome: decision.outcome,
      // A 410's delivery waits for its endpoint to be enabled: no due time (docs/delivery.md).
      nextAttemptAt: decision.outcome === 'retry' && !gone ? Date.now() + decision.delayMs : null,
      disableEndpoint: gone,
      endpointId: d.endpointId,
      circuit,
    };
  }

  /**
   * The endpoint's own schedule when it has one (retry_schedule), otherwise the policy of the
   * delivery's mode (its merchant scope, src/modes.ts: test mode may retry sooner).
   */
  private policyOf(d: ClaimedDelivery): RetryPolicy {
    if (d.retrySchedule) return { schedule: d.retrySchedule, jitter: this.o.policy.jitter };
    return isLiveScope(d.merchantId) ? this.livePolicy : this.testPolicy;
  }

  /** The result of an attempt that could not be made: logged, and retried like any failure. */
  private unprepared(d: ClaimedDelivery, startedAt: number, err: unknown): AttemptResult {
    deliveryLogger(this.o.logger, d).error({ err }, 'could not prepare a delivery');
    const attemptNo = d.attempts + 1;
    const decision = decide(this.policyOf(d), attemptNo, null);
    const outcome = decision.outcome === 'succeeded' ? 'retry' : decision.outcome;
    this.o.metrics.attempt(outcome, 'unknown', null);
    return {
      attemptId: newId('att', startedAt),
      deliveryId: d.id,
      owner: this.o.owner,
      attemptNo,
      startedAt,
      durationMs: 0,
      statusCode: null,
      responseBody: null,
      errorClass: 'unknown',
      errorMessage: 'payhook could not prepare the request',
      outcome,
      nextAttemptAt: decision.outcome === 'retry' ? Date.now() + decision.delayMs : null,
    };
  }

  /** Every attempt at `debug`; a delivery's end for good at `info`, with its ids. */
  private log(d: ClaimedDelivery, r: AttemptResult): void {
    const logger = this.o.logger;
    const final = r.outcome === 'failed';
    if (!final && !logger.isLevelEnabled('debug')) return;
    const line = {
      attempt: r.attemptNo,
      outcome: r.outcome,
      status_code: r.statusCode,
      error_class: r.errorClass,
      ms: r.durationMs,
    };
    const log = deliveryLogger(logger, d);
    if (r.disableEndpoint) log.info(line, 'endpoint disabled: it answered 410 Gone');
    else if (final) log.info({ ...line, error: r.errorMessage }, 'delivery failed for good');
    else log.debug(line, 'delivery attempt');
  }

  /** The dispatcher started: the HTTP client gets ready (the threaded one starts its worker). */
  warm(): Promise<void> {
    return this.o.http.warm?.() ?? Promise.resolve();
  }

  /** Shutdown past its deadline: drops every connection; attempts in flight end without a result. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.o.http.destroy();
  }

  /** Closes the connection pool once nothing is in flight. */
  async close(): Promise<void> {
    if (!this.aborted) await this.o.http.close();
  }
}

/** Ends an attempt's span with what came of it; one aborted at shutdown (no result) is marked so. */
function endAttemptSpan(span: Span, d: ClaimedDelivery, r: AttemptResult | null): void {
  span.setAttributes({
    'payhook.delivery.id': d.id,
    'payhook.event.id': d.eventId,
    'payhook.event.type': d.eventType,
    'payhook.endpoint.id': d.endpointId,
    'payhook.merchant.id': d.merchantId,
    'payhook.attempt.number': d.attempts + 1,
    'http.request.method': 'POST',
  });
  if (!r) span.fail('aborted at shutdown; the attempt will be made again');
  else {
    span.setAttributes({ 'payhook.outcome': r.outcome });
    if (r.statusCode !== null) span.setAttributes({ 'http.response.status_code': r.statusCode });
    if (r.errorClass !== null) {
      span.setAttributes({ 'error.type': r.errorClass });
      span.fail(r.errorMessage ?? r.errorClass);
    }
  }
  span.end();
}
