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
import { isIP } from 'node:net';
import type { ErrorClass } from '../store/types.js';

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
}

/** True for loopback, private, link-local, CGNAT and unspecified addresses (v4 and v6). */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number);
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith('::ffff:')) return isPrivateAddress(v6.slice(7));
  return v6 === '::1' || v6 === '::' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}

class BlockedAddressError extends Error {
  code = 'PAYHOOK_BLOCKED';
}

export interface HttpClientOptions {
  connectionsPerOrigin: number;
  blockPrivateNetworks: boolean;
  userAgent: string;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly blockPrivate: boolean;
  readonly userAgent: string;

  constructor(options: HttpClientOptions) {
    this.blockPrivate = options.blockPrivateNetworks;
    this.userAgent = options.userAgent;
    const block = this.blockPrivate;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: {
        timeout: 10_000,
        // SSRF filter at connect time, after DNS, so a name that resolves to a private address is
        // caught too (checking the URL's host alone would miss it).
        ...(block ? {
          lookup: (hostname: string, opts: object, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
            dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
              if (err) return cb(err, []);
              const list = addresses as LookupAddress[];
              if (list.some((a) => isPrivateAddress(a.address))) return cb(new BlockedAddressError(`${hostname} resolves to a private address`), []);
              const o = opts as { all?: boolean };
              if (o.all) cb(null, list);
              else cb(null, list[0].address, list[0].family);
            });
          },
        } : {}),
      },
    });
  }

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpResult> {
    const started = performance.now();
    const done = (r: Omit<HttpResult, 'durationMs'>): HttpResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
    if (this.blockPrivate) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && isPrivateAddress(host)) {
        return done({ statusCode: null, responseBody: null, retryAfter: undefined, errorClass: 'blocked', errorMessage: `${host} is a private address` });
      }
    }
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        // undici's own timers (one coarse timer wheel) rather than an AbortSignal per request, which
        // cost ~1% of the dispatcher's time at 10k requests/s.
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const length = Number(res.headers['content-length']);
      // Most receivers answer with a short body and a content-length: read it in one go (one promise)
      // instead of iterating the stream chunk by chunk.
      const responseBody = length === 0
        ? (await res.body.dump(), null)
        : length > 0 && length <= DRAIN_LIMIT_BYTES
          ? excerpt(await res.body.text())
          : await readExcerpt(res.body);
      const ra = res.headers['retry-after'];
      return done({
        statusCode: res.statusCode,
        responseBody,
        retryAfter: Array.isArray(ra) ? ra[0] : ra,
        errorClass: res.statusCode >= 200 && res.statusCode < 300 ? null : res.statusCode >= 300 && res.statusCode < 400 ? 'redirect' : 'http_status',
        errorMessage: res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`,
      });
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      return done({ statusCode: null, responseBody: null, retryAfter: undefined, errorClass, errorMessage: message });
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
    if (seen > DRAIN_LIMIT_BYTES) { body.destroy(); break; }
  }
  return kept === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

/** Maps a network error to the attempt log's error class and a message without internals. */
export function classifyError(err: unknown): { errorClass: ErrorClass; message: string } {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const name = e.name ?? '';
  if (code === 'PAYHOOK_BLOCKED') return { errorClass: 'blocked', message: e.message ?? 'blocked address' };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'ETIMEDOUT' || name === 'TimeoutError' || name === 'AbortError') {
    return { errorClass: 'timeout', message: 'timed out waiting for the endpoint' };
  }
  if (code === 'ECONNREFUSED') return { errorClass: 'refused', message: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { errorClass: 'dns', message: 'host name did not resolve' };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || code === 'ECONNABORTED') {
    return { errorClass: 'reset', message: 'connection closed by the endpoint' };
  }
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return { errorClass: 'tls', message: `TLS error (${code})` };
  }
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') return { errorClass: 'invalid_url', message: 'invalid URL' };
  return { errorClass: 'unknown', message: code ? `network error (${code})` : 'network error' };
}
