/**
 * The management API: Fastify with one file a resource (like svix's `v1/endpoints/`), each exporting
 * a function that registers its routes. This file sets up what every route shares: validation,
 * authentication, errors and the OpenAPI document.
 *
 * Validation uses two Ajv instances (fastify's documented way to differ by request part):
 * - bodies: no type coercion (`"5"` is not a number, `"true"` is not a boolean) and no removal of
 *   unknown fields, which every schema forbids with `additionalProperties: false` (→ `unknown_field`);
 * - query strings and path parameters: coercion on, since everything in a URL arrives as text, and
 *   `coerceTypes: 'array'` so `?type=a&type=b` and `?type=a` both arrive as a list.
 */
import { randomBytes } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchema,
} from 'fastify';
import swagger from '@fastify/swagger';
import { Ajv, type Options as AjvOptions } from 'ajv';
import type { AppContext } from '../context.js';
import { merchantOf, noKey, registerAuth } from './auth.js';
import { errorHandler, notFoundHandler, routePattern } from './errors.js';
import { registerEventTypeRoutes } from './event-types.js';
import { noQuery, publicErrorResponses, sharedSchemas } from './schemas.js';
import { openapiOptions } from './openapi.js';
import { registerDocsRoutes } from './docs.js';
import { exceedsDepth, MAX_JSON_DEPTH } from './json-depth.js';
import { keepBodyTexts } from './body-text.js';
import { PayhookError } from '../errors.js';
import { registerMerchantRoutes } from './merchants.js';
import { registerApiKeyRoutes } from './api-keys.js';
import { registerEndpointRoutes } from './endpoints.js';
import { registerEventRoutes } from './events.js';
import { registerDeliveryRoutes } from './deliveries.js';
import { registerReplayRoutes } from './replays.js';
import { registerErasureRoutes } from './erasures.js';
import { registerHealthRoutes } from './health.js';
import { registerListenRoutes } from './listen.js';
import { registerPortalLinkRoutes } from './portal-links.js';
import { registerDashboard } from '../dashboard/routes.js';

/** A route as registered: what the 405 handler matches against, and what tests check the OpenAPI document against. */
export interface RouteEntry {
  method: string;
  url: string;
  pattern: RegExp;
  /** What the route needs (`config.auth`): public, admin or merchant. */
  auth: string;
  /** Whether `/openapi.json` lists it: false for the routes that serve the reference page (`schema.hide`). */
  documented: boolean;
  /** A read that needs the write scope all the same (`config.needsWrite`: signing secrets). */
  needsWrite: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the API (HEAD excepted), in registration order. */
    payhookRoutes: RouteEntry[];
  }
}

const AJV_COMMON: AjvOptions = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  allowUnionTypes: true,
  strict: true,
};

export interface BuildOptions {
  /**
   * Only the operations routes (`/metrics`, `/healthz`, `/readyz`), with the same authentication and
   * errors: what `PAYHOOK_METRICS_PORT` serves.
   */
  operationsOnly?: boolean;
}

export async function buildApi(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  // Request ids unique across processes and restarts (fastify's own restart at req-1 in each process):
  // a random tag of this API instance and a counter, as cheap as fastify's counter. Every log line of
  // a request carries it as `request_id`; a 500 answers with it.
  const tag = randomBytes(4).toString('hex');
  let requests = 0;
  const app = Fastify({
    loggerInstance: ctx.logger,
    genReqId: () => `req_${tag}_${(++requests).toString(36)}`,
    bodyLimit: ctx.config.server.bodyLimitBytes,
    // One log line per request at info level would cost more than the ingest work itself at
    // thousands of events a second; errors are logged by the error handler, requests at debug.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    routerOptions: { ignoreTrailingSlash: true },
    // Errors fastify meets before routing (a path with a malformed %-escape, an over-long path
    // parameter) go through the same handler, so they too answer in the one error shape.
    frameworkErrors: (err, request, reply) =>
      errorHandler(ctx.config.server.bodyLimitBytes)(err, request as FastifyRequest, reply as FastifyReply),
  }) as unknown as FastifyInstance;

  const bodyAjv = new Ajv({ ...AJV_COMMON, coerceTypes: false });
  const urlAjv = new Ajv({ ...AJV_COMMON, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : urlAjv).compile(schema));

  // JSON is the only body this API takes: fastify's text/plain parser goes, so any other content type
  // is 415. An empty body with content-type JSON is no body (curl -X POST -H 'content-type:
  // application/json' on a route that takes none); anything else goes through fastify's own parser,
  // which refuses __proto__ and constructor keys. Its error loses JSON.parse's reason; we keep it.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  keepBodyTexts(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (exceedsDepth(text)) {
      done(new PayhookError('too_deep', undefined, { limit: MAX_JSON_DEPTH }), undefined);
      return;
    }
    request.payhookBodyText = text;
    jsonParser(request, text, (err, value) => {
      if (err) {
        try {
          JSON.parse(text);
          err.cause = new Error('__proto__ and constructor keys are not allowed');
        } catch (cause) {
          err.cause = cause;
        }
      }
      done(err, value);
    });
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  for (const s of sharedSchemas) app.addSchema(s);
  await app.register(
    swagger,
    openapiOptions(
      ctx.version,
      [...ctx.modules.values()].flatMap((m) => m.apiTags ?? []),
    ),
  );

  // The dashboard's in-process credential (dashboard/session.ts): random per API instance, never sent out.
  const dashboardSecret = randomBytes(32).toString('base64url');
  registerAuth(app, ctx, dashboardSecret);
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.config.optionalBody) request.body = {};
  });
  const routes: RouteEntry[] = [];
  app.decorate('payhookRoutes', routes);
  app.addHook('onRoute', (route) => {
    // The dashboard's pages (dashboard/routes.ts) are a web site on the same server, not API routes:
    // no OpenAPI entry, no place in the 405 table or in the API's route tests.
    if (route.url.startsWith('/dashboard')) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const auth = (route.config as { auth?: string } | undefined)?.auth ?? 'public';
    const needsWrite = (route.config as { needsWrite?: boolean } | undefined)?.needsWrite === true;
    const documented = (route.schema as { hide?: boolean } | undefined)?.hide !== true;
    for (const m of methods)
      if (m !== 'HEAD')
        routes.push({ method: m, url: route.url, pattern: routePattern(route.url), auth, documented, needsWrite });
  });
  app.setErrorHandler(errorHandler(ctx.config.server.bodyLimitBytes));
  app.setNotFoundHandler(notFoundHandler(routes));

  if (options.operationsOnly) {
    registerHealthRoutes(app, ctx);
    await app.ready();
    return app;
  }
  registerMerchantRoutes(app, ctx);
  registerApiKeyRoutes(app, ctx);
  registerEndpointRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerDeliveryRoutes(app, ctx);
  registerReplayRoutes(app, ctx);
  registerErasureRoutes(app, ctx);
  registerListenRoutes(app, ctx);
  registerPortalLinkRoutes(app, ctx);
  // The modules' routes come here, in the order the modules were given (see PayhookModule.routes).
  for (const m of ctx.modules.values()) m.routes?.(app, { merchantOf: (request) => merchantOf(ctx, request) });
  registerEventTypeRoutes(app, ctx);
  registerHealthRoutes(app, ctx);
  app.get(
    '/openapi.json',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'openapi.get',
        summary: 'Get this OpenAPI document',
        description:
          'This API as an OpenAPI 3.1 document, generated from the route schemas. `GET /docs` renders it as a reference page; ' +
          '`openapi-typescript` turns it into types for a typed client (docs/api.md).',
        tags: ['operations'],
        security: noKey,
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            description: 'The OpenAPI document.',
            examples: [{ openapi: '3.1.0', info: { title: 'payhook', version: ctx.version }, paths: {} }],
          },
          ...publicErrorResponses(),
        },
      } as FastifySchema,
    },
    async () => app.swagger(),
  );
  registerDocsRoutes(app);
  await registerDashboard(app, ctx, dashboardSecret);

  await app.ready();
  return app;
}
