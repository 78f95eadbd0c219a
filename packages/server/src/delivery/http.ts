/**
 * Outbound HTTP for deliveries, on undici.
 *
 * One `Agent` holds a keep-alive connection pool per origin, so a merchant's server sees a steady set
 * of reused connections rather than one per webhook. Redirects
 * are never followed. The response body is read up to 4 KiB for the attempt log; the rest of a small
 * body is drained so the connection can be reused, and a large one is dropped with its connection.
 */
import { Agent, request } from 'undici';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { ErrorClass } from '../store/types.js';
import { DestinationError, type DestinationPolicy } from './destinations.js';

export const RESPONSE_EXCERPT_BYTES = 4096;
const DRAIN_LIMIT_BYTES = 64 * 1024;

export interface HttpResult {
  statusCode: number | null;
  /** First 4 KiB of the response body (UTF-8, lossy). */
  responseBody: string | null;
  retryAfter: string | undefined;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  durationMs: number;
  /**
   * The failure was payhook's, not the endpoint's (the HTTP worker thread stopped with the request in
   * flight, http-thread.ts): retried like any failure, but neither the governor nor the circuit
   * breaker counts it against the endpoint.
   */
  internal?: true;
}

/**
 * What an attempt posts through: the in-process `HttpClient` below, or `ThreadedHttpClient`
 * (http-thread.ts), which runs one in a worker thread. `post` never rejects: every failure is a result.
 */
export interface HttpSender {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpResult>;
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
}

/** The name given by undici's connector and the callback net/tls expect of a `lookup`. */
type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

export class HttpClient implements HttpSender {
  private readonly agent: Agent;
  private readonly destinations: DestinationPolicy;
  readonly userAgent: string;

  constructor(options: HttpClientOptions) {
    this.destinations = options.destinations;
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
   * request, cleared at the end. (undici's own `bodyTimeout` is per chunk, so a receiver dripping a
   * byte a second would keep an attempt open for as long as it liked, past the claim's lease.)
   */
  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpResult> {
    const started = performance.now();
    const done = (r: Omit<HttpResult, 'durationMs'>): HttpResult => ({
      ...r,
      durationMs: Math.round(performance.now() - started),
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
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
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
      const length = Number(res.headers['content-length']);
      // Most receivers answer with a short body and a content-length: read it in one go (one promise)
      // instead of iterating the stream chunk by chunk.
      let responseBody: string | null;
      if (length === 0) {
        await res.body.dump();
        responseBody = null;
      } else if (length > 0 && length <= DRAIN_LIMIT_BYTES) responseBody = excerpt(await res.body.text());
      else responseBody = await readExcerpt(res.body);
      const ra = res.headers['retry-after'];
      return done({
        statusCode: res.statusCode,
        responseBody,
        retryAfter: Array.isArray(ra) ? ra[0] : ra,
        errorClass:
          res.statusCode >= 200 && res.statusCode < 300
            ? null
            : res.statusCode >= 300 && res.statusCode < 400
              ? 'redirect'
              : 'http_status',
        errorMessage: res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`,
      });
    } catch (err) {
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

function excerpt(text: string): string | null {
  if (text.length === 0) return null;
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= RESPONSE_EXCERPT_BYTES ? text : buf.subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(err?: Error): void }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (kept < RESPONSE_EXCERPT_BYTES) {
      const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - kept);
      chunks.push(part);
      kept += part.length;
    }
    if (seen > DRAIN_LIMIT_BYTES) {
      body.destroy();
      break;
    }
  }
  return kept === 0 ? null : Buffer.concat(chunks).toString('utf8');
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
