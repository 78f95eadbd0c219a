/**
 * `GET /v1/event-types`: the event types payhook itself emits (its modules' `eventTypes`: the payment
 * module's), with the JSON Schema of their `data`.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { noKey } from './auth.js';
import { publicErrorResponses } from './schemas.js';

export function registerEventTypeRoutes(app: FastifyInstance, ctx: AppContext): void {
  const data = [...ctx.modules.values()].flatMap((m) => m.eventTypes ?? []);
  app.get('/v1/event-types', {
    config: { auth: 'public' },
    schema: {
      operationId: 'eventTypes.list',
      summary: 'List the event types payhook emits',
      description: 'The event types payhook emits (the payment module\'s), each with a description and the JSON Schema of its `data`. '
        + 'Merchants may also send events of their own types through POST /v1/events.',
      tags: ['events'], security: noKey,
      querystring: { type: 'object', additionalProperties: false, properties: {} },
      response: {
        200: {
          type: 'object',
          properties: {
            data: {
              type: 'array',
              items: {
                type: 'object',
                properties: { type: { type: 'string' }, description: { type: 'string' }, schema: { type: 'object', additionalProperties: true } },
              },
            },
            next_cursor: { type: 'null' },
          },
          examples: [{ data: data.slice(0, 1), next_cursor: null }],
        },
        ...publicErrorResponses(),
      },
    },
  }, async () => ({ data, next_cursor: null }));
}
