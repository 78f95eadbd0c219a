/**
 * The modules `payhook serve`, `payhook migrate` and `npm start` run: the payment module, configured
 * from the environment here (the module itself reads none). With cli/, this file is the composition
 * root, the only code outside `payments/` that imports it.
 *
 * @example
 * const payhook = await createPayhook(loadConfig(process.env), { modules: defaultModules(process.env) });
 */
import type { Env } from './config.js';
import { processEnv } from './env.js';
import type { PayhookModule } from './modules.js';
import { loadPaymentConfig, type PaymentConfig } from './payments/config.js';
import { paymentsModule } from './payments/module.js';

export interface DefaultModuleOptions {
  /** Settings of the payment module that win over the environment (tests compress its timings). */
  payments?: Partial<PaymentConfig>;
}

/** Throws `ConfigError` naming the variable when a payment setting is invalid. */
export function defaultModules(env: Env = processEnv(), options: DefaultModuleOptions = {}): PayhookModule[] {
  return [paymentsModule({ config: loadPaymentConfig(env, options.payments) })];
}
