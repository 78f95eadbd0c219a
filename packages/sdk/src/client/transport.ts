/**
 * The HTTP side of `PayhookClient`: one JSON request to the API, its errors as `PayhookApiError`, and the
 * helpers every resource file uses (`seg` for ids in paths, `paginate` for lists).
 */
import { PayhookApiError } from '../errors.js';
import type { Page } from './types/common.js';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** Send the client's `merchantId` as `merchant_id` (every route but the admin's `/v1/merchants`). */
  scoped?: boolean;
}

/** What the transport needs of `PayhookClientOptions` (checked by the client before it gets here). */
export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  merchantId: string | undefined;
  livemode: boolean | undefined;
  timeoutMs: number;
}

export class Transport {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #merchantId: string | undefined;
  readonly #livemode: boolean | undefined;
  readonly timeoutMs: number;

  constructor(options: TransportOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch;
    this.#merchantId = options.merchantId;
    this.#livemode = options.livemode;
    this.timeoutMs = options.timeoutMs;
  }

  /** One JSON request, with the answer's status (some routes say something with it, such as 200 vs 202). */
  async exchange<T>(method: string, path: string, options: CallOptions): Promise<{ status: number; body: T }> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const res = await this.fetch2xx(method, path, options, 'application/json', signal);
    const text = await res.text().catch((err: unknown) => {
      throw this.#networkError(method, path, err);
    });
    if (text === '') return { status: res.status, body: undefined as T };
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      throw new PayhookApiError(
        'invalid_response',
        res.status,
        `${method} ${path} answered ${res.status} with a body that is not JSON`,
      );
    }
  }

  /** Sends one request; a network failure or a non-2xx answer throws `PayhookApiError`. */
  async fetch2xx(
    method: string,
    path: string,
    options: CallOptions,
    accept: string,
    signal: AbortSignal,
  ): Promise<Response> {
    const url = new URL(this.#baseUrl + path);
    const query =
      options.scoped === false
        ? { ...options.query }
        : { ...options.query, merchant_id: this.#merchantId, livemode: this.#livemode };
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await this.#fetch(url, { method, headers, body, signal });
    } catch (err) {
      throw this.#networkError(method, path, err);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const e = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    if (e && typeof e.code === 'string') {
      throw new PayhookApiError(
        e.code,
        res.status,
        typeof e.message === 'string' ? e.message : e.code,
        e.details ?? null,
      );
    }
    throw new PayhookApiError(
      `http_${res.status}`,
      res.status,
      `${method} ${path} answered ${res.status} without a payhook error body`,
      text.slice(0, 500),
    );
  }

  #networkError(method: string, path: string, err: unknown): PayhookApiError {
    const timedOut = (err as { name?: string })?.name === 'TimeoutError';
    return new PayhookApiError(
      timedOut ? 'timeout' : 'network_error',
      0,
      timedOut
        ? `${method} ${path} timed out after ${this.timeoutMs} ms`
        : `${method} ${path} failed: ${(err as Error)?.message ?? err}`,
      null,
      { cause: err },
    );
  }
}

/**
 * What a resource file gets from the client: its public `request` (so a subclass that wraps `request`
 * wraps the resource methods too, as when they were the client's own) and the transport, for the routes
 * that need more than `request` gives (the status, an unscoped admin route, a stream).
 */
export interface ApiContext {
  request<T>(method: string, path: string, options?: { query?: Query; body?: unknown }): Promise<T>;
  transport: Transport;
}

/** An id as one path segment; an empty or missing id is a `TypeError`, before any request. */
export const seg = (id: string): string => {
  if (typeof id !== 'string' || id === '') throw new TypeError('an id is required');
  return encodeURIComponent(id);
};

/** Every item of a list, page after page, until a page has no `next_cursor` (or no items). */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncIterableIterator<T> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.data;
    if (!page.next_cursor || page.data.length === 0) return;
    cursor = page.next_cursor;
  }
}
