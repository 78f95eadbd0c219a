/**
 * `/v1/events`: accepting events (each fans out to the merchant's matching endpoints in the same
 * transaction) and reading them back, which is how a merchant that was down catches up.
 *
 * Events are answered as JSON text built around the stored `data` text (views.ts `eventJson`): the
 * ingest route is the hot path, and parsing data only to serialise it again was pure cost.
 */
import { apiVersionSchema, checkApiVersion } from './versions.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { idFloor, isId, newId, type EventId } from '../ids.js';
import { isValidFilter } from '../events/filter.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH, MAX_ORDERING_KEY_LENGTH } from '../events/ingest.js';
import { rateLimited } from '../limits/errors.js';
import { TokenBuckets } from '../limits/token-buckets.js';
import { formatTraceparent, parseTraceparent } from '../tracing/traceparent.js';
import { traced } from '../tracing/tracing.js';
import { bearer, merchantOf } from './auth.js';
import { checkCursor, parseTime } from './paging.js';
import {
  SCOPED_ERRORS,
  errorResponses,
  idParams,
  idSchema,
  noFieldsBody,
  pageOf,
  pageQuery,
  scopedQuery,
} from './schemas.js';
import { EXAMPLE_IDS, eventExample } from './examples.js';
import { eventJson, eventPageJson } from './views.js';

interface ListQuery {
  merchant_id?: string;
  type?: string[];
  after?: string;
  before?: string;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
  api_version?: string;
}

const MAX_TYPE_FILTERS = 100;

/** `?type=a&type=b,c.*` → `['a','b','c.*']`; `*` anywhere means no filter. */
export function parseTypeFilter(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const out = new Set<string>();
  for (const v of values) {
    for (const raw of v.split(',')) {
      const t = raw.trim();
      if (t === '') continue;
      if (!isValidFilter(t))
        throw new PayhookError('validation_failed', `type: "${t}" is not an event type or a prefix.* wildcard`, {
          field: 'type',
          reason: 'not an event type or prefix.* wildcard',
        });
      out.add(t);
    }
  }
  if (out.size > MAX_TYPE_FILTERS)
    throw new PayhookError('validation_failed', `type: at most ${MAX_TYPE_FILTERS} types`, {
      field: 'type',
      reason: 'too many types',
    });
  if (out.size === 0 || out.has('*')) return undefined;
  return [...out];
}

/** `after`/`before`: an event id, or an ISO time turned into the smallest event id of that millisecond. */
function bound(value: string | undefined, field: 'after' | 'before'): EventId | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('evt_')) {
    if (!isId('evt', value)) throw new PayhookError('invalid_id', `${field} is not a well-formed event id`, { field });
    return value;
  }
  return idFloor('evt', parseTime(value, field));
}

function sendJson(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(json);
}

const resendSchema = {
  $id: 'Resend',
  type: 'object',
  description: 'A resend of an event: its deliveries made due again, and every `payhook listen` told.',
  required: ['id', 'event_id', 'deliveries', 'created_at'],
  properties: {
    id: idSchema('rsd', 'The resend id (`rsd_…`); listen streams carry it as the message id.'),
    event_id: idSchema('evt', 'The event resent (the `webhook-id` its receivers see again).'),
    deliveries: {
      type: 'integer',
      description:
        'Deliveries made due now: one per enabled endpoint the event went to (one being sent at this moment is left to finish).',
    },
    created_at: { type: 'string', format: 'date-time', description: 'When it was resent.' },
  },
  examples: [
    {
      id: 'rsd_01JDQ8Z0RX4YV6K3M2N5P7Q9S1',
      event_id: EXAMPLE_IDS.event,
      deliveries: 2,
      created_at: '2026-12-01T11:00:00.000Z',
    },
  ],
};

export function registerEventRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addSchema(resendSchema);
  const base = { config: { auth: 'merchant' as const } };
  // One bucket per API key (the admin key shares one), in this process: see limits/token-buckets.ts.
  const perKey = new TokenBuckets(ctx.config.limits.eventRatePerKey, ctx.config.limits.eventBurstPerKey);

  app.post<{
    Body: { type: string; data: Record<string, unknown>; idempotency_key?: string; ordering_key?: string };
    Querystring: { merchant_id?: string };
  }>(
    '/v1/events',
    {
      ...base,
      schema: {
        operationId: 'events.create',
        summary: 'Send an event',
        description:
          'Accepts an event: it is stored, and one delivery per enabled endpoint whose filter matches is created in the same transaction. ' +
          'A type payhook itself emits (GET /v1/event-types, `source: payhook`) is refused with 400 reserved_event_type; ' +
          'a type the merchant registered with a schema must have `data` that matches it (400 schema_mismatch). ' +
          'With an `idempotency_key` seen before for this merchant, nothing new is stored and the first event is returned with 200; the same key with another type or data is 409 idempotency_conflict.',
        tags: ['events'],
        security: bearer,
        querystring: scopedQuery(),
        headers: {
          type: 'object',
          properties: {
            traceparent: {
              type: 'string',
              description:
                'A W3C trace context (`00-<trace id>-<parent id>-<flags>`). Stored with the event: every webhook of the event carries a `traceparent` in that trace, and with tracing on the spans of its accept, commit, claims and attempts join it (docs/operations.md). An invalid value is ignored.',
              examples: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
            },
          },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'data'],
          properties: {
            type: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              description: 'Dotted words of letters, digits and `_`, such as `order.success`.',
            },
            data: {
              type: 'object',
              additionalProperties: true,
              description: "Any JSON object; sent to endpoints as the envelope's `data`.",
            },
            idempotency_key: {
              type: 'string',
              minLength: 1,
              maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
              description: 'Makes retries of this request safe: the same key returns the first event.',
            },
            ordering_key: {
              type: 'string',
              minLength: 1,
              maxLength: MAX_ORDERING_KEY_LENGTH,
              description:
                'Deliveries to an ordered endpoint (`ordered: true`) that share this key arrive one at a time, in the order their events were created (docs/delivery.md#ordered-delivery). 1 to 255 characters; 400 invalid_ordering_key otherwise.',
            },
          },
          examples: [
            { type: eventExample.type, data: eventExample.data, idempotency_key: eventExample.idempotency_key },
          ],
        },
        response: {
          202: { $ref: 'Event#', description: 'Accepted: stored with its deliveries.' },
          200: { $ref: 'Event#', description: 'The idempotency key was seen: the first event, unchanged.' },
          ...errorResponses(
            ...SCOPED_ERRORS,
            'reserved_event_type',
            'schema_mismatch',
            'idempotency_conflict',
            'invalid_ordering_key',
            'rate_limited',
            413,
            415,
          ),
        },
      },
    },
    async (request, reply) => {
      // The request's trace context, when it has a valid one, is stored with the event, so its webhooks
      // continue the caller's trace; with tracing on, the accept span (its child) is stored instead.
      const incoming = parseTraceparent(request.headers.traceparent);
      const parent = incoming && formatTraceparent(incoming);
      return traced(
        ctx.tracing,
        'POST /v1/events',
        'server',
        parent,
        async (accept) => {
          const wait = perKey.take(request.principal?.kind === 'merchant' ? request.principal.keyId : 'admin');
          if (wait > 0) throw rateLimited(wait, ctx.config.limits.eventRatePerKey);
          const merchantId = await merchantOf(ctx, request);
          const { type, data, idempotency_key: idempotencyKey, ordering_key: orderingKey } = request.body;
          await ctx.eventTypes.checkEvent(merchantId, type, data);
          const traceparent = accept?.traceparent ?? parent;
          const r = await traced(ctx.tracing, 'payhook.commit', 'internal', traceparent, () =>
            ctx.ingestor.send({ merchantId, type, data, idempotencyKey, traceparent, orderingKey }),
          );
          accept?.setAttributes({
            'http.request.method': 'POST',
            'http.route': '/v1/events',
            'http.response.status_code': r.created ? 202 : 200,
            'payhook.event.id': r.event.id,
            'payhook.event.type': type,
            'payhook.merchant.id': merchantId,
            'payhook.deduplicated': !r.created,
          });
          return sendJson(reply, r.created ? 202 : 200, eventJson(r.event));
        },
        Date.now() - reply.elapsedTime,
      );
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/events',
    {
      ...base,
      schema: {
        operationId: 'events.list',
        summary: 'List events',
        description:
          "Lists the merchant's events, newest first by default. Filter by `type` (repeat it or separate with commas; exact types and `prefix.*`), " +
          'and by `after`/`before`: an event id (exclusive), or an ISO time (`after`: at or after it; `before`: strictly before it). Events are kept for the retention period (default 30 days). ' +
          "With `api_version`, each event's data is rendered as an endpoint of that version receives it, so catching up through the API gives the same shapes as the webhooks.",
        tags: ['events'],
        security: bearer,
        querystring: scopedQuery({
          type: {
            type: 'array',
            items: { type: 'string', maxLength: 4096 },
            maxItems: 100,
            description: 'Event types or `prefix.*` wildcards; repeatable or comma-separated.',
          },
          after: { type: 'string', maxLength: 64, description: 'An event id or an ISO 8601 time.' },
          before: { type: 'string', maxLength: 64, description: 'An event id or an ISO 8601 time.' },
          order: {
            type: 'string',
            enum: ['asc', 'desc'],
            default: 'desc',
            description: '`asc` (oldest first, for catching up) or `desc`.',
          },
          api_version: { ...apiVersionSchema, description: "Render each event's `data` in this event version." },
          ...pageQuery,
        }),
        response: {
          200: { description: 'A page of events.', ...pageOf('Event') },
          ...errorResponses(...SCOPED_ERRORS, 'invalid_cursor', 'unknown_api_version'),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const q = request.query;
      const version = checkApiVersion(q.api_version);
      const page = await ctx.store.listEvents({
        merchantId,
        types: parseTypeFilter(q.type),
        afterId: bound(q.after, 'after'),
        beforeId: bound(q.before, 'before'),
        order: q.order,
        limit: q.limit,
        cursor: checkCursor(q.cursor, 'evt'),
      });
      return sendJson(reply, 200, eventPageJson(page, version));
    },
  );

  app.get<{ Params: { id: EventId }; Querystring: { merchant_id?: string; api_version?: string } }>(
    '/v1/events/:id',
    {
      ...base,
      schema: {
        operationId: 'events.get',
        summary: 'Get an event',
        description:
          'One event of the merchant, by its id, with its data as sent; with `?api_version=`, its data as an endpoint of that version receives it (docs/versions.md), and the answer says which version.',
        tags: ['events'],
        security: bearer,
        params: idParams('evt', 'event'),
        querystring: scopedQuery({
          api_version: { ...apiVersionSchema, description: 'Render `data` in this event version.' },
        }),
        response: {
          200: { $ref: 'Event#', description: 'The event.' },
          ...errorResponses(...SCOPED_ERRORS, 'event_not_found', 'unknown_api_version'),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const version = checkApiVersion(request.query.api_version);
      const event = await ctx.store.getEvent(merchantId, request.params.id);
      if (!event) throw new PayhookError('event_not_found');
      return sendJson(reply, 200, eventJson(event, version));
    },
  );
  app.post<{ Params: { id: EventId }; Querystring: { merchant_id?: string } }>(
    '/v1/events/:id/resend',
    {
      config: { auth: 'merchant', optionalBody: true },
      schema: {
        operationId: 'events.resend',
        summary: 'Resend an event',
        description:
          'Sends the event again, with its own id: every delivery of it to an enabled endpoint is due now, whatever its status (a new attempt, in the same attempt log), ' +
          'and every `payhook listen` (GET /v1/listen) whose filter matches receives it again, also one that reconnects later from before the resend. ' +
          'Endpoints created after the event get nothing: an event goes to the endpoints that matched when it was accepted.',
        tags: ['events'],
        security: bearer,
        params: idParams('evt', 'event'),
        querystring: scopedQuery(),
        body: noFieldsBody,
        response: {
          202: { $ref: 'Resend#', description: 'Resent.' },
          ...errorResponses(...SCOPED_ERRORS, 'event_not_found', 413, 415),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const now = Date.now();
      const id = newId('rsd', now);
      const r = await ctx.store.resendEvent(merchantId, request.params.id, { id, now });
      if (!r) throw new PayhookError('event_not_found');
      return reply
        .code(202)
        .send({ id, event_id: request.params.id, deliveries: r.deliveries, created_at: new Date(now).toISOString() });
    },
  );
}
