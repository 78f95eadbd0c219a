/** `/v1/deliveries`: one event to one endpoint, with its attempt log, and manual retry. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import type { DeliveryId, EndpointId, EventId } from '../ids.js';
import type { DeliveryStatus } from '../store/types.js';
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
  refResponse,
  scopedQuery,
} from './schemas.js';
import { deliveryExample } from './examples.js';
import { attemptView, deliveryView, pageView } from './views.js';

interface ListQuery {
  merchant_id?: string;
  endpoint_id?: EndpointId;
  event_id?: EventId;
  status?: DeliveryStatus;
  limit: number;
  cursor?: string;
}

/** How far back `GET /v1/deliveries/counts` counts. */
const COUNT_WINDOW_MS = 7 * 86_400_000;

/** The schema (`idParams('del', …)`) has checked the id's prefix. */
type Id = { Params: { id: DeliveryId }; Querystring: { merchant_id?: string } };

export function registerDeliveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = { config: { auth: 'merchant' as const } };
  const params = idParams('del', 'delivery');

  app.get<{ Querystring: ListQuery }>(
    '/v1/deliveries',
    {
      ...base,
      schema: {
        operationId: 'deliveries.list',
        summary: 'List deliveries',
        description:
          "Lists the merchant's deliveries, newest first, optionally only those of one endpoint, one event or one status.",
        tags: ['deliveries'],
        security: bearer,
        querystring: scopedQuery({
          endpoint_id: idSchema('ep', 'Only deliveries to this endpoint.'),
          event_id: idSchema('evt', 'Only deliveries of this event.'),
          status: {
            type: 'string',
            enum: ['pending', 'succeeded', 'failed', 'cancelled'],
            description: 'Only deliveries in this status.',
          },
          ...pageQuery,
        }),
        response: {
          200: { description: 'A page of deliveries.', ...pageOf('Delivery') },
          ...errorResponses(...SCOPED_ERRORS, 'invalid_cursor'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const q = request.query;
      const page = await ctx.store.listDeliveries({
        merchantId,
        endpointId: q.endpoint_id,
        eventId: q.event_id,
        status: q.status,
        limit: q.limit,
        cursor: checkCursor(q.cursor, 'del'),
      });
      return pageView(page, deliveryView);
    },
  );

  // Counts of a recent window, read from that window of the merchant's deliveries only (their ids
  // carry their creation time: Store.countDeliveriesSince). The window is capped so that no key can
  // make the API count a long history on every call; exact all-time totals are /metrics' (the admin's).
  app.get<{ Querystring: { merchant_id?: string; since?: string } }>(
    '/v1/deliveries/counts',
    {
      ...base,
      schema: {
        operationId: 'deliveries.count',
        summary: 'Count recent deliveries by status',
        description:
          "How many of the merchant's deliveries were made at or after `since` (at most 7 days ago; default 24 hours ago), by their status now. " +
          "Reads only the deliveries of that window, so a short window is cheap. The dashboard's overview shows these.",
        tags: ['deliveries'],
        security: bearer,
        querystring: scopedQuery({
          since: {
            type: 'string',
            maxLength: 64,
            description:
              'ISO 8601 time with a zone, at most 7 days ago: deliveries made at or after it (default: 24 hours ago).',
          },
        }),
        response: {
          200: {
            description: 'The counts of the window.',
            type: 'object',
            additionalProperties: false,
            required: ['since', 'pending', 'succeeded', 'failed', 'cancelled'],
            properties: {
              since: { type: 'string', format: 'date-time', description: 'The start of the window.' },
              pending: { type: 'integer', description: 'Made in the window and still pending.' },
              succeeded: { type: 'integer' },
              failed: { type: 'integer' },
              cancelled: { type: 'integer' },
            },
            examples: [{ since: '2026-12-04T12:00:00.000Z', pending: 3, succeeded: 1520, failed: 2, cancelled: 0 }],
          },
          ...errorResponses(...SCOPED_ERRORS),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const now = Date.now();
      const since = request.query.since === undefined ? now - 86_400_000 : parseTime(request.query.since, 'since');
      if (since < now - COUNT_WINDOW_MS)
        throw new PayhookError('validation_failed', 'since must be at most 7 days ago', {
          field: 'since',
          reason: 'more than 7 days ago',
        });
      const counts = await ctx.store.countDeliveriesSince(merchantId, since);
      return { since: new Date(since).toISOString(), ...counts };
    },
  );

  app.get<Id>(
    '/v1/deliveries/:id',
    {
      ...base,
      schema: {
        operationId: 'deliveries.get',
        summary: 'Get a delivery with its attempts',
        description:
          'One delivery with every attempt made for it (time, duration, status code, the first 4 KiB of the response, error class).',
        tags: ['deliveries'],
        security: bearer,
        params,
        querystring: scopedQuery(),
        response: {
          200: { $ref: 'DeliveryWithAttempts#', description: 'The delivery and its attempts, oldest first.' },
          ...errorResponses(...SCOPED_ERRORS, 'delivery_not_found'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const delivery = await ctx.store.getDelivery(merchantId, request.params.id);
      if (!delivery) throw new PayhookError('delivery_not_found');
      const attempts = await ctx.store.listAttempts(merchantId, delivery.id);
      return { ...deliveryView(delivery), attempts: attempts.map(attemptView) };
    },
  );

  app.post<Id>(
    '/v1/deliveries/:id/retry',
    {
      config: { auth: 'merchant', optionalBody: true },
      schema: {
        operationId: 'deliveries.retry',
        summary: 'Retry a delivery now',
        description:
          'Makes the delivery due now, whatever its status (a succeeded, failed or cancelled delivery is sent again). ' +
          'A delivery whose attempt is in flight is left as it is. Its endpoint must exist and be enabled (409 endpoint_disabled otherwise).',
        tags: ['deliveries'],
        security: bearer,
        params,
        querystring: scopedQuery(),
        body: noFieldsBody,
        response: {
          202: refResponse('Delivery', 'The delivery, due now.', {
            ...deliveryExample,
            status: 'pending',
            next_attempt_at: '2026-12-01T12:00:00.000Z',
            updated_at: '2026-12-01T12:00:00.000Z',
          }),
          ...errorResponses(...SCOPED_ERRORS, 'delivery_not_found', 'endpoint_disabled', 413, 415),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const existing = await ctx.store.getDelivery(merchantId, request.params.id);
      if (!existing) throw new PayhookError('delivery_not_found');
      // A delivery of a deleted or disabled endpoint would otherwise be sent to an endpoint its
      // merchant switched off.
      const ep = await ctx.store.getEndpoint(merchantId, existing.endpointId);
      if (!ep || ep.disabled) {
        throw new PayhookError('endpoint_disabled', undefined, {
          endpoint_id: existing.endpointId,
          disabled_reason: ep ? ep.disabledReason : 'deleted',
        });
      }
      const delivery = await ctx.store.retryDelivery(merchantId, existing.id, Date.now());
      if (!delivery) throw new PayhookError('delivery_not_found');
      return reply.code(202).send(deliveryView(delivery));
    },
  );

  app.post<Id>(
    '/v1/deliveries/:id/skip',
    {
      config: { auth: 'merchant', optionalBody: true },
      schema: {
        operationId: 'deliveries.skip',
        summary: 'Skip a delivery',
        description:
          'Gives up on a delivery by hand, releasing its ordering key: a failed delivery stops holding its key (`ordering_on_failure: hold`), a pending one that is not in flight is cancelled. ' +
          'The next delivery of its key may then go. A delivery in flight, succeeded or cancelled is 409 delivery_not_skippable.',
        tags: ['deliveries'],
        security: bearer,
        params,
        querystring: scopedQuery(),
        body: noFieldsBody,
        response: {
          200: refResponse('Delivery', 'The delivery, skipped.', {
            ...deliveryExample,
            status: 'failed',
            attempt_count: 19,
            last_status_code: 500,
            last_error: 'HTTP 500',
            skipped_at: '2026-12-04T10:00:00.000Z',
            updated_at: '2026-12-04T10:00:00.000Z',
          }),
          ...errorResponses(...SCOPED_ERRORS, 'delivery_not_found', 'delivery_not_skippable', 413, 415),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const out = await ctx.store.skipDelivery(merchantId, request.params.id, Date.now());
      if (!out) throw new PayhookError('delivery_not_found');
      if (!out.skipped)
        throw new PayhookError('delivery_not_skippable', undefined, {
          id: out.delivery.id,
          status: out.delivery.status,
        });
      return deliveryView(out.delivery);
    },
  );
}
