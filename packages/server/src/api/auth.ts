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
 * body schemas stay the resource's own fields), and in its test mode unless it adds `livemode=true`.
 * A merchant key acts in its own mode only: the mode is the key's tenant scope (src/modes.ts).
 *
 * Scopes, also one rule: a read-only merchant key may use GET, HEAD and OPTIONS on merchant routes;
 * any other method is `403 insufficient_scope`, decided here for every route, present and future, so
 * no route can forget it. A client that sent too many wrong keys is refused with
 * `429 too_many_auth_failures` before its key is even looked up (limits/auth-failures.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { isPayhookError, PayhookError } from '../errors.js';
import type { MerchantId } from '../ids.js';
import { AuthFailures } from '../limits/auth-failures.js';
import { tooManyAuthFailures } from '../limits/errors.js';
import type { Principal } from '../merchants/service.js';
import { INTERNAL_AS_HEADER, INTERNAL_HEADER } from '../dashboard/session.js';

/** The methods a read-only key may use. */
export const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `optional`: public, but a key that is sent is checked as on a merchant route (GET /v1/event-types). */
export type AuthLevel = 'public' | 'optional' | 'admin' | 'merchant';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
    /** The route's body schema takes no fields and the body may be left out (see `noFieldsBody`). */
    optionalBody?: boolean;
    /** A read that still needs the write scope: it reveals what can forge or change (signing secrets). */
    needsWrite?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * The dashboard's own credential (dashboard/session.ts): a secret of this API instance, sent only by
 * its in-process calls, naming the merchant and scopes of a portal session. Anything else sending the
 * header is refused as a wrong key.
 */
function internalPrincipal(request: FastifyRequest, secret: string): Principal | null {
  const sent = request.headers[INTERNAL_HEADER];
  if (sent === undefined) return null;
  const a = Buffer.from(String(sent));
  const b = Buffer.from(secret);
  if (secret === '' || a.length !== b.length || !timingSafeEqual(a, b)) throw new PayhookError('unauthorized');
  const [merchantId, scopes] = String(request.headers[INTERNAL_AS_HEADER] ?? '').split(' ');
  if (!merchantId?.startsWith('mer_')) throw new PayhookError('unauthorized');
  return {
    kind: 'merchant',
    merchantId: merchantId as MerchantId,
    keyId: `portal:${merchantId}`,
    scopes: scopes === 'read,write' ? ['read', 'write'] : ['read'],
  };
}

export function registerAuth(app: FastifyInstance, ctx: AppContext, internalSecret = ''): void {
  app.decorateRequest('principal', null);
  const failures = new AuthFailures({
    limit: ctx.config.limits.authFailureLimit,
    windowMs: ctx.config.limits.authFailureWindowMs,
  });
  app.addHook('onRequest', async (request) => {
    const level = request.routeOptions.config.auth ?? 'public';
    if (level === 'public' || (level === 'optional' && request.headers.authorization === undefined)) return;
    const client = request.ip ?? '';
    const wait = failures.blockedFor(client);
    if (wait > 0) throw tooManyAuthFailures(wait);
    let principal: Principal;
    try {
      principal =
        internalPrincipal(request, internalSecret) ?? (await ctx.auth.authenticate(request.headers.authorization));
    } catch (err) {
      if (isPayhookError(err) && err.code === 'unauthorized') failures.fail(client);
      throw err;
    }
    if (level === 'admin' && principal.kind !== 'admin')
      throw new PayhookError('forbidden', 'this route needs the admin key');
    if (
      principal.kind === 'merchant' &&
      !principal.scopes.includes('write') &&
      (!READ_METHODS.has(request.method) || request.routeOptions.config.needsWrite)
    ) {
      throw new PayhookError(
        'insufficient_scope',
        `this key is read-only; ${request.method} ${request.routeOptions.url} needs a key with the write scope`,
        { scopes: principal.scopes, method: request.method },
      );
    }
    request.principal = principal;
  });
}

/**
 * The scope this request acts in (see the rule above): the merchant's id in test mode, its live scope
 * in live mode (src/modes.ts). Every merchant route passes it to the store as the merchant id.
 */
export function merchantOf(ctx: AppContext, request: FastifyRequest): Promise<MerchantId> {
  const principal = request.principal;
  if (!principal) throw new PayhookError('unauthorized');
  // Every merchant-scoped route's schema checks `merchant_id` as a `mer_` id (scopedQuery).
  const query = request.query as { merchant_id?: MerchantId; livemode?: boolean } | undefined;
  return ctx.auth.merchantFor(principal, query?.merchant_id, query?.livemode);
}

/** The OpenAPI `security` of a route that needs a key. */
export const bearer = [{ bearerAuth: [] }];

/** The OpenAPI `security` of a route where the key is optional (`auth: 'optional'`). */
export const optionalBearer: Record<string, string[]>[] = [{}, { bearerAuth: [] }];

/** The OpenAPI `security` of a public route: explicitly none, so no tool sends a key it does not need. */
export const noKey: [] = [];
