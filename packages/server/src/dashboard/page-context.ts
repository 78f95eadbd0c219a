/** What the dashboard's pages are handed (routes.ts builds it for each request). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { Html } from './html.js';
import type { ApiBody, ApiReply, Viewer } from './session.js';

export const HIDDEN = { hide: true } as const;

/** What a page handler gets: the viewer, the API as the viewer, and the form (POST). */
export interface PageContext {
  viewer: Viewer;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The merchant shown: the viewer's own, or the one an admin picked (`merchant_id`). */
  merchantId: string | undefined;
  form: Record<string, string>;
  query: Record<string, string>;
  /** Calls the API as the viewer, adding the admin's `merchant_id`. */
  api<T = ApiBody>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ApiReply<T>>;
  /** The API's answer, or an error page for its error (404, 403, …) thrown to the plugin's handler. */
  ok<T = ApiBody>(reply: ApiReply<T>): T;
}

export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type PageHandler = (p: PageContext) => Promise<Html | { redirect: string }>;

export interface Dashboard {
  get(path: string, handler: PageHandler): void;
  /** A POST: the CSRF token is checked before the handler runs. */
  post(path: string, handler: PageHandler): void;
  ctx: AppContext;
}
