/** `/v1/transactions/{id}`: one payment attempt, with its pay-back when the issuer debited a failed payment. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { paymentsOf } from '../payments/module.js';
import { bearer, merchantOf } from './auth.js';
import { errorResponses, idParams, scopedQuery } from './schemas.js';
import { transactionView } from './payment-views.js';

export function registerTransactionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string }; Querystring: { merchant_id?: string } }>('/v1/transactions/:id', {
    config: { auth: 'merchant' },
    schema: {
      operationId: 'transactions.get',
      summary: 'Get a transaction',
      description: 'One transaction.', tags: ['payments'], security: bearer, params: idParams('txn', 'transaction'), querystring: scopedQuery(),
      response: { 200: { $ref: 'Transaction#', description: 'The transaction.' }, ...errorResponses('merchant_required', 'merchant_not_found', 'transaction_not_found') },
    },
  }, async (request) => {
    const merchantId = await merchantOf(ctx, request);
    const { store } = paymentsOf(ctx);
    const txn = await store.getTransaction(merchantId, request.params.id);
    if (!txn) throw new PayhookError('transaction_not_found', undefined, { id: request.params.id });
    return transactionView(txn, await store.paybackOf(txn.id));
  });
}
