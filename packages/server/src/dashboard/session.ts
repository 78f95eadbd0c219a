/**
 * Who is signed in to the dashboard, and how pages call the API as them.
 *
 * Pages never read the store: they call the in-process HTTP API (fastify `inject`) as the signed-in
 * principal, so tenancy, scopes and validation are the API's own, never re-implemented here. A session
 * signed in with a key calls with that key (kept sealed in the session row, so revoking the key ends
 * the session at once). A portal session has no key: it calls with this API instance's internal
 * credential (`x-payhook-dashboard`, random per process, never sent out) naming its merchant and
 * scopes, which api/auth.ts turns into the same merchant principal a key would give.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { ApiKeyScope, Store } from '../store/types.js';
import { idHash, Signer } from './tokens.js';

export const DASHBOARD_PATH = '/dashboard';
export const PORTAL_PATH = '/dashboard/portal';
export const SESSION_COOKIE = 'ph_session';
export const PRE_COOKIE = 'ph_csrf';
/** The header of the internal credential (api/auth.ts); its value is the process's secret. */
export const INTERNAL_HEADER = 'x-payhook-dashboard';
export const INTERNAL_AS_HEADER = 'x-payhook-dashboard-as';

const signers = new WeakMap<Store, Promise<Signer>>();

/** The signer of this store's processes (the key comes from the store once per process). */
export function signerOf(store: Store): Promise<Signer> {
  let s = signers.get(store);
  if (!s) {
    s = Signer.load(store);
    s.catch(() => signers.delete(store));
    signers.set(store, s);
  }
  return s;
}

export interface Viewer {
  sessionId: string;
  /** admin: the admin key; merchant: a merchant's key or a portal link. */
  kind: 'admin' | 'merchant';
  merchantId: string | null;
  scopes: readonly ApiKeyScope[];
  apiKey: string | null;
  /** Signed in through a portal link. */
  portal: boolean;
  csrf: string;
  canWrite: boolean;
}

export function cookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function cookieHeader(ctx: AppContext, name: string, value: string, maxAgeSeconds: number): string {
  const secure = ctx.config.dashboard.publicUrl?.startsWith('https:') ? '; Secure' : '';
  return `${name}=${encodeURIComponent(value)}; Path=${DASHBOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** The signed-in viewer of a request, or null (no cookie, a forged one, or a session that ended). */
export async function viewerOf(ctx: AppContext, request: FastifyRequest): Promise<Viewer | null> {
  const signer = await signerOf(ctx.store);
  const sessionId = signer.sessionOf(cookies(request)[SESSION_COOKIE]);
  if (!sessionId) return null;
  const s = await ctx.store.getDashboardSession(idHash(sessionId), Date.now());
  if (!s) return null;
  return {
    sessionId,
    kind: s.merchantId === null ? 'admin' : 'merchant',
    merchantId: s.merchantId,
    scopes: s.scopes,
    apiKey: s.apiKey,
    portal: s.apiKey === null,
    csrf: signer.csrfFor(sessionId),
    canWrite: s.merchantId === null || s.scopes.includes('write'),
  };
}

/** An API answer's body: JSON of the route's response schema, typed by the page that reads it. */
// biome-ignore lint/suspicious/noExplicitAny: each page states the shape it reads, from the API's schema
export type ApiBody = any;

export interface ApiReply<T = ApiBody> {
  status: number;
  body: T;
}

/**
 * Calls the API in-process as the viewer. `remoteAddress` is the browser's, so the API's per-client
 * limits (failed authentications) count the person, not the dashboard.
 */
export async function callApi<T = ApiBody>(
  app: FastifyInstance,
  internalSecret: string,
  viewer: Pick<Viewer, 'apiKey' | 'merchantId' | 'scopes'>,
  request: FastifyRequest,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = {};
  if (viewer.apiKey !== null) headers.authorization = `Bearer ${viewer.apiKey}`;
  else {
    headers[INTERNAL_HEADER] = internalSecret;
    headers[INTERNAL_AS_HEADER] = `${viewer.merchantId} ${viewer.scopes.join(',')}`;
  }
  const res = await app.inject({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    payload: body === undefined ? undefined : JSON.stringify(body),
    remoteAddress: request.ip,
  });
  let parsed: unknown = null;
  try {
    parsed = res.body === '' ? null : JSON.parse(res.body);
  } catch {
    parsed = res.body;
  }
  return { status: res.statusCode, body: parsed as T };
}
