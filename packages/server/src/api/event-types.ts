/**
 * `/v1/event-types`: the event types payhook itself emits (its modules' `eventTypes`: the payment
 * module's), with the JSON Schema of their `data`, and the types a merchant registers for its own
 * events (events/event-types.ts). Listing needs no key, as before, and then shows the catalogue only;
 * with a key it adds the merchant's own (`source` tells them apart).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { MAX_SCHEMA_BYTES } from '../events/event-types.js';
import { API_VERSIONS, LATEST_API_VERSION, schemaInVersion } from '../events/versions.js';
import { apiVersionSchema, checkApiVersion } from './versions.js';
import type { MerchantId } from '../ids.js';
import type { EventTypeRecord } from '../store/types.js';
import { bearer, merchantOf, optionalBearer } from './auth.js';
import { errorResponses, SCOPED_ERRORS, scopedQuery } from './schemas.js';

const NAME_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+)*$';

const shippedExample = {
  type: 'shop.order_shipped',
  description: 'An order left the warehouse.',
  source: 'merchant',
  schema: {
    type: 'object',
    required: ['order_id'],
    properties: { order_id: { type: 'string' }, carrier: { type: 'string' } },
  },
};

const eventTypeSchema = {
  $id: 'EventType',
  type: 'object',
  description:
    'An event type: one payhook emits (`source: payhook`), or one the merchant registered (`source: merchant`).',
  required: ['type', 'description', 'schema', 'source'],
  properties: {
    type: { type: 'string', description: "Its name, as in an event's `type`." },
    description: { type: 'string' },
    schema: {
      type: ['object', 'null'],
      additionalProperties: true,
      description: "JSON Schema of the event's `data`; null for a registered type without one (any object).",
    },
    source: {
      type: 'string',
      enum: ['payhook', 'merchant'],
      description:
        '`payhook`: only payhook emits it (POST /v1/events refuses it). `merchant`: registered by this merchant.',
    },
  },
  examples: [shippedExample],
};

function view(r: EventTypeRecord) {
  return {
    type: r.name,
    description: r.description,
    schema: r.schema === null ? null : (JSON.parse(r.schema) as unknown),
    source: 'merchant' as const,
  };
}

type Scoped = { Querystring: { merchant_id?: MerchantId } };

export function registerEventTypeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addSchema(eventTypeSchema);
  const catalogue = ctx.eventTypes.catalogueTypes().map((t) => ({ ...t, source: 'payhook' as const }));
  const versions = API_VERSIONS.map((v) => ({
    version: v.version,
    summary: v.summary,
    changes: [...v.changes],
    latest: v.version === LATEST_API_VERSION,
  }));

  app.get<{ Querystring: { merchant_id?: MerchantId; api_version?: string } }>(
    '/v1/event-types',
    {
      config: { auth: 'optional' },
      schema: {
        operationId: 'eventTypes.list',
        summary: 'List event types',
        description:
          "The event types payhook emits (the payment module's, `source: payhook`), each with a description and the JSON Schema of its `data`; " +
          'only payhook sends them. With an API key, also the types the merchant registered (`source: merchant`). Needs no key; a key that is sent must be valid. ' +
          'Merchants may also send events of types they did not register through POST /v1/events. ' +
          "`versions` lists the event versions; the schemas describe the oldest, the stored shape, or with `?api_version=` that version's.",
        tags: ['events'],
        security: optionalBearer,
        querystring: scopedQuery({
          api_version: { ...apiVersionSchema, description: 'Publish the schemas as they describe this event version.' },
        }),
        response: {
          200: {
            type: 'object',
            properties: {
              data: { type: 'array', items: { $ref: 'EventType#' } },
              next_cursor: { type: 'null' },
              versions: {
                type: 'array',
                description:
                  'Every event version, oldest first (docs/versions.md); `latest` marks the one new endpoints get. The schemas in `data` describe the oldest, the stored shape, unless `?api_version=` names another.',
                items: {
                  type: 'object',
                  required: ['version', 'summary', 'changes', 'latest'],
                  properties: {
                    version: { type: 'string', description: 'The date naming it, as `api_version` takes it.' },
                    summary: { type: 'string' },
                    changes: {
                      type: 'array',
                      items: { type: 'string' },
                      description: 'Each change from the version before.',
                    },
                    latest: { type: 'boolean' },
                  },
                },
              },
            },
            examples: [{ data: [catalogue[0] ?? shippedExample, shippedExample], next_cursor: null, versions }],
          },
          ...errorResponses(...SCOPED_ERRORS, 'unknown_api_version'),
        },
      },
    },
    async (request) => {
      const version = checkApiVersion(request.query.api_version);
      const principal = request.principal;
      const own =
        principal && (principal.kind === 'merchant' || request.query.merchant_id !== undefined)
          ? (await ctx.eventTypes.list(await merchantOf(ctx, request))).map(view)
          : [];
      const data = [...catalogue, ...own];
      const inVersion =
        version === undefined
          ? data
          : data.map((t) => ({
              ...t,
              schema: t.schema === null ? null : schemaInVersion(t.schema as Record<string, unknown>, version),
            }));
      return { data: inVersion, next_cursor: null, versions };
    },
  );

  app.post<Scoped & { Body: { name: string; description?: string; schema?: Record<string, unknown> } }>(
    '/v1/event-types',
    {
      config: { auth: 'merchant' },
      schema: {
        operationId: 'eventTypes.create',
        summary: 'Register an event type',
        description:
          "Registers an event type of the merchant's own, so endpoints may filter on it by its exact name and, with a `schema`, " +
          "so POST /v1/events checks each event's `data` against it (400 schema_mismatch). The name may not be one payhook emits (400 reserved_event_type). " +
          `The schema is a JSON Schema, draft 2020-12 (the default) or draft-07 (say so with \`$schema\`), at most ${MAX_SCHEMA_BYTES / 1024} KiB, with no remote \`$ref\`.`,
        tags: ['events'],
        security: bearer,
        querystring: scopedQuery(),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              pattern: NAME_PATTERN,
              description: 'Lower-case dotted words of a-z, 0-9 and `_`, such as `shop.order_shipped`.',
            },
            description: { type: 'string', maxLength: 1024, description: 'For people.' },
            schema: {
              type: 'object',
              additionalProperties: true,
              description: "Optional JSON Schema of the events' `data`.",
            },
          },
          examples: [
            { name: shippedExample.type, description: shippedExample.description, schema: shippedExample.schema },
          ],
        },
        response: {
          201: { $ref: 'EventType#', description: 'Registered.' },
          ...errorResponses(
            'reserved_event_type',
            'invalid_schema',
            'insufficient_scope',
            'event_type_exists',
            ...SCOPED_ERRORS,
            413,
            415,
          ),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const record = await ctx.eventTypes.create(merchantId, request.body);
      return reply.code(201).send(view(record));
    },
  );

  app.delete<Scoped & { Params: { name: string } }>(
    '/v1/event-types/:name',
    {
      config: { auth: 'merchant' },
      schema: {
        operationId: 'eventTypes.delete',
        summary: 'Delete a registered event type',
        description:
          "Deletes one of the merchant's registered types: its schema is no longer enforced, and endpoints that filter on it by name keep their filter. " +
          'Events already sent are not touched. A type payhook emits cannot be deleted (400 reserved_event_type).',
        tags: ['events'],
        security: bearer,
        querystring: scopedQuery(),
        params: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              description: 'The registered name, such as `shop.order_shipped`.',
              examples: ['shop.order_shipped'],
            },
          },
        },
        response: {
          204: { type: 'null', description: 'Deleted.' },
          ...errorResponses('reserved_event_type', 'insufficient_scope', 'event_type_not_found', ...SCOPED_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      if (request.params.name.length > 128) throw new PayhookError('event_type_not_found');
      await ctx.eventTypes.delete(merchantId, request.params.name);
      return reply.code(204).send();
    },
  );
}
