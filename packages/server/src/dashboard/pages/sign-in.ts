/**
 * Signing in and out: with an API key (a form), or with a portal link (POST /v1/portal-links), which
 * is opened by a button rather than by the GET itself, so a mail scanner or chat preview fetching the
 * link does not spend it. Before sign-in, forms carry a CSRF token derived from a random `ph_csrf`
 * cookie; afterwards, from the session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPayhookError } from '../../errors.js';
import type { MerchantId } from '../../ids.js';
import { csrfField, html, page, raw } from '../html.js';
import type { Dashboard } from '../page-context.js';
import { HIDDEN, PageError } from '../page-context.js';
import {
  callApi,
  cookieHeader,
  cookies,
  PORTAL_PATH,
  PRE_COOKIE,
  SESSION_COOKIE,
  signerOf,
  viewerOf,
} from '../session.js';
import { idHash, newSecretId } from '../tokens.js';

const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/dashboard(\/|\?|$)/.test(next) && !next.startsWith('//') ? next : '/dashboard';

export function registerAuthPages(app: FastifyInstance, dash: Dashboard, internalSecret: string): void {
  const { ctx } = dash;
  const config = { auth: 'public' as const };
  const sessionSeconds = Math.floor(ctx.config.dashboard.sessionTtlMs / 1000);

  /** The pre-session CSRF token, setting its cookie when the browser has none. */
  const preToken = async (request: FastifyRequest, reply: FastifyReply): Promise<string> => {
    let nonce = cookies(request)[PRE_COOKIE];
    if (!nonce || nonce.length < 32) {
      nonce = newSecretId();
      reply.header('set-cookie', cookieHeader(ctx, PRE_COOKIE, nonce, 3600));
    }
    return (await signerOf(ctx.store)).csrfFor(nonce);
  };
  const checkPreToken = async (request: FastifyRequest): Promise<Record<string, string>> => {
    const form = (request.body ?? {}) as Record<string, string>;
    const nonce = cookies(request)[PRE_COOKIE];
    if (!nonce || form.csrf !== (await signerOf(ctx.store)).csrfFor(nonce))
      throw new PageError(403, 'This form expired (CSRF token); reload the page.');
    return form;
  };
  const startSession = async (
    reply: FastifyReply,
    s: {
      merchantId: string | null;
      apiKey: string | null;
      scopes: readonly ('read' | 'write')[];
      nonce: string | null;
    },
  ): Promise<boolean> => {
    const sessionId = newSecretId();
    const now = Date.now();
    const created = await ctx.store.createDashboardSession({
      idHash: idHash(sessionId),
      merchantId: s.merchantId as MerchantId | null,
      apiKey: s.apiKey,
      scopes: s.scopes,
      linkNonce: s.nonce,
      createdAt: now,
      expiresAt: now + ctx.config.dashboard.sessionTtlMs,
    });
    if (created)
      reply.header(
        'set-cookie',
        cookieHeader(ctx, SESSION_COOKIE, (await signerOf(ctx.store)).cookieFor(sessionId), sessionSeconds),
      );
    return created;
  };
  const signInPage = (token: string, next: string, problem?: string) =>
    page(
      { title: 'Sign in', viewer: null },
      html`${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ''}
<form method="post" action="/dashboard/sign-in" class="stack">${csrfField(token)}<input type="hidden" name="next" value="${next}">
<label>API key <input name="key" type="password" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form>
<p class="muted">A merchant key shows that merchant; a read-only key shows and changes nothing. The admin key opens the operator view. A merchant can also be sent a one-time portal link (docs/dashboard.md).</p>`,
    );

  app.get('/dashboard/sign-in', { config, schema: HIDDEN }, async (request, reply) => {
    const token = await preToken(request, reply);
    const next = safeNext((request.query as { next?: string }).next);
    return reply.type('text/html; charset=utf-8').send(signInPage(token, next).text);
  });

  app.post('/dashboard/sign-in', { config, schema: HIDDEN }, async (request, reply) => {
    const form = await checkPreToken(request);
    const key = (form.key ?? '').trim();
    // The API decides whether the key is good (and counts failures for this browser's address): any
    // answer but 401/429 to an admin-only read means a live key; then whose it is.
    const probe = await callApi(
      app,
      internalSecret,
      { apiKey: key, merchantId: null, scopes: [] },
      request,
      'GET',
      '/v1/merchants?limit=1',
    );
    if (probe.status === 401 || probe.status === 429 || key === '') {
      const token = await preToken(request, reply);
      const why =
        probe.status === 429 ? 'Too many wrong keys from this address; wait a while.' : 'That key is not valid.';
      return reply
        .code(probe.status === 429 ? 429 : 401)
        .type('text/html; charset=utf-8')
        .send(signInPage(token, safeNext(form.next), why).text);
    }
    let principal: Awaited<ReturnType<typeof ctx.auth.authenticate>>;
    try {
      principal = await ctx.auth.authenticate(`Bearer ${key}`);
    } catch (err) {
      if (isPayhookError(err)) throw new PageError(401, 'That key is not valid.');
      throw err;
    }
    await startSession(reply, {
      merchantId: principal.kind === 'admin' ? null : principal.merchantId,
      apiKey: key,
      scopes: principal.kind === 'admin' ? ['read', 'write'] : principal.scopes,
      nonce: null,
    });
    const next = safeNext(form.next);
    return reply.redirect(principal.kind === 'admin' && next === '/dashboard' ? '/dashboard/operator' : next, 303);
  });

  app.post('/dashboard/sign-out', { config, schema: HIDDEN }, async (request, reply) => {
    const viewer = await viewerOf(ctx, request);
    const form = (request.body ?? {}) as Record<string, string>;
    if (viewer) {
      if (form.csrf !== viewer.csrf) throw new PageError(403, 'This form expired (CSRF token); reload the page.');
      await ctx.store.deleteDashboardSession(idHash(viewer.sessionId));
    }
    reply.header('set-cookie', cookieHeader(ctx, SESSION_COOKIE, '', 0));
    return reply.redirect('/dashboard/sign-in', 303);
  });

  /** The claims of a link that can still be opened, or the page's reason why not. */
  const readLink = async (token: unknown) => {
    const signer = await signerOf(ctx.store);
    const claims = typeof token === 'string' ? signer.readPortalToken(token) : null;
    if (!claims) throw new PageError(400, 'This portal link is not valid (it was changed or cut short).');
    if (claims.expiresAt <= Date.now()) throw new PageError(410, 'This portal link has expired; ask for a new one.');
    return claims;
  };

  app.get(PORTAL_PATH, { config, schema: HIDDEN }, async (request, reply) => {
    const token = (request.query as { token?: string }).token;
    const claims = await readLink(token);
    const csrf = await preToken(request, reply);
    return reply.type('text/html; charset=utf-8').send(
      page(
        { title: 'Open the portal', viewer: null },
        html`<p>This one-time link signs you in to the payhook dashboard of merchant <code>${claims.merchantId}</code>${
          claims.scopes.includes('write') ? '' : raw(' (read-only)')
        }.</p>
<form method="post" action="${PORTAL_PATH}" class="stack">${csrfField(csrf)}<input type="hidden" name="token" value="${token}">
<button type="submit" autofocus>Continue</button></form>`,
      ).text,
    );
  });

  app.post(PORTAL_PATH, { config, schema: HIDDEN }, async (request, reply) => {
    const form = await checkPreToken(request);
    const claims = await readLink(form.token);
    if (!(await ctx.store.getMerchant(claims.merchantId as MerchantId)))
      throw new PageError(400, 'This portal link is not valid.');
    const opened = await startSession(reply, {
      merchantId: claims.merchantId,
      apiKey: null,
      scopes: claims.scopes,
      nonce: claims.nonce,
    });
    if (!opened) throw new PageError(410, 'This portal link was used already; ask for a new one.');
    return reply.redirect('/dashboard', 303);
  });
}
