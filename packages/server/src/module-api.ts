/**
 * What a module may use of payhook's core, in one place: the module interface, the outbox port to the
 * database, errors, payload formats, ids, paging, configuration parsing, the API's route helpers and
 * the CLI's command helpers. A module (`payments/`) imports from this file and from nowhere else in
 * the core, so the core can change behind it, and what a module depends on is read here at a glance.
 *
 * The rule runs one way: the core never imports a module. Modules are handed to
 * `createPayhook(config, { modules })` by the composition root (`default-modules.ts`, `cli/`).
 */

// The module interface (modules.ts): what a module brings and what it is given.
export type { ApiTag, EventTypeDoc, ModuleContext, PayhookModule, RouteContext } from './modules.js';
export type { Role } from './config.js';
export type { Logger } from 'pino';

// The outbox port (store/module-port.ts) and the loaders for a module's SQL files and migrations.
export type {
  Migration,
  ModuleMigrations,
  ModuleStatements,
  ModuleStore,
  Params,
  PostgresModuleStore,
  PostgresOutboxTx,
  RunOptions,
  SqliteModuleStore,
  SqliteOutboxTx,
} from './store/module-port.js';
export { loadMigrations, loadSqlFiles } from './store/sql-files.js';
export type { AppendedEvent, ListOptions, NewEvent, Page } from './store/types.js';
export { buildEnvelope } from './store/envelope.js';

// Errors: the core's codes (`validation_failed`, …) and a module's own table.
export { isPayhookError, moduleErrors, PayhookError, type ErrorDefinition, type ErrorTable } from './errors.js';

// Payload formats a module adds (`PayhookModule.formats`).
export type { RenderInput, Renderer } from './events/formats.js';
// The objects a module's events are about, for thin events (`PayhookModule.objects`).
export type { EventObject } from './events/thin.js';

// Ids, cursors and paging.
export { newId, type IdPrefix } from './ids.js';
export type { EventId, MerchantId } from './ids.js';
export {
  isLiveScope,
  LIVEMODE_SCHEMA,
  liveScopeOf,
  merchantOfScope,
  modeOfScope,
  type Mode,
  ownerFields,
} from './modes.js';
export { decodeCursor, ID_MAX, toPage } from './store/cursor.js';

// Configuration parsing, for a module's settings (read by the composition root, handed to the module).
export {
  ConfigError,
  type ConfigOf,
  define,
  type Env,
  loadSections,
  type OverridesOf,
  parseDuration,
} from './config.js';

// The API's route helpers: authentication, shared schemas, paging, a JSON body as written.
export { bearer } from './api/auth.js';
export { bodyTextOf } from './api/body-text.js';
export { checkCursor } from './api/paging.js';
export { errorResponses, idParams, idSchema, pageOf, pageQuery, scopedQuery } from './api/schemas.js';

// The CLI's command helpers, for a module's commands.
export {
  action,
  clientFor,
  modeLine,
  parsePositiveInt,
  printJson,
  printMore,
  printTable,
  UsageError,
  withClientOptions,
  type CommonFlags,
  type PageOf,
} from './cli/commands/shared.js';
