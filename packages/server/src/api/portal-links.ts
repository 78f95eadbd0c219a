/**
 * `POST /v1/portal-links`: a link that signs one person in to the dashboard as a merchant, for a
 * merchant to hand to a colleague or an operator to embed in its own back office. The admin key makes
 * one for any merchant (`merchant_id`), a merchant's write key for itself. The link is signed (HMAC),
 * expires (`PAYHOOK_PORTAL_LINK_TTL`, default 15 minutes) and opens one session only
 * (dashboard/tokens.ts); `read_only` makes a session that can look and change nothing.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { AppContext } from '../context.js';
import { PORTAL_PATH, signerOf } from '../dashboard/session.js';
import { newSecretId } from '../dashboard/tokens.js';
import { bearer, merchantOf } from './auth.js';
import { SCOPED_ERRORS, errorResponses, scopedQuery } from './schemas.js';

const portalLinkSchema = {
  $id: 'PortalLink',
  type: 'object',
  description: 'A single-use link to the dashboard, signed in as one merchant.',
  required: ['url', 'expires_at'],
  properties: {
    url: {
      type: 'string',
      description:
        'Open it in a browser before `expires_at`; it opens one session. Built on `PAYHOOK_PUBLIC_URL` when set, else on the address this request came to.',
    },
    expires_at: { type: 'string', format: 'date-time' },
  },
  examples: [
    {
      url: 'https://payhook.example.com/dashboard/portal?token=eyJtIjoibWVyXzAxIn0.c2lnbmF0dXJl',
      expires_at: '2026-12-01T12:15:00.000Z',
    },
  ],
};

export function registerPortalLinkRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addSchema(portalLinkSchema);
  app.post<{ Body: { read_only?: boolean }; Querystring: { merchant_id?: string } }>(
    '/v1/portal-links',
    {
      config: { auth: 'merchant', optionalBody: true },
      schema: {
        operationId: 'portalLinks.create',
        summary: 'Create a dashboard portal link',
        description:
          'A signed, short-lived (`PAYHOOK_PORTAL_LINK_TTL`, default 15 minutes), single-use link that signs its opener in to the dashboard (`/dashboard`) as this merchant: it sees only this merchant’s data. ' +
          'The admin key names the merchant with `merchant_id`; a merchant key makes links for itself. `read_only: true` makes a session that changes nothing (docs/dashboard.md).',
        tags: ['merchants'],
        security: bearer,
        querystring: scopedQuery(),
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            read_only: { type: 'boolean', default: false, description: 'The session may look but not change.' },
          },
        },
        response: {
          201: { $ref: 'PortalLink#', description: 'The link.' },
          ...errorResponses(...SCOPED_ERRORS, 413, 415),
        },
      } as FastifySchema,
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const signer = await signerOf(ctx.store);
      const expiresAt = Date.now() + ctx.config.dashboard.portalLinkTtlMs;
      const token = signer.portalToken({
        merchantId,
        scopes: request.body?.read_only ? ['read'] : ['read', 'write'],
        nonce: newSecretId(),
        expiresAt,
      });
      const base = ctx.config.dashboard.publicUrl ?? `${request.protocol}://${request.host}`;
      reply.code(201);
      return {
        url: `${base.replace(/\/+$/, '')}${PORTAL_PATH}?token=${token}`,
        expires_at: new Date(expiresAt).toISOString(),
      };
    },
  );
}
