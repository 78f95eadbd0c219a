/**
 * A small client of the payhook HTTP API for the CLI commands: fetch, a bearer key, JSON in and out,
 * and API errors surfaced with their stable code.
 */

export interface ClientOptions {
  /** Base URL of the API (`--url`, PAYHOOK_URL, default http://127.0.0.1:8080). */
  url: string;
  /** `--api-key` or PAYHOOK_API_KEY. */
  apiKey?: string;
  /** Admin keys only: the merchant to act for (`--merchant`, PAYHOOK_MERCHANT_ID). */
  merchantId?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** An error answered by the API: `{"error":{"code","message","details"}}`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown) {
    super(message);
    this.name = 'ApiError';
  }
}

/** payhook could not be reached at all (not running, wrong URL). */
export class ConnectionError extends Error {
  readonly code = 'connection_failed';
  constructor(url: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(`cannot reach payhook at ${url}: ${reason?.code ?? reason?.message ?? String(cause)} (is \`payhook serve\` running? set --url or PAYHOOK_URL)`);
    this.name = 'ConnectionError';
  }
}

export type Query = Record<string, string | number | undefined>;

export class Client {
  constructor(private readonly options: ClientOptions) {}

  /** The response body as parsed JSON (`null` for 204). Throws `ApiError` for any error status. */
  async request<T = unknown>(method: string, path: string, init: { query?: Query; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const url = new URL(path, this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`);
    const query: Query = { ...init.query };
    if (this.options.merchantId && path.startsWith('/v1/') && !path.startsWith('/v1/merchants')) query.merchant_id = this.options.merchantId;
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    } catch (err) {
      throw new ConnectionError(this.options.url, err);
    }
    const text = await res.text();
    let body: unknown = null;
    if (text !== '') {
      try { body = JSON.parse(text); } catch { body = text; }
    }
    if (!res.ok) {
      const e = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `HTTP ${res.status}`, e?.details ?? null);
    }
    return { status: res.status, body: body as T };
  }
}
