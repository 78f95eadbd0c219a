/**
 * payhook as a library, for hosting it inside another Node process: tests that need a real payhook, the
 * example shop's demo (`npm start -- --demo`), an app that embeds it. `payhook serve` is the same thing
 * behind a command line.
 *
 * @example
 * import { createPayhook, defaultModules, loadConfig, createMerchant } from 'payhook';
 * const config = loadConfig(process.env, { server: { port: 0 }, store: { dbPath: './data/payhook.db' } });
 * const payhook = await createPayhook(config, { modules: defaultModules(process.env) });
 * await payhook.start();                                   // payhook.url: the API's base URL
 * const { merchant, apiKey } = await createMerchant(payhook.store, 'Corner Shop');
 * // … later
 * await payhook.stop();
 */
export { createPayhook, type CreateOptions, type Payhook } from './app.js';
// The modules `payhook serve` runs (the payment module); without them, a payhook has no payment routes.
export { defaultModules, type DefaultModuleOptions } from './default-modules.js';
export type { PayhookModule } from './modules.js';
export { ConfigError, loadConfig, type Config, type Role } from './config.js';
// What `payhook serve` does with PAYHOOK_HEAP_GROWTH; a process that embeds payhook decides for itself.
export { limitHeapGrowth } from './heap.js';
export { createMerchant } from './merchants/service.js';
// OpenTelemetry traces: `createPayhook(config, { tracing: tracingRequested(process.env) ? {} : null })`.
export { tracingRequested, type TracingOptions } from './tracing/tracing.js';
