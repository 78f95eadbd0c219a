/** The payment module's resources: `client.orders`, `client.transactions` (payments) and `client.refunds`. */
import { type ApiContext, seg } from './transport.js';
import type { Page } from './types/common.js';
import type {
  Card,
  CreateOrderInput,
  CreateRefundInput,
  Order,
  OrderListParams,
  PayResult,
  Refund,
  Transaction,
} from './types/payments.js';

export type OrdersApi = ReturnType<typeof ordersApi>;

export function ordersApi(api: ApiContext) {
  return {
    /** @example await client.orders.create({ reference: 'A-1001', amount: 10000, currency: 'AED' }); */
    create: (input: CreateOrderInput): Promise<Order> => api.request('POST', '/v1/orders', { body: input }),
    /** With its transactions and events. @example await client.orders.get('ord_01J…'); */
    get: (id: string): Promise<Order> => api.request('GET', `/v1/orders/${seg(id)}`),
    /** @example await client.orders.list({ status: 'open' }); */
    list: (params: OrderListParams = {}): Promise<Page<Order>> =>
      api.request('GET', '/v1/orders', { query: { ...params } }),
    /** Pays with a card; the transaction says `success`, `delayed` or `failed` at once. @example await client.orders.pay(id, card); */
    pay: (id: string, card: Card): Promise<PayResult> =>
      api.request('POST', `/v1/orders/${seg(id)}/transactions`, { body: { card } }),
  };
}

export type TransactionsApi = ReturnType<typeof transactionsApi>;

export function transactionsApi(api: ApiContext) {
  return {
    /** With its pay-back and what its refunds returned. @example await client.transactions.get('txn_01J…'); */
    get: (id: string): Promise<Transaction> => api.request('GET', `/v1/transactions/${seg(id)}`),
    /** Refunds a successful payment; no `amount`: all that remains. @example await client.transactions.refund('txn_01J…', { amount: 2500 }); */
    refund: (id: string, input: CreateRefundInput = {}): Promise<Refund> =>
      api.request('POST', `/v1/transactions/${seg(id)}/refunds`, { body: input }),
    /** Its refunds, oldest first. @example const { data } = await client.transactions.refunds('txn_01J…'); */
    refunds: (id: string): Promise<{ data: Refund[] }> => api.request('GET', `/v1/transactions/${seg(id)}/refunds`),
  };
}

export type RefundsApi = ReturnType<typeof refundsApi>;

export function refundsApi(api: ApiContext) {
  return {
    /** @example const { status } = await client.refunds.get('re_01J…'); */
    get: (id: string): Promise<Refund> => api.request('GET', `/v1/refunds/${seg(id)}`),
  };
}
