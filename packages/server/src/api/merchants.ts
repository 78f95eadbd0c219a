/** `/v1/merchants`: tenants, managed with the admin key only (a merchant key gets 403 forbidden). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { createMerchant } from '../merchants/service.js';
import { bearer } from './auth.js';
import { checkCursor } from './paging.js';
import { EXAMPLE_IDS } from './examples.js';
import { errorResponses, noQuery, pageOf, pageQuery } from './schemas.js';
import { merchantView, pageView } from './views.js';

export function registerMerchantRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: { name: string } }>(
    '/v1/merchants',
    {
      config: { auth: 'admin' },
      schema: {
        operationId: 'merchants.create',
        summary: 'Create a merchant',
        description:
          'Creates a merchant and its first API key. The key (`api_key`) is shown in this response only; payhook keeps just its hash.',
        tags: ['merchants'],
        security: bearer,
        querystring: noQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              pattern: '\\S',
              description: 'A name for people (not blank).',
            },
          },
          examples: [{ name: 'Corner Shop' }],
        },
        response: {
          201: {
            description: 'The merchant, with its two first API keys, one a mode (shown once).',
            type: 'object',
            required: ['id', 'name', 'created_at', 'api_key', 'live_api_key'],
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              created_at: { type: 'string', format: 'date-time' },
              api_key: {
                type: 'string',
                description:
                  "The merchant's test-mode key (`sk_test_…`; test mode pays through the bank simulator): store it now, it is not shown again.",
              },
              live_api_key: {
                type: 'string',
                description:
                  "The merchant's live-mode key (`sk_live_…`; live mode pays through the configured bank): store it now, it is not shown again.",
              },
            },
            examples: [
              {
                id: EXAMPLE_IDS.merchant,
                name: 'Corner Shop',
                created_at: '2026-12-01T10:00:00.000Z',
                api_key: 'sk_test_Zr6Nq2xVb8KpT4mYc1HwJd9sLf3Ga7Ue5RoQiXnB0tE',
                live_api_key: 'sk_live_Qm3Tb7Wc2XyN8PaK4sLd9Fh1Gj6Rv5Ue0ZoIiEnHtB',
              },
            ],
          },
          ...errorResponses(403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { merchant, apiKey, liveApiKey } = await createMerchant(ctx.store, request.body.name.trim());
      return reply.code(201).send({ ...merchantView(merchant), api_key: apiKey, live_api_key: liveApiKey });
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/merchants',
    {
      config: { auth: 'admin' },
      schema: {
        operationId: 'merchants.list',
        summary: 'List merchants',
        description: 'Lists merchants, newest first.',
        tags: ['merchants'],
        security: bearer,
        querystring: { type: 'object', additionalProperties: false, properties: { ...pageQuery } },
        response: {
          200: { description: 'A page of merchants.', ...pageOf('Merchant') },
          ...errorResponses('invalid_cursor', 403),
        },
      },
    },
    async (request) => {
      const cursor = checkCursor(request.query.cursor, 'mer');
      return pageView(await ctx.store.listMerchants({ limit: request.query.limit, cursor }), merchantView);
    },
  );
}
