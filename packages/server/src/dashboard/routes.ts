/**
 * `/dashboard`: the dashboard and merchant portal, served by payhook itself (docs/dashboard.md).
 *
 * One Fastify plugin, so its form-body parser and HTML error pages stay inside it: the API keeps
 * taking JSON only. Every route here is `auth: 'public'` to the API's hook and hidden from the OpenAPI
 * document; the dashboard decides who is signed in itself (session.ts) and then asks the API, as that
 * principal, for everything it shows or changes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { isPayhookError } from '../errors.js';
import { CSS, JS } from './assets.js';
import { html, page } from './html.js';
import { registerAuthPages } from './pages/sign-in.js';
import { registerEndpointPages } from './pages/endpoints.js';
import { registerEventPages } from './pages/events.js';
import { registerOperatorPages } from './pages/operator.js';
import { registerOverviewPages } from './pages/overview.js';
import { registerPaymentPages } from './pages/payments.js';
import { registerReplayPages } from './pages/replays.js';
import { type Dashboard, HIDDEN, type PageContext, PageError, type PageHandler } from './page-context.js';
import { callApi, signerOf, type Viewer, viewerOf } from './session.js';

function withMerchant(path: string, merchantId: string | undefined, viewer: Viewer): string {
  if (viewer.kind !== 'admin' || !merchantId) return path;
  return `${path}${path.includes('?') ? '&' : '?'}merchant_id=${encodeURIComponent(merchantId)}`;
}

export async function registerDashboard(root: FastifyInstance, ctx: AppContext, internalSecret: string): Promise<void> {
  await root.register(async (app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    app.setErrorHandler(async (err, request, reply) => {
      const viewer = await viewerOf(ctx, request).catch(() => null);
      const status =
        err instanceof PageError
          ? err.status
          : isPayhookError(err)
            ? err.status
            : ((err as { statusCode?: number }).statusCode ?? 500);
      if (status >= 500) request.log.error({ err }, 'dashboard page failed');
      const message = status >= 500 ? 'Something went wrong; it was logged.' : (err as Error).message;
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(
          page({ title: `Error ${status}`, viewer }, html`<p class="notice error" role="alert">${message}</p>`).text,
        );
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
      reply.header(
        'content-security-policy',
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html'))
        reply.header('cache-control', 'no-store');
      return payload;
    });

    const config = { auth: 'public' as const };
    app.get('/dashboard/assets/dashboard.css', { config, schema: HIDDEN }, async (_q, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS),
    );
    app.get('/dashboard/assets/dashboard.js', { config, schema: HIDDEN }, async (_q, reply) =>
      reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(JS),
    );

    const run = async (request: FastifyRequest, reply: FastifyReply, handler: PageHandler, isPost: boolean) => {
      const viewer = await viewerOf(ctx, request);
      if (!viewer) {
        if (isPost) throw new PageError(401, 'Your session ended; sign in again.');
        const next = request.url;
        return reply.redirect(`/dashboard/sign-in?next=${encodeURIComponent(next)}`, 303);
      }
      const form = (request.body ?? {}) as Record<string, string>;
      if (isPost && form.csrf !== viewer.csrf)
        throw new PageError(403, 'This form expired (CSRF token); reload the page.');
      const query = request.query as Record<string, string>;
      const merchantId = viewer.kind === 'merchant' ? (viewer.merchantId ?? undefined) : query.merchant_id || undefined;
      const p: PageContext = {
        viewer,
        request,
        reply,
        merchantId,
        form,
        query,
        api: (method, path, body) =>
          callApi(app, internalSecret, viewer, request, method, withMerchant(path, merchantId, viewer), body),
        ok: (r) => {
          if (r.status === 401)
            throw new PageError(401, "This session's key no longer works (revoked?); sign in again.");
          if (r.status >= 400) {
            const b = r.body as { error?: { code?: string; message?: string } } | null;
            throw new PageError(r.status, b?.error?.message ?? `the API answered ${r.status}`);
          }
          return r.body;
        },
      };
      const out = await handler(p);
      if ('redirect' in out) return reply.redirect(out.redirect, 303);
      return reply.type('text/html; charset=utf-8').send(out.text);
    };
    const dash: Dashboard = {
      ctx,
      get: (path, handler) =>
        app.get(path, { config, schema: HIDDEN }, (request, reply) => run(request, reply, handler, false)),
      post: (path, handler) =>
        app.post(path, { config, schema: HIDDEN }, (request, reply) => run(request, reply, handler, true)),
    };
    await signerOf(ctx.store);
    registerAuthPages(app, dash, internalSecret);
    registerOverviewPages(dash, app, internalSecret);
    registerEndpointPages(dash);
    registerReplayPages(dash);
    registerEventPages(dash);
    registerPaymentPages(dash);
    registerOperatorPages(dash);
  });
}
