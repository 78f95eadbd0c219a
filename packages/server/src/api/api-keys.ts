/**
 * `/v1/api-keys`: a merchant's keys. A merchant key manages its own merchant's keys; the admin key
 * names the merchant with `merchant_id` (the rule of auth.ts). Issuing and revoking are writes, so a
 * read-only key may only list. A key id of another merchant answers like one that does not exist.
 * Keys belong to a mode (src/modes.ts): a key issues, lists and revokes keys of its own mode; the admin
 * key reaches the live mode's keys with `livemode=true`.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { issueKey, revokeKey } from '../merchants/api-keys.js';
import { bearer, merchantOf } from './auth.js';
import { checkCursor } from './paging.js';
import { errorResponses, idParams, idSchema, pageOf, pageQuery, SCOPED_ERRORS, scopedQuery } from './schemas.js';
import { apiKeyView, pageView } from './views.js';

const keyFields = {
  id: idSchema('key', 'API key id.'),
  name: { type: 'string', description: 'A name for people, such as the system that uses the key.' },
  prefix: {
    type: 'string',
    description:
      'The first characters of the key (`sk_live_AbCd`, `sk_test_AbCd`; `sk_AbCd` for a test key made before modes), to tell keys apart; never enough to use it.',
  },
  livemode: {
    type: 'boolean',
    description:
      'The mode the key works in: `true` live (`sk_live_…`), `false` test (`sk_test_…`, and keys made before modes).',
  },
  scopes: {
    type: 'array',
    items: { type: 'string', enum: ['read', 'write'] },
    description:
      '`["read"]`: GET routes only, every other method is 403 insufficient_scope. `["read","write"]`: everything a merchant may do.',
  },
  created_at: { type: 'string', format: 'date-time', description: 'When the key was issued.' },
};

const apiKeySchema = {
  $id: 'ApiKey',
  type: 'object',
  description: 'An API key as listed: never the key itself, never its hash.',
  required: ['id', 'name', 'prefix', 'livemode', 'scopes', 'created_at', 'last_used_at'],
  properties: {
    ...keyFields,
    last_used_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'About when it was last used (recorded at most once a minute); null if never.',
    },
  },
  examples: [
    {
      id: 'key_01JDQ3V4S0AKQ8W1N6B7R2T5YX',
      name: 'reporting',
      prefix: 'sk_test_Q2xv',
      livemode: false,
      scopes: ['read'],
      created_at: '2026-11-27T05:29:26.123Z',
      last_used_at: null,
    },
  ],
};

const issuedKeySchema = {
  $id: 'IssuedApiKey',
  type: 'object',
  description: 'A key just issued, with the key itself.',
  required: ['id', 'name', 'prefix', 'livemode', 'scopes', 'created_at', 'key'],
  properties: {
    ...keyFields,
    key: {
      type: 'string',
      description:
        'The key (`sk_test_…` or `sk_live_…`, the mode it was issued in): store it now, it is not shown again.',
    },
  },
  examples: [
    {
      id: 'key_01JDQ3V4S0AKQ8W1N6B7R2T5YX',
      name: 'reporting',
      prefix: 'sk_test_Q2xv',
      livemode: false,
      scopes: ['read'],
      created_at: '2026-11-27T05:29:26.123Z',
      key: 'sk_test_Q2xvYnVzLWV4YW1wbGUta2V5LW5vdC1yZWFsLTAwMDAw',
    },
  ],
};

type Scoped = { Querystring: { merchant_id?: string } };

export function registerApiKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addSchema(apiKeySchema);
  app.addSchema(issuedKeySchema);
  const base = { config: { auth: 'merchant' as const } };

  app.post<Scoped & { Body: { name: string; scopes: string[] } }>(
    '/v1/api-keys',
    {
      ...base,
      schema: {
        operationId: 'apiKeys.create',
        summary: 'Issue an API key',
        description:
          'Issues an API key for the merchant, with a name and scopes. The key (`key`) is in this response only; payhook keeps just its hash. ' +
          'Issuing is a write: a read-only key gets 403 insufficient_scope.',
        tags: ['api-keys'],
        security: bearer,
        querystring: scopedQuery(),
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'scopes'],
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              pattern: '\\S',
              description: 'A name for people (not blank).',
            },
            scopes: {
              type: 'array',
              minItems: 1,
              maxItems: 2,
              uniqueItems: true,
              items: { type: 'string', enum: ['read', 'write'] },
              description: '`["read"]` or `["read","write"]` (`["write"]` alone is refused: a write key reads too).',
            },
          },
          examples: [{ name: 'reporting', scopes: ['read'] }],
        },
        response: {
          201: { $ref: 'IssuedApiKey#', description: 'The key, shown once.' },
          ...errorResponses('insufficient_scope', ...SCOPED_ERRORS, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const { record, key } = await issueKey(ctx.store, merchantId, request.body.name.trim(), request.body.scopes);
      const { last_used_at: _, ...view } = apiKeyView(record);
      return reply.code(201).send({ ...view, key });
    },
  );

  app.get<Scoped & { Querystring: { limit: number; cursor?: string } }>(
    '/v1/api-keys',
    {
      ...base,
      schema: {
        operationId: 'apiKeys.list',
        summary: 'List API keys',
        description:
          "Lists the merchant's live keys, newest first: names, prefixes, scopes and last use, never the keys themselves. Revoked keys are not listed.",
        tags: ['api-keys'],
        security: bearer,
        querystring: scopedQuery(pageQuery),
        response: {
          200: { description: 'A page of API keys.', ...pageOf('ApiKey') },
          ...errorResponses(...SCOPED_ERRORS, 'invalid_cursor'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const cursor = checkCursor(request.query.cursor, 'key');
      return pageView(await ctx.store.listApiKeys(merchantId, { limit: request.query.limit, cursor }), apiKeyView);
    },
  );

  app.delete<Scoped & { Params: { id: string } }>(
    '/v1/api-keys/:id',
    {
      ...base,
      schema: {
        operationId: 'apiKeys.revoke',
        summary: 'Revoke an API key',
        description:
          'Revokes the key: the next request with it is 401 unauthorized on this API process, and on every other within PAYHOOK_AUTH_CACHE_TTL (default 10 s). ' +
          'A key may revoke itself. Revoking is a write: a read-only key gets 403 insufficient_scope.',
        tags: ['api-keys'],
        security: bearer,
        params: idParams('key', 'API key'),
        querystring: scopedQuery(),
        response: {
          204: { type: 'null', description: 'Revoked.' },
          ...errorResponses('insufficient_scope', ...SCOPED_ERRORS, 'api_key_not_found'),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      await revokeKey(ctx.store, ctx.auth, merchantId, request.params.id);
      return reply.code(204).send();
    },
  );
}
