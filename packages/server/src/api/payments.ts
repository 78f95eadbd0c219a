/** The payment module's routes and schemas, registered by the API server in one call. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { registerBankRoutes } from './bank.js';
import { registerEventTypeRoutes } from './event-types.js';
import { registerOrderRoutes } from './orders.js';
import { paymentSchemas } from './payment-views.js';
import { registerTransactionRoutes } from './transactions.js';

export function registerPaymentRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const s of paymentSchemas) app.addSchema(s);
  registerOrderRoutes(app, ctx);
  registerTransactionRoutes(app, ctx);
  registerBankRoutes(app, ctx);
  registerEventTypeRoutes(app, ctx);
}
