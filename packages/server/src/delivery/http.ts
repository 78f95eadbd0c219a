/**
 * Outbound HTTP for deliveries, on undici.
 *
 * One `Agent` holds a keep-alive connection pool per origin, so a merchant's server sees a steady set
 * of reused connections rather than one per webhook. Redirects
 * are never followed. The response body is read up to 4 KiB for the attempt log; the rest of a small
 * body is drained so the connection can be reused, and a large one is dropped with its connection.
 *
 * The status line decides the attempt; the body is only the log's excerpt. So once the headers are in,
 * the body gets `BODY_WAIT_MS` more (never past the attempt's deadline), then it is cut with its
 * connection and the result says so (`bodyCut`). A receiver that answers 200 and then sends its body a
 * byte a second has accepted the webhook (as svix records it: the status counts, a body that cannot be
 * read is only noted); waiting for the rest would only hold a dispatcher slot and a connection for the
 * whole deadline, which is how such endpoints took the healthy ones' slots (docs/performance.md, issue
 * 11). The governor hears a cut body as a slow answer, so the endpoint's concurrency does not grow on it.
 */
import { Agent } from 'undici';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { ErrorClass } from '../store/types.js';
import { DestinationError, type DestinationPolicy } from './destinations.js';

export const RESPONSE_EXCERPT_BYTES = 4096;
const DRAIN_LIMIT_BYTES = 64 * 1024;
/**
 * How long a response's body may take after its headers. A receiver's answer (an acknowledgement of a
 * few bytes) follows its headers within one round trip; half a second covers a slow link.
 */
export const BODY_WAIT_MS = 500;

export interface HttpResult {
  statusCode: number | null;
  /** First 4 KiB of the response body (UTF-8, lossy). */
  responseBody: string | null;
  retryAfter: string | undefined;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  durationMs: number;
  /**
   * The status and headers came in time but the body did not end within `BODY_WAIT_MS` of them (or by
   * the deadline): it was cut, and `responseBody` holds what had arrived, if anything.
   */
  bodyCut: boolean;
  /**
   * The failure was payhook's, not the endpoint's (the HTTP worker thread stopped with the request in
   * flight, http-thread.ts): retried like any failure, but neither the governor nor the circuit
   * breaker counts it against the endpoint.
   */
  internal?: true;
  /**
   * The request was never made: it waited in the HTTP thread past its `startBy` (SendTurn), or another
   * request to its endpoint answered slowly meanwhile (http-worker.ts). Nothing reached the endpoint;
   * the claim is given back, no attempt is recorded.
   */
  notSent?: true;
}

/**
 * Where a request stands in line, for a sender that holds requests waiting (`HttpSender.waitingRoom`):
 * at most `groupLimit` requests of one `group` (the endpoint) open at once, and a request not started
 * by `startBy` (epoch ms) is answered `notSent` instead (its claim's lease would be too short).
 */
export interface SendTurn {
  group: string;
  groupLimit: number;
  startBy: number;
}

/**
 * What an attempt posts through: the in-process `HttpClient` below, or `ThreadedHttpClient`
 * (http-thread.ts), which runs one in a worker thread. `post` never rejects: every failure is a result.
 */
export interface HttpSender {
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
    turn?: SendTurn,
  ): Promise<HttpResult>;
  /**
   * How many requests beyond the dispatcher's `maxInFlight` the sender takes and holds waiting, opening
   * them itself as its requests end (within each `SendTurn.groupLimit`): the threaded client's worker
   * refills a finished request's place without a round trip to the dispatcher's thread. 0 (absent):
   * every post is opened at once, so the dispatcher hands over no more than it may have open.
   */
  readonly waitingRoom?: number;
  /** Waits for the requests in flight, then closes every connection. */
  close(): Promise<void>;
  /** Drops every connection now; requests in flight end at once (as failures). */
  destroy(): Promise<void>;
  /**
   * Gets ready to send, so the first request does not wait: the threaded client starts its worker and
   * resolves once it is loaded (or has failed: never rejects).
   */
  warm?(): Promise<void>;
}

/** `dns.lookup`'s shape with `all: true`: every address a name resolves to. */
export type LookupAll = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupAll = (hostname, cb) => dnsLookup(hostname, { all: true }, cb);

export interface HttpClientOptions {
  connectionsPerOrigin: number;
  /** Which addresses may be connected to (destinations.ts); every connection is checked after DNS. */
  destinations: DestinationPolicy;
  userAgent: string;
  /** Resolves host names; the system resolver by default (tests give their own, never real DNS). */
  lookup?: LookupAll;
  /** How long a body may take after its headers; `BODY_WAIT_MS` by default (tests set their own). */
  bodyWaitMs?: number;
}

/** The name given by undici's connector and the callback net/tls expect of a `lookup`. */
type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

export class HttpClient implements HttpSender {
  private readonly agent: Agent;
  private readonly destinations: DestinationPolicy;
  private readonly bodyWaitMs: number;
  readonly userAgent: string;

  constructor(options: HttpClientOptions) {
    this.destinations = options.destinations;
    this.bodyWaitMs = options.bodyWaitMs ?? BODY_WAIT_MS;
    this.userAgent = options.userAgent;
    const policy = this.destinations;
    const resolve = options.lookup ?? systemLookup;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: {
        timeout: 10_000,
        // The destination policy at connect time, after DNS: every address a name resolves to is
        // checked, and one refused address refuses the name, before any socket is opened (so a name
        // that resolves to a private address is caught, and a name with one public and one private
        // address cannot be used to reach the private one). IP literals never reach this: net skips
        // lookup for them, so post() checks them first.
        lookup: (hostname: string, opts: object, cb: LookupCallback) => {
          resolve(hostname, (err, list) => {
            if (err) return cb(err, []);
            if (list.length === 0)
              return cb(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), []);
            for (const a of list) {
              const verdict = policy.check(a.address);
              if (!verdict.allowed)
                return cb(new DestinationError(`${hostname} resolves to ${a.address}, refused: ${verdict.reason}`), []);
            }
            if ((opts as { all?: boolean }).all) cb(null, list);
            else cb(null, list[0].address, list[0].family);
          });
        },
      },
    });
  }

  /**
   * One POST with a total deadline of `timeoutMs`, connection, headers and body together: one timer per
   * request, cleared at the end, and brought forward to `bodyWaitMs` after the headers (see the file's
   * header). (undici's own `bodyTimeout` is per chunk, so a receiver dripping a byte a second would keep
   * an attempt open for as long as it liked, past the claim's lease.)
   *
   * Sent with the agent's `dispatch` and a handler of our own (`Exchange`) rather than undici's
   * `request()`: the answer is a status and at most 4 KiB of body, and `request()` builds a readable
   * stream, an AbortSignal with its listeners and several promises around each one. Measured on a
   * loopback receiver (docs/performance.md, "The HTTP client without `request()`"): ~110 against ~60 µs
   * of CPU per POST, the receiver's share included.
   */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpResult> {
    const started = performance.now();
    let verdict: ReturnType<DestinationPolicy['checkUrl']>;
    let target: URL;
    try {
      verdict = this.destinations.checkUrl(url);
      target = new URL(url);
    } catch {
      return Promise.resolve(
        finished(started, {
          statusCode: null,
          responseBody: null,
          retryAfter: undefined,
          errorClass: 'invalid_url',
          errorMessage: 'invalid URL',
        }),
      );
    }
    if (!verdict.allowed) {
      return Promise.resolve(
        finished(started, {
          statusCode: null,
          responseBody: null,
          retryAfter: undefined,
          errorClass: 'blocked',
          errorMessage: `destination not allowed: ${verdict.reason}`,
        }),
      );
    }
    return new Promise((resolve) => {
      const exchange = new Exchange(started, timeoutMs, this.bodyWaitMs, resolve);
      this.agent.dispatch(
        {
          origin: target.origin,
          path: target.pathname + target.search,
          method: 'POST',
          headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        exchange,
      );
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Drops every connection now (shutdown past its deadline). */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}

/** The result of an answer, by its status. */
function answered(
  statusCode: number,
  retryAfter: string | undefined,
  responseBody: string | null,
): Omit<HttpResult, 'durationMs' | 'bodyCut'> {
  const ok = statusCode >= 200 && statusCode < 300;
  return {
    statusCode,
    responseBody,
    retryAfter,
    errorClass: ok ? null : statusCode >= 300 && statusCode < 400 ? 'redirect' : 'http_status',
    errorMessage: ok ? null : `HTTP ${statusCode}`,
  };
}

/** A result with its duration, from `started` (performance.now()). */
function finished(started: number, r: Omit<HttpResult, 'durationMs' | 'bodyCut'>, bodyCut = false): HttpResult {
  // Every field named, in one order, rather than `{ ...r }`: the callers build `r` in several shapes,
  // and copying those by spread was ~5 % of the HTTP thread's own time in a throughput profile.
  return {
    statusCode: r.statusCode,
    responseBody: r.responseBody,
    retryAfter: r.retryAfter,
    errorClass: r.errorClass,
    errorMessage: r.errorMessage,
    durationMs: Math.round(performance.now() - started),
    bodyCut,
  };
}

/** The header value of `retry-after` among undici's raw headers (name, value, name, value, …). */
function retryAfterOf(raw: Buffer[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 11 && name.toString('latin1').toLowerCase() === 'retry-after')
      return raw[i + 1].toString('latin1');
  }
  return undefined;
}

/**
 * One request's handler (undici's dispatch handler): keeps the status, the first 4 KiB of the body and
 * the deadline, and settles `post()`'s promise exactly once. After the headers the status stands: a
 * body cut by the body wait, the deadline or the receiver settles as the status with `bodyCut`. A body
 * past `DRAIN_LIMIT_BYTES` settles as the status with its excerpt and drops the connection.
 */
class Exchange {
  private abort: ((err?: Error) => void) | null = null;
  private timer: NodeJS.Timeout;
  /** The answer's status and `retry-after`, once the headers are in. */
  private head: { statusCode: number; retryAfter: string | undefined } | null = null;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;
  /** The deadline (or the body wait) passed; the request is aborted as soon as it can be. */
  private expired = false;
  private settled = false;

  constructor(
    private readonly started: number,
    private readonly timeoutMs: number,
    private readonly bodyWaitMs: number,
    private readonly resolve: (r: HttpResult) => void,
  ) {
    this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    // Expired while waiting for a connection: never written.
    if (this.expired) abort(new Error('deadline passed'));
  }

  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    this.head = { statusCode, retryAfter: retryAfterOf(raw) };
    const left = this.timeoutMs - (performance.now() - this.started);
    if (this.bodyWaitMs < left) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.expire(), this.bodyWaitMs);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.seen += chunk.length;
    if (this.kept < RESPONSE_EXCERPT_BYTES) {
      const part =
        chunk.length <= RESPONSE_EXCERPT_BYTES - this.kept
          ? chunk
          : chunk.subarray(0, RESPONSE_EXCERPT_BYTES - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.seen > DRAIN_LIMIT_BYTES) {
      // Too long to drain for reuse: the excerpt is all the log keeps, and the connection goes.
      this.settleAnswer(false);
      this.abort?.(new Error('body past the drain limit'));
      return false;
    }
    return true;
  }

  onComplete(): void {
    this.settleAnswer(false);
  }

  onError(err: Error): void {
    if (this.settled) return;
    // The headers were in: the status stands, whatever became of the body.
    if (this.head) this.settleAnswer(true);
    else if (this.expired) this.settleTimeout();
    else {
      const { errorClass, message } = classifyError(err);
      this.settle({ statusCode: null, responseBody: null, retryAfter: undefined, errorClass, errorMessage: message });
    }
  }

  private expire(): void {
    this.expired = true;
    if (this.head) this.settleAnswer(true);
    else this.settleTimeout();
    this.abort?.(new Error('deadline passed'));
  }

  private settleTimeout(): void {
    this.settle({
      statusCode: null,
      responseBody: null,
      retryAfter: undefined,
      errorClass: 'timeout',
      errorMessage: `no complete answer within ${this.timeoutMs} ms`,
    });
  }

  private settleAnswer(bodyCut: boolean): void {
    const head = this.head!;
    const body =
      this.kept === 0
        ? null
        : (this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks)).toString('utf8');
    this.settle(answered(head.statusCode, head.retryAfter, body), bodyCut);
  }

  private settle(r: Omit<HttpResult, 'durationMs' | 'bodyCut'>, bodyCut = false): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(finished(this.started, r, bodyCut));
  }
}

/** Maps a network error to the attempt log's error class and a message without internals. */
export function classifyError(err: unknown): { errorClass: ErrorClass; message: string } {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const name = e.name ?? '';
  if (code === 'PAYHOOK_BLOCKED') return { errorClass: 'blocked', message: e.message ?? 'blocked address' };
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT' ||
    name === 'TimeoutError' ||
    name === 'AbortError'
  ) {
    return { errorClass: 'timeout', message: 'timed out waiting for the endpoint' };
  }
  if (code === 'ECONNREFUSED') return { errorClass: 'refused', message: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
    return { errorClass: 'dns', message: 'host name did not resolve' };
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED' ||
    code === 'ECONNABORTED'
  ) {
    return { errorClass: 'reset', message: 'connection closed by the endpoint' };
  }
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('CERT_') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER'
  ) {
    return { errorClass: 'tls', message: `TLS error (${code})` };
  }
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG')
    return { errorClass: 'invalid_url', message: 'invalid URL' };
  return { errorClass: 'unknown', message: code ? `network error (${code})` : 'network error' };
}
