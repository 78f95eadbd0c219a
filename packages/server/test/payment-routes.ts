/**
 * The payment module's routes, for the route-coverage check of api-validation.test.ts. Their bad-input
 * cases live in api-payments.test.ts and api-refunds.test.ts, next to the flows, because they need orders and transactions
 * in given states (paid, cancelled, delayed) that the generic table cannot make.
 */
export const PAYMENT_ROUTES = [
  'POST /v1/orders',
  'GET /v1/orders',
  'GET /v1/orders/{id}',
  'POST /v1/orders/{id}/transactions',
  'GET /v1/transactions/{id}',
  'POST /v1/transactions/{id}/refunds',
  'GET /v1/transactions/{id}/refunds',
  'GET /v1/refunds/{id}',
  'POST /v1/bank/notifications',
  'POST /v1/bank/acquirer/notifications',
  'GET /v1/event-types',
];
