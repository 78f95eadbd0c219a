/**
 * payhook as a library, for hosting it inside another Node process: tests that need a real payhook, the
 * example shop's demo (`npm start -- --demo`), an app that embeds it. `payhook serve` is the same thing
 * behind a command line.
 *
 * @example
 * import { createPayhook, loadConfig, createMerchant } from 'payhook';
 * const payhook = await createPayhook(loadConfig(process.env, { port: 0, dbPath: './data/payhook.db' }));
 * await payhook.start();                                   // payhook.url: the API's base URL
 * const { merchant, apiKey } = await createMerchant(payhook.store, 'Corner Shop');
 * // … later
 * await payhook.stop();
 */
export { createPayhook, type CreateOptions, type Payhook } from './app.js';
export { ConfigError, loadConfig, type Config, type Role } from './config.js';
export { createMerchant } from './merchants/service.js';
