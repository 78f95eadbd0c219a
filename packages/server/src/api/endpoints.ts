/**
 * `/v1/endpoints`: where a merchant's webhooks go, and their signing secrets.
 *
 * The JSON Schema checks shapes and types; `parseEndpointInput` (endpoints/service.ts) checks meaning
 * (an absolute http(s) URL → `invalid_url`, header names payhook owns, known formats), so the API
 * and any other caller of the service agree on what an endpoint may be.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import type { EndpointId } from '../ids.js';
import { createEndpoint, getSecrets, rotateSecret, updateEndpoint, type EndpointInput } from '../endpoints/service.js';
import { bearer, merchantOf } from './auth.js';
import { checkCursor, parseTime } from './paging.js';
import {
  SCOPED_ERRORS,
  errorResponses,
  idParams,
  noFieldsBody,
  pageOf,
  pageQuery,
  refResponse,
  scopedQuery,
} from './schemas.js';
import { endpointExample } from './examples.js';
import { registerEndpointTestRoute } from './endpoint-test.js';
import { endpointView, pageView, secretsView } from './views.js';
import { apiVersionSchema } from './versions.js';
import { API_VERSION_NAMES, LATEST_API_VERSION } from '../events/versions.js';

const endpointFields = {
  url: { type: 'string', description: 'Absolute http(s) URL, at most 2048 characters, without credentials.' },
  description: { type: 'string', maxLength: 1024 },
  event_types: {
    type: ['array', 'null'],
    minItems: 1,
    maxItems: 100,
    items: { type: 'string' },
    description:
      'Exact event types and `prefix.*` wildcards; null or absent for every type. An exact type must be one payhook emits or one the merchant registered (POST /v1/event-types): anything else, such as a misspelling, is 400 unknown_event_type with suggestions.',
  },
  disabled: {
    type: 'boolean',
    description:
      'A disabled endpoint is sent nothing: its pending and new deliveries wait (none is cancelled or failed), and go out when it is enabled again.',
  },
  headers: {
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: 20,
    description: 'Custom headers (not the ones payhook sets).',
  },
  format: {
    type: 'string',
    description: 'Payload format: `standard` (default) or a registered one such as `foloosi`.',
  },
  api_version: {
    ...apiVersionSchema,
    description: `The event version this endpoint receives (docs/versions.md): ${API_VERSION_NAMES.map((v) => `\`${v}\``).join(', ')}. A new endpoint gets the latest, \`${LATEST_API_VERSION}\`, unless it names one; an unknown version is 400 unknown_api_version. Changing it changes every delivery attempt from then on, retries of older events included.`,
  },
  payload_style: {
    type: 'string',
    enum: ['snapshot', 'thin'],
    description:
      '`snapshot` (default): the event carries its data. `thin`: `data` names only the object the event is about (`{"object":"order","id":"ord_…","url":"/v1/orders/ord_…"}`), to fetch through the API; `standard` format only.',
  },
  timeout_ms: {
    type: ['integer', 'null'],
    minimum: 1000,
    maximum: 30000,
    description: 'Per-attempt timeout; null uses the server default.',
  },
  ordered: {
    type: 'boolean',
    description:
      'Ordered delivery (default false): deliveries whose events share an `ordering_key` arrive one at a time, in the order the events were created, across retries and restarts. Deliveries without a key stay unordered. Turning it off releases waiting deliveries.',
  },
  ordering_on_failure: {
    type: 'string',
    enum: ['skip', 'hold'],
    description:
      'What an ordered delivery that exhausts its retries does to its key (default `skip`): `skip` lets the next one go; `hold` blocks the key until that delivery is retried successfully or skipped (POST /v1/deliveries/{id}/skip).',
  },
  rate_limit: {
    type: ['integer', 'null'],
    description:
      'Deliveries per second, 1 to 10000, across every dispatcher, plus PAYHOOK_RATE_LIMIT_BURST (default 1); null for no limit. Out of range: 400 invalid_rate_limit.',
  },
  retry_schedule: {
    type: ['array', 'null'],
    items: { type: ['integer', 'string'] },
    description:
      'The endpoint\'s own delays before retry 1..n: whole seconds or durations (`"30s"`, `"5m"`, `"2h"`, `"1d"`), 1 to 20 of them, each 1 second to 3 days; null uses the server\'s schedule. Out of bounds: 400 invalid_retry_schedule.',
  },
};

/** The schema (`idParams('ep', …)`) has checked the id's prefix. */
type Id = { Params: { id: EndpointId }; Querystring: { merchant_id?: string } };

export function registerEndpointRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = { config: { auth: 'merchant' as const } };
  const params = idParams('ep', 'endpoint');
  const query = scopedQuery();

  app.post<{ Body: EndpointInput; Querystring: { merchant_id?: string } }>(
    '/v1/endpoints',
    {
      ...base,
      schema: {
        operationId: 'endpoints.create',
        summary: 'Create an endpoint',
        description:
          'Registers an endpoint. The response adds its signing secret (`secret`), the only time it comes with the endpoint; `GET /v1/endpoints/{id}/secret` shows it again. ' +
          'A merchant may have PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT (default 100) endpoints, deleted ones not counted; past that, 429 endpoint_quota_exceeded.',
        tags: ['endpoints'],
        security: bearer,
        querystring: query,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: endpointFields,
          examples: [
            {
              url: 'https://shop.example.com/webhooks/payhook',
              description: 'Order events for the shop',
              event_types: ['order.*'],
              headers: { 'x-shop': 'corner' },
            },
          ],
        },
        response: {
          201: { $ref: 'EndpointWithSecret#', description: 'The endpoint, with its signing secret.' },
          ...errorResponses(
            'invalid_url',
            'destination_not_allowed',
            'invalid_rate_limit',
            'invalid_retry_schedule',
            'unknown_event_type',
            'unknown_api_version',
            'thin_needs_standard_format',
            ...SCOPED_ERRORS,
            'endpoint_quota_exceeded',
            413,
            415,
          ),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const { endpoint, secret } = await createEndpoint(ctx.store, merchantId, request.body, Date.now(), {
        formats: ctx.formats,
        maxPerMerchant: ctx.config.limits.maxEndpointsPerMerchant,
        destinations: ctx.destinations,
        checkFilters: (m, f) => ctx.eventTypes.checkFilters(m, f),
      });
      return reply.code(201).send({ ...endpointView(endpoint), secret });
    },
  );

  app.get<{ Querystring: { merchant_id?: string; limit: number; cursor?: string } }>(
    '/v1/endpoints',
    {
      ...base,
      schema: {
        operationId: 'endpoints.list',
        summary: 'List endpoints',
        description: "Lists the merchant's endpoints, newest first.",
        tags: ['endpoints'],
        security: bearer,
        querystring: scopedQuery(pageQuery),
        response: {
          200: { description: 'A page of endpoints.', ...pageOf('Endpoint') },
          ...errorResponses(...SCOPED_ERRORS, 'invalid_cursor'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const cursor = checkCursor(request.query.cursor, 'ep');
      return pageView(await ctx.store.listEndpoints(merchantId, { limit: request.query.limit, cursor }), endpointView);
    },
  );

  app.get<Id>(
    '/v1/endpoints/:id',
    {
      ...base,
      schema: {
        operationId: 'endpoints.get',
        summary: 'Get an endpoint',
        description: 'One endpoint of the merchant, by its id (its secret is at /secret).',
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        response: {
          200: { $ref: 'Endpoint#', description: 'The endpoint.' },
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const ep = await ctx.store.getEndpoint(merchantId, request.params.id);
      if (!ep) throw new PayhookError('endpoint_not_found');
      return endpointView(ep);
    },
  );

  app.patch<Id & { Body: EndpointInput }>(
    '/v1/endpoints/:id',
    {
      ...base,
      schema: {
        operationId: 'endpoints.update',
        summary: 'Update an endpoint',
        description:
          "Changes the fields given and leaves the others. `disabled: true` makes the endpoint's deliveries wait (nothing is cancelled; new events keep making deliveries that wait too); `disabled: false` enables it (whatever disabled it: by hand, a 410 or failing), closes its circuit and sends what waited.",
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: endpointFields,
          examples: [{ event_types: ['order.*', 'transaction.*'] }],
        },
        response: {
          200: refResponse('Endpoint', 'The endpoint as changed.', {
            ...endpointExample,
            event_types: ['order.*', 'transaction.*'],
            updated_at: '2026-12-01T11:00:00.000Z',
          }),
          ...errorResponses(
            'invalid_url',
            'destination_not_allowed',
            'invalid_rate_limit',
            'invalid_retry_schedule',
            'unknown_event_type',
            'unknown_api_version',
            'thin_needs_standard_format',
            ...SCOPED_ERRORS,
            'endpoint_not_found',
            413,
            415,
          ),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const before =
        typeof request.body.disabled === 'boolean' ? await ctx.store.getEndpoint(merchantId, request.params.id) : null;
      const ep = await updateEndpoint(ctx.store, merchantId, request.params.id, request.body, Date.now(), {
        formats: ctx.formats,
        destinations: ctx.destinations,
        checkFilters: (m, f) => ctx.eventTypes.checkFilters(m, f),
      });
      if (before && before.disabled !== ep.disabled) ctx.operational.changedByHand(merchantId, ep.id, ep.disabled);
      return endpointView(ep);
    },
  );

  app.delete<Id>(
    '/v1/endpoints/:id',
    {
      ...base,
      schema: {
        operationId: 'endpoints.delete',
        summary: 'Delete an endpoint',
        description: 'Deletes the endpoint; its pending deliveries are cancelled. Its events and delivery log stay.',
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        response: {
          204: { type: 'null', description: 'Deleted.' },
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found'),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      if (!(await ctx.store.deleteEndpoint(merchantId, request.params.id, Date.now())))
        throw new PayhookError('endpoint_not_found');
      ctx.bus.emit('endpoint:changed', { endpointId: request.params.id });
      return reply.code(204).send();
    },
  );

  app.post<Id>(
    '/v1/endpoints/:id/rotate-secret',
    {
      config: { auth: 'merchant', optionalBody: true },
      schema: {
        operationId: 'endpoints.rotateSecret',
        summary: "Rotate an endpoint's signing secret",
        description: `Makes a new signing secret. The previous one keeps signing too (every webhook carries both signatures) for the configured overlap (PAYHOOK_SECRET_OVERLAP, default 24 h), so a receiver can switch without losing a webhook.`,
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        body: noFieldsBody,
        response: {
          200: { $ref: 'EndpointSecrets#', description: 'The new secret and those still signing.' },
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found', 413, 415),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const now = Date.now();
      await rotateSecret(ctx.store, merchantId, request.params.id, ctx.config.delivery.secretOverlapMs, now);
      // This process signs with the new secret from the next attempt on; other processes within their cache TTL.
      ctx.bus.emit('endpoint:changed', { endpointId: request.params.id });
      const { current, previous } = await getSecrets(ctx.store, merchantId, request.params.id, now);
      return secretsView(current, previous);
    },
  );

  app.get<Id>(
    '/v1/endpoints/:id/secret',
    {
      ...base,
      // A signing secret lets its holder sign webhooks the merchant's receivers accept: not for read-only keys.
      config: { ...base.config, needsWrite: true },
      schema: {
        operationId: 'endpoints.getSecret',
        summary: "Get an endpoint's signing secrets",
        description: "The endpoint's current signing secret and any rotated-out ones still signing.",
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        response: {
          200: { $ref: 'EndpointSecrets#', description: 'The secrets.' },
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const { current, previous } = await getSecrets(ctx.store, merchantId, request.params.id);
      return secretsView(current, previous);
    },
  );

  app.post<Id & { Body: { since: string } }>(
    '/v1/endpoints/:id/recover',
    {
      ...base,
      schema: {
        operationId: 'endpoints.recover',
        summary: "Retry an endpoint's failed deliveries",
        description:
          'Retries every failed delivery of this endpoint created at or after `since`, now. The endpoint must be enabled (409 endpoint_disabled otherwise).',
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['since'],
          properties: {
            since: { type: 'string', description: 'ISO 8601 time with a zone, such as 2026-11-27T00:00:00Z.' },
          },
          examples: [{ since: '2026-11-27T00:00:00Z' }],
        },
        response: {
          202: {
            description: 'How many deliveries were made due.',
            type: 'object',
            required: ['recovered'],
            properties: { recovered: { type: 'integer' } },
            examples: [{ recovered: 12 }],
          },
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found', 'endpoint_disabled', 413, 415),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const since = parseTime(request.body.since, 'since');
      const ep = await ctx.store.getEndpoint(merchantId, request.params.id);
      if (!ep) throw new PayhookError('endpoint_not_found');
      if (ep.disabled)
        throw new PayhookError('endpoint_disabled', undefined, {
          endpoint_id: ep.id,
          disabled_reason: ep.disabledReason,
        });
      const recovered = await ctx.store.recoverEndpoint(merchantId, ep.id, since, Date.now());
      return reply.code(202).send({ recovered });
    },
  );
  registerEndpointTestRoute(app, ctx);
}
