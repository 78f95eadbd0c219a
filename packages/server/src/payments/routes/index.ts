/**
 * The payment module's routes and schemas, registered on the API by `PaymentsModule.routes`: one file a
 * resource (orders, transactions, refunds, bank notifications), as the core's api/ folder. The order is the one
 * /openapi.json has always listed (orders, transactions, refunds, then the bank route, whose plugin of its own
 * loads when the API is ready).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../../module-api.js';
import { registerBankRoutes } from './bank.js';
import { registerOrderRoutes } from './orders.js';
import type { RouteParts } from './parts.js';
import { registerRefundRoutes } from './refunds.js';
import { registerTransactionRoutes } from './transactions.js';
import { paymentSchemas } from './views.js';

export function registerPaymentRoutes(app: FastifyInstance, ctx: RouteContext, parts: RouteParts): void {
  for (const s of paymentSchemas) app.addSchema(s);
  registerOrderRoutes(app, ctx, parts);
  registerTransactionRoutes(app, ctx, parts);
  registerRefundRoutes(app, ctx, parts);
  registerBankRoutes(app, parts);
}
