/**
 * Bulk replays: `POST /v1/endpoints/{id}/replay` re-sends the events of a time window to one
 * endpoint as a background job (`rpl_…`, run by delivery/replay-worker.ts in a dispatcher process),
 * and `GET /v1/replays/{id}` shows how far it got.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { isValidFilter } from '../events/filter.js';
import { newId, type EndpointId, type ReplayId } from '../ids.js';
import type { ReplayRecipients, ReplayStatusFilter } from '../store/types.js';
import { bearer, merchantOf } from './auth.js';
import { replayExample } from './examples.js';
import { parseTime } from './paging.js';
import { SCOPED_ERRORS, errorResponses, idParams, idSchema, refResponse, scopedQuery } from './schemas.js';
import { replayView } from './views.js';

const time = (description: string) => ({ type: 'string', format: 'date-time', description });

export const replaySchema = {
  $id: 'Replay',
  examples: [replayExample],
  type: 'object',
  required: [
    'id',
    'merchant_id',
    'endpoint_id',
    'since',
    'until',
    'types',
    'status',
    'recipients',
    'state',
    'total',
    'done',
    'requeued',
    'error',
    'created_at',
    'updated_at',
    'completed_at',
  ],
  properties: {
    id: idSchema('rpl', 'Replay id.'),
    merchant_id: idSchema('mer', 'The merchant it belongs to.'),
    endpoint_id: idSchema('ep', 'The endpoint the events are sent to again.'),
    since: time('Events created at or after this time…'),
    until: time('…and before this one (the creation time of the replay when not given).'),
    types: {
      type: ['array', 'null'],
      items: { type: 'string' },
      description: 'Exact types and `prefix.*` wildcards; null for every type.',
    },
    status: { type: 'string', enum: ['failed', 'all'] },
    recipients: { type: 'string', enum: ['original', 'current'] },
    state: {
      type: 'string',
      enum: ['queued', 'running', 'completed', 'failed'],
      description: '`failed` when its endpoint was disabled or deleted meanwhile (see `error`).',
    },
    total: { type: 'integer', description: 'Events in the window that match, counted when it was created.' },
    done: { type: 'integer', description: 'How many of them were handled; `total` once completed.' },
    requeued: { type: 'integer', description: 'Deliveries made due (or made) so far.' },
    error: { type: ['string', 'null'], description: 'Why it failed, or null.' },
    created_at: time('When it was created.'),
    updated_at: time('When it last moved.'),
    completed_at: { type: ['string', 'null'], format: 'date-time', description: 'When it finished, or null.' },
  },
};

interface ReplayBody {
  since: string;
  until?: string;
  types?: string[];
  status?: ReplayStatusFilter;
  recipients?: ReplayRecipients;
}

export function registerReplayRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addSchema(replaySchema);
  const base = { config: { auth: 'merchant' as const } };

  app.post<{ Params: { id: EndpointId }; Querystring: { merchant_id?: string }; Body: ReplayBody }>(
    '/v1/endpoints/:id/replay',
    {
      ...base,
      schema: {
        operationId: 'endpoints.replay',
        summary: "Replay an endpoint's events",
        description:
          'Sends the events of a time window to this endpoint again, as a background job that runs in batches and survives restarts (poll GET /v1/replays/{id}). ' +
          '`recipients: original` (default) re-sends the events this endpoint had deliveries for (those deliveries are made due again); ' +
          "`current` sends the window's events that match the endpoint's filter now, making a delivery where it had none. " +
          '`status: failed` (default) takes only events whose delivery to this endpoint failed; `all` every one. The endpoint must be enabled (409 endpoint_disabled otherwise).',
        tags: ['endpoints'],
        security: bearer,
        params: idParams('ep', 'endpoint'),
        querystring: scopedQuery(),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['since'],
          properties: {
            since: { type: 'string', description: 'ISO 8601 time with a zone: events created at or after it.' },
            until: {
              type: 'string',
              description: 'ISO 8601 time with a zone: events created before it (default: now).',
            },
            types: {
              type: 'array',
              minItems: 1,
              maxItems: 100,
              items: { type: 'string', maxLength: 128 },
              description: 'Only events of these types (exact types and `prefix.*` wildcards); default every type.',
            },
            status: {
              type: 'string',
              enum: ['failed', 'all'],
              description: '`failed` (default): only events whose delivery failed; `all`: every event.',
            },
            recipients: {
              type: 'string',
              enum: ['original', 'current'],
              description:
                '`original` (default): events this endpoint had deliveries for; `current`: events its filter matches now.',
            },
          },
          examples: [{ since: '2026-12-01T00:00:00Z', until: '2026-12-01T12:00:00Z', types: ['order.*'] }],
        },
        response: {
          202: refResponse('Replay', 'The replay, queued; it runs in the background.', {
            ...replayExample,
            state: 'queued',
            done: 0,
            requeued: 0,
            updated_at: replayExample.created_at,
          }),
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found', 'endpoint_disabled', 413, 415),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const b = request.body;
      const now = Date.now();
      const since = parseTime(b.since, 'since');
      const until = b.until === undefined ? now : parseTime(b.until, 'until');
      if (until <= since)
        throw new PayhookError('validation_failed', 'until must be after since', {
          field: 'until',
          reason: 'not after since',
        });
      for (const t of b.types ?? []) {
        if (!isValidFilter(t))
          throw new PayhookError('validation_failed', `types: "${t}" is not an event type or a prefix.* wildcard`, {
            field: 'types',
            reason: 'not an event type or prefix.* wildcard',
          });
      }
      const ep = await ctx.store.getEndpoint(merchantId, request.params.id);
      if (!ep) throw new PayhookError('endpoint_not_found');
      if (ep.disabled)
        throw new PayhookError('endpoint_disabled', undefined, {
          endpoint_id: ep.id,
          disabled_reason: ep.disabledReason,
        });
      const types = b.types && !b.types.includes('*') ? [...new Set(b.types)] : null;
      const replay = await ctx.store.createReplay({
        id: newId('rpl', now),
        merchantId,
        endpointId: ep.id,
        since,
        until,
        types,
        status: b.status ?? 'failed',
        recipients: b.recipients ?? 'original',
        now,
      });
      if (!replay) throw new PayhookError('endpoint_not_found');
      ctx.bus.emit('replay:created', { replayId: replay.id });
      return reply.code(202).send(replayView(replay));
    },
  );

  app.get<{ Params: { id: ReplayId }; Querystring: { merchant_id?: string } }>(
    '/v1/replays/:id',
    {
      ...base,
      schema: {
        operationId: 'replays.get',
        summary: 'Get a replay',
        description: 'A replay with its progress: `state`, `total`, `done`.',
        tags: ['endpoints'],
        security: bearer,
        params: idParams('rpl', 'replay'),
        querystring: scopedQuery(),
        response: {
          200: { $ref: 'Replay#', description: 'The replay.' },
          ...errorResponses(...SCOPED_ERRORS, 'replay_not_found'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const replay = await ctx.store.getReplay(merchantId, request.params.id);
      if (!replay) throw new PayhookError('replay_not_found');
      return replayView(replay);
    },
  );
}
