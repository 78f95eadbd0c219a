/**
 * Refunds: `POST /v1/transactions/{id}/refunds` returns money of a successful payment, in part or in full
 * (no `amount`: all that remains), and answers with the bank's answer when it came at once; what happens
 * later (a delayed refund settling) arrives as `refund.succeeded` or `refund.failed`. A refund is also
 * read back by itself (`GET /v1/refunds/{id}`) and with its payment's others
 * (`GET /v1/transactions/{id}/refunds`).
 */
import type { FastifyInstance } from 'fastify';
import { bearer, bodyTextOf, errorResponses, idParams, scopedQuery, type RouteContext } from '../../module-api.js';
import { paymentError, paymentErrorRef as ref } from '../errors.js';
import { writtenAmount } from '../written-amount.js';
import type { RouteParts } from './parts.js';
import { minorAmountSchema, REFUND_EXAMPLE, refundView } from './views.js';

const refundBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    amount: minorAmountSchema(
      "What to return, in integer minor units of the payment's currency; leave it out to refund all that remains. " +
        'At most what remains: the amount less what refunds returned or hold pending (refund_exceeds_remaining).',
      2500,
    ),
    reason: { type: ['string', 'null'], maxLength: 500, description: 'Why; returned in the refund and its events.' },
    idempotency_key: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description:
        'Your key for this refund: the same key and request again returns the first refund (200) and refunds nothing more; ' +
        'the same key with another request is 409 refund_idempotency_conflict.',
    },
  },
};

export function registerRefundRoutes(app: FastifyInstance, ctx: RouteContext, { service, store }: RouteParts): void {
  const base = { config: { auth: 'merchant' as const } };

  app.post<{
    Params: { id: string };
    Querystring: { merchant_id?: string };
    Body: { amount?: number; reason?: string | null; idempotency_key?: string };
  }>(
    '/v1/transactions/:id/refunds',
    {
      ...base,
      config: { ...base.config, optionalBody: true },
      schema: {
        operationId: 'transactions.refund',
        summary: 'Refund a payment',
        description:
          'Returns money of a successful payment, in part or in full, and answers 201 with the refund: `succeeded` or `failed` when ' +
          'the bank answered at once, else `pending` (payhook asks the bank again by itself). `refund.created` and then ' +
          '`refund.succeeded` or `refund.failed` follow; a refund that succeeds makes the order `partially_refunded`, or `refunded` ' +
          'once its refunds add up to what was paid. Errors: invalid_amount, transaction_not_found, transaction_not_refundable ' +
          '(not a successful payment: failed, not settled yet, or paid back), refund_exceeds_remaining, refund_idempotency_conflict.',
        tags: ['payments'],
        security: bearer,
        params: idParams('txn', 'transaction'),
        querystring: scopedQuery(),
        body: {
          ...refundBody,
          examples: [{ amount: 2500, reason: 'one item returned', idempotency_key: 'INV-1001-return-1' }],
        },
        response: {
          201: { $ref: 'Refund#', description: 'The refund, with what the bank said so far.' },
          200: { $ref: 'Refund#', description: 'The refund made before with this idempotency key and request.' },
          ...errorResponses(
            ref('invalid_amount'),
            'merchant_required',
            'merchant_not_found',
            ref('transaction_not_found'),
            ref('transaction_not_refundable'),
            ref('refund_exceeds_remaining'),
            ref('bank_not_configured'),
            ref('refund_idempotency_conflict'),
            413,
            415,
          ),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await ctx.merchantOf(request);
      const body = request.body ?? {};
      const amount = writtenAmount(bodyTextOf(request), body.amount);
      const r = await service.refund(merchantId, request.params.id, { ...body, amount });
      return reply.code(r.created ? 201 : 200).send(refundView(r.refund));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { merchant_id?: string } }>(
    '/v1/transactions/:id/refunds',
    {
      ...base,
      schema: {
        operationId: 'transactions.refunds',
        summary: "List a payment's refunds",
        description: 'Every refund of the transaction, oldest first.',
        tags: ['payments'],
        security: bearer,
        params: idParams('txn', 'transaction'),
        querystring: scopedQuery(),
        response: {
          200: {
            type: 'object',
            description: 'The refunds, oldest first.',
            properties: { data: { type: 'array', items: { $ref: 'Refund#' } } },
            examples: [{ data: [REFUND_EXAMPLE] }],
          },
          ...errorResponses('merchant_required', 'merchant_not_found', ref('transaction_not_found')),
        },
      },
    },
    async (request) => {
      const merchantId = await ctx.merchantOf(request);
      const txn = await store.getTransaction(merchantId, request.params.id);
      if (!txn) throw paymentError('transaction_not_found', undefined, { id: request.params.id });
      return { data: (await store.refundsOfTransaction(txn.id)).map(refundView) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { merchant_id?: string } }>(
    '/v1/refunds/:id',
    {
      ...base,
      schema: {
        operationId: 'refunds.get',
        summary: 'Get a refund',
        description: 'One refund, with what the bank said so far.',
        tags: ['payments'],
        security: bearer,
        params: idParams('re', 'refund'),
        querystring: scopedQuery(),
        response: {
          200: { $ref: 'Refund#', description: 'The refund.' },
          ...errorResponses('merchant_required', 'merchant_not_found', ref('refund_not_found')),
        },
      },
    },
    async (request) => {
      const merchantId = await ctx.merchantOf(request);
      const refund = await store.getRefund(merchantId, request.params.id);
      if (!refund) throw paymentError('refund_not_found', undefined, { id: request.params.id });
      return refundView(refund);
    },
  );
}
