/**
 * `/v1/orders`: orders and paying them. Paying answers at once with `success`, `delayed` or `failed`,
 * as a checkout needs; what happens later (a delayed payment settling, a pay-back) arrives as events.
 * The card is validated (Luhn, expiry), sent to the bank and forgotten beyond its last four digits.
 */
import type { FastifyInstance } from 'fastify';
import {
  bearer,
  bodyTextOf,
  checkCursor,
  errorResponses,
  idParams,
  pageOf,
  pageQuery,
  scopedQuery,
  type RouteContext,
} from '../../module-api.js';
import { paymentError, paymentErrorRef as ref } from '../errors.js';
import { ORDER_STATUSES, type OrderStatus } from '../state.js';
import { writtenAmount } from '../written-amount.js';
import type { RouteParts } from './parts.js';
import {
  minorAmountSchema,
  ORDER_EXAMPLE,
  orderEventView,
  orderView,
  refundedOf,
  refundView,
  transactionView,
  TRANSACTION_EXAMPLE,
} from './views.js';

const text = (max: number, description: string) => ({ type: ['string', 'null'], maxLength: max, description });

const orderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reference', 'amount', 'currency'],
  properties: {
    reference: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'Your own order reference; unique per merchant (409 duplicate_reference).',
    },
    amount: minorAmountSchema(
      'Integer minor units of `currency`: 10000 is AED 100.00, JPY 100 is 100. At most the maximum of the currency (amount_too_large).',
      10000,
    ),
    currency: {
      type: 'string',
      maxLength: 8,
      description: 'ISO 4217 code (unknown_currency otherwise).',
      examples: ['AED'],
    },
    customer_email: text(254, 'Customer e-mail, returned in every event.'),
    customer_mobile: text(32, 'Customer mobile, returned in every event.'),
    optional1: text(255, 'Free field, returned in every event.'),
    optional2: text(255, 'Free field, returned in every event.'),
    optional3: text(255, 'Free field, returned in every event.'),
  },
};

const payBody = {
  type: 'object',
  additionalProperties: false,
  required: ['card'],
  properties: {
    card: {
      type: 'object',
      additionalProperties: false,
      required: ['number', 'expiry', 'cvc'],
      description: 'The card. Test cards: docs/payments.md.',
      properties: {
        number: {
          type: 'string',
          maxLength: 32,
          description: '12–19 digits, spaces and dashes allowed; must pass the Luhn check.',
          examples: ['4111 1111 1111 1111'],
        },
        expiry: { type: 'string', maxLength: 16, description: 'MM/YY or MM/YYYY.', examples: ['12/30'] },
        cvc: { type: 'string', maxLength: 8, description: '3 or 4 digits.', examples: ['123'] },
      },
    },
  },
};

interface OrderBody {
  reference: string;
  amount: number;
  currency: string;
  customer_email?: string | null;
  customer_mobile?: string | null;
  optional1?: string | null;
  optional2?: string | null;
  optional3?: string | null;
}

export function registerOrderRoutes(app: FastifyInstance, ctx: RouteContext, { service, store }: RouteParts): void {
  const base = { config: { auth: 'merchant' as const } };

  app.post<{ Body: OrderBody; Querystring: { merchant_id?: string } }>(
    '/v1/orders',
    {
      ...base,
      schema: {
        operationId: 'orders.create',
        summary: 'Create an order',
        description:
          'Creates an open order. Errors: invalid_amount (not a positive whole number of minor units, as written), unknown_currency, ' +
          "amount_too_large (above the currency's maximum), duplicate_reference.",
        tags: ['payments'],
        security: bearer,
        querystring: scopedQuery(),
        body: {
          ...orderBody,
          examples: [{ reference: 'INV-1001', amount: 10000, currency: 'AED', customer_email: 'customer@example.com' }],
        },
        response: {
          201: { $ref: 'Order#', description: 'The order, open.' },
          ...errorResponses(
            ref('invalid_amount'),
            ref('unknown_currency'),
            ref('amount_too_large'),
            'merchant_required',
            'merchant_not_found',
            ref('duplicate_reference'),
            413,
            415,
          ),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await ctx.merchantOf(request);
      const amount = writtenAmount(bodyTextOf(request), request.body.amount);
      const order = await service.createOrder(merchantId, { ...request.body, amount });
      return reply.code(201).send(orderView(order));
    },
  );

  app.get<{
    Querystring: { merchant_id?: string; status?: OrderStatus; reference?: string; limit: number; cursor?: string };
  }>(
    '/v1/orders',
    {
      ...base,
      schema: {
        operationId: 'orders.list',
        summary: 'List orders',
        description:
          "Lists the merchant's orders, newest first; filter by `status`, or find one by your own `reference` " +
          '(a page of that order, or an empty page).',
        tags: ['payments'],
        security: bearer,
        querystring: scopedQuery({
          status: { type: 'string', enum: [...ORDER_STATUSES] },
          reference: {
            type: 'string',
            minLength: 1,
            maxLength: 100,
            description: 'Your own order reference: the page holds the order that has it, if any.',
            examples: ['INV-1001'],
          },
          ...pageQuery,
        }),
        response: {
          200: { description: 'A page of orders.', ...pageOf('Order') },
          ...errorResponses('merchant_required', 'merchant_not_found', 'invalid_cursor'),
        },
      },
    },
    async (request) => {
      const merchantId = await ctx.merchantOf(request);
      const q = request.query;
      const page = await service.listOrders({
        merchantId,
        status: q.status,
        reference: q.reference,
        limit: q.limit,
        cursor: checkCursor(q.cursor, 'ord'),
      });
      return { data: page.items.map(orderView), next_cursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { merchant_id?: string } }>(
    '/v1/orders/:id',
    {
      ...base,
      schema: {
        operationId: 'orders.get',
        summary: 'Get an order with its transactions, refunds and events',
        description:
          'One order with its transactions and refunds (oldest first) and the events it emitted (in sequence order).',
        tags: ['payments'],
        security: bearer,
        params: idParams('ord', 'order'),
        querystring: scopedQuery(),
        response: {
          200: { $ref: 'OrderDetail#', description: 'The order.' },
          ...errorResponses('merchant_required', 'merchant_not_found', ref('order_not_found')),
        },
      },
    },
    async (request) => {
      const merchantId = await ctx.merchantOf(request);
      const order = await store.getOrder(merchantId, request.params.id);
      if (!order) throw paymentError('order_not_found', undefined, { id: request.params.id });
      const txns = await store.transactionsOfOrder(order.id);
      const refunds = await store.refundsOfOrder(order.id);
      const transactions = await Promise.all(
        txns.map(async (t) => transactionView(t, await store.paybackOf(t.id), refundedOf(refunds, t.id))),
      );
      const events = (await store.eventsOfOrder(order.id)).map(orderEventView);
      return { ...orderView(order), transactions, refunds: refunds.map(refundView), events };
    },
  );

  app.post<{
    Params: { id: string };
    Querystring: { merchant_id?: string };
    Body: { card: { number: string; expiry: string; cvc: string } };
  }>(
    '/v1/orders/:id/transactions',
    {
      ...base,
      schema: {
        operationId: 'orders.pay',
        summary: 'Pay an order by card',
        description:
          'Pays the order with a card and answers at once: `outcome` is `success`, `delayed` (the bank decides later; events follow) ' +
          'or `failed` (the order is cancelled; when the issuer debited anyway, `transaction.status` is `payback_pending` and the pay-back is automatic). ' +
          'Errors: card_invalid, card_expired, order_not_found, order_not_payable (paid or cancelled), payment_in_progress.',
        tags: ['payments'],
        security: bearer,
        params: idParams('ord', 'order'),
        querystring: scopedQuery(),
        body: payBody,
        response: {
          201: {
            type: 'object',
            description: "The attempt, with the bank's answer.",
            properties: {
              outcome: { type: 'string', enum: ['success', 'delayed', 'failed'] },
              transaction: { $ref: 'Transaction#' },
              order: { $ref: 'Order#' },
            },
            examples: [
              {
                outcome: 'success',
                transaction: TRANSACTION_EXAMPLE,
                order: ORDER_EXAMPLE,
              },
            ],
          },
          ...errorResponses(
            ref('card_invalid'),
            ref('card_expired'),
            'merchant_required',
            'merchant_not_found',
            ref('order_not_found'),
            ref('order_not_payable'),
            ref('payment_in_progress'),
            ref('bank_not_configured'),
            413,
            415,
          ),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await ctx.merchantOf(request);
      const r = await service.pay(merchantId, request.params.id, request.body.card);
      const payback = r.transaction.debited ? await store.paybackOf(r.transaction.id) : null;
      return reply
        .code(201)
        .send({ outcome: r.outcome, transaction: transactionView(r.transaction, payback), order: orderView(r.order) });
    },
  );
}
