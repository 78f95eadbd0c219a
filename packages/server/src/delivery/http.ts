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
import { Agent, request } from 'undici';
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
   */
  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpResult> {
    const started = performance.now();
    const done = (r: Omit<HttpResult, 'durationMs' | 'bodyCut'>, bodyCut = false): HttpResult => ({
      ...r,
      durationMs: Math.round(performance.now() - started),
      bodyCut,
    });
    let verdict: ReturnType<DestinationPolicy['checkUrl']>;
    try {
      verdict = this.destinations.checkUrl(url);
    } catch {
      return done({
        statusCode: null,
        responseBody: null,
        retryAfter: undefined,
        errorClass: 'invalid_url',
        errorMessage: 'invalid URL',
      });
    }
    if (!verdict.allowed) {
      return done({
        statusCode: null,
        responseBody: null,
        retryAfter: undefined,
        errorClass: 'blocked',
        errorMessage: `destination not allowed: ${verdict.reason}`,
      });
    }
    const deadline = new AbortController();
    let timer = setTimeout(() => deadline.abort(), timeoutMs);
    /** The answer's status and headers, once they are in: from then on, the status decides. */
    let head: { statusCode: number; retryAfter: string | undefined } | null = null;
    const partial: Excerpt = { chunks: [], kept: 0 };
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: deadline.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const ra = res.headers['retry-after'];
      head = { statusCode: res.statusCode, retryAfter: Array.isArray(ra) ? ra[0] : ra };
      const left = timeoutMs - (performance.now() - started);
      if (this.bodyWaitMs < left) {
        clearTimeout(timer);
        timer = setTimeout(() => deadline.abort(), this.bodyWaitMs);
      }
      const length = Number(res.headers['content-length']);
      // Most receivers answer with a short body and a content-length: read it in one go (one promise)
      // instead of iterating the stream chunk by chunk.
      let responseBody: string | null;
      if (length === 0) {
        await res.body.dump();
        responseBody = null;
      } else if (length > 0 && length <= DRAIN_LIMIT_BYTES) responseBody = excerpt(await res.body.text());
      else responseBody = await readExcerpt(res.body, partial);
      return done(answered(head.statusCode, head.retryAfter, responseBody));
    } catch (err) {
      // The headers were in: the status stands, whatever became of the body (cut by the wait above or
      // by the deadline, or closed by the receiver). The excerpt keeps what had arrived, if it was read
      // chunk by chunk.
      if (head) return done(answered(head.statusCode, head.retryAfter, joined(partial)), true);
      if (deadline.signal.aborted) {
        return done({
          statusCode: null,
          responseBody: null,
          retryAfter: undefined,
          errorClass: 'timeout',
          errorMessage: `no complete answer within ${timeoutMs} ms`,
        });
      }
      const { errorClass, message } = classifyError(err);
      return done({ statusCode: null, responseBody: null, retryAfter: undefined, errorClass, errorMessage: message });
    } finally {
      clearTimeout(timer);
    }
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

/** The first bytes of a body, kept as they arrive (so a body cut half-way still has its excerpt). */
interface Excerpt {
  chunks: Buffer[];
  kept: number;
}

function joined(e: Excerpt): string | null {
  return e.kept === 0 ? null : Buffer.concat(e.chunks).toString('utf8');
}

function excerpt(text: string): string | null {
  if (text.length === 0) return null;
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= RESPONSE_EXCERPT_BYTES ? text : buf.subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
}

async function readExcerpt(
  body: AsyncIterable<Buffer> & { destroy(err?: Error): void },
  into: Excerpt,
): Promise<string | null> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (into.kept < RESPONSE_EXCERPT_BYTES) {
      const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - into.kept);
      into.chunks.push(part);
      into.kept += part.length;
    }
    if (seen > DRAIN_LIMIT_BYTES) {
      body.destroy();
      break;
    }
  }
  return joined(into);
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
