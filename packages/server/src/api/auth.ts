/**
 * Who is calling, decided before the body is read: `Authorization: Bearer <key>` on every `/v1` route.
 *
 * Each route declares what it needs in its config: `auth: 'public'` (health, the OpenAPI document),
 * `'admin'` (merchants, metrics) or `'merchant'` (everything a merchant owns). Authentication runs in
 * `onRequest`, before parsing, so an anonymous caller cannot make payhook parse a body, and a request
 * that is both unauthenticated and malformed gets the 401.
 *
 * Acting for a merchant (one rule everywhere): a merchant key acts for its own merchant; an admin key
 * names the merchant with the `merchant_id` query parameter, on every method (never in the body, so
 * body schemas stay the resource's own fields).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import type { MerchantId } from '../ids.js';
import type { Principal } from '../merchants/service.js';

export type AuthLevel = 'public' | 'admin' | 'merchant';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
    /** The route's body schema takes no fields and the body may be left out (see `noFieldsBody`). */
    optionalBody?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const level = request.routeOptions.config.auth ?? 'public';
    if (level === 'public') return;
    const principal = await ctx.auth.authenticate(request.headers.authorization);
    if (level === 'admin' && principal.kind !== 'admin') throw new PayhookError('forbidden', 'this route needs the admin key');
    request.principal = principal;
  });
}

/** The merchant this request acts for (see the rule above). */
export function merchantOf(ctx: AppContext, request: FastifyRequest): Promise<MerchantId> {
  const principal = request.principal;
  if (!principal) throw new PayhookError('unauthorized');
  // Every merchant-scoped route's schema checks `merchant_id` as a `mer_` id (scopedQuery).
  const requested = (request.query as { merchant_id?: MerchantId } | undefined)?.merchant_id;
  return ctx.auth.merchantFor(principal, requested);
}

/** The OpenAPI `security` of a route that needs a key. */
export const bearer = [{ bearerAuth: [] }];

/** The OpenAPI `security` of a public route: explicitly none, so no tool sends a key it does not need. */
export const noKey: [] = [];
