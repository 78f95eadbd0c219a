/** `/v1/transactions/{id}`: one payment attempt, with its pay-back when the issuer debited a failed payment. */
import type { FastifyInstance } from 'fastify';
import { bearer, errorResponses, idParams, scopedQuery, type RouteContext } from '../../module-api.js';
import { paymentError, paymentErrorRef as ref } from '../errors.js';
import type { RouteParts } from './parts.js';
import { refundedOf, transactionView } from './views.js';

export function registerTransactionRoutes(app: FastifyInstance, ctx: RouteContext, { store }: RouteParts): void {
  app.get<{ Params: { id: string }; Querystring: { merchant_id?: string } }>(
    '/v1/transactions/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        operationId: 'transactions.get',
        summary: 'Get a transaction',
        description: 'One transaction, with its pay-back and what its refunds returned.',
        tags: ['payments'],
        security: bearer,
        params: idParams('txn', 'transaction'),
        querystring: scopedQuery(),
        response: {
          200: { $ref: 'Transaction#', description: 'The transaction.' },
          ...errorResponses('merchant_required', 'merchant_not_found', ref('transaction_not_found')),
        },
      },
    },
    async (request) => {
      const merchantId = await ctx.merchantOf(request);
      const txn = await store.getTransaction(merchantId, request.params.id);
      if (!txn) throw paymentError('transaction_not_found', undefined, { id: request.params.id });
      const refunded = refundedOf(await store.refundsOfTransaction(txn.id), txn.id);
      return transactionView(txn, await store.paybackOf(txn.id), refunded);
    },
  );
}
