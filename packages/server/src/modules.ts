/**
 * Modules: a part of payhook that brings its own tables, routes, payload formats, error codes and event
 * types, and plugs into the core through this interface alone. The payment module is one
 * (`payments/`). The core never imports a module: `createPayhook(config, { modules })` is handed them
 * by the composition root (`default-modules.ts`, the CLI, tests), and a module imports only the core's
 * surface for modules, `module-api.ts`.
 *
 * Life of a module in one process, in this order:
 *   1. `createPayhook` checks every module against the core and the others: names, error codes,
 *      format names and migration versions are each taken once;
 *   2. its formats join the process's `FormatRegistry`; its migrations run with the core's;
 *   3. `attach(ctx)`: the module builds its parts on the process's store (through the outbox port);
 *   4. `routes(api, ctx)`, when this process serves the API;
 *   5. `start()` with the process, `stop()` on shutdown (in reverse order, after the API closed).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Role } from './config.js';
import { ERRORS, type ErrorTable } from './errors.js';
import type { Renderer } from './events/formats.js';
import type { EventObject } from './events/thin.js';
import type { ModuleMigrations } from './store/module-port.js';
import type { Store } from './store/types.js';

/** An event type a module emits, as `GET /v1/event-types` publishes it. */
export interface EventTypeDoc {
  type: string;
  description: string;
  /** JSON Schema of the event's `data`. */
  schema: Record<string, unknown>;
}

/** An OpenAPI tag for a module's routes (listed before the core's `operations`). */
export interface ApiTag {
  name: string;
  description: string;
}

/** What a module gets when it attaches: the store only as its port, the log, and the process's role. */
export interface ModuleContext {
  /** The outbox port (store/module-port.ts): the module's own statements and `withOutbox`. */
  store: Pick<Store, 'dialect' | 'moduleStore'>;
  logger: Logger;
  /** `api` processes take requests but do no background work; `dispatcher` and `all` do. */
  role: Role;
}

/** What a module's routes get besides the Fastify instance. */
export interface RouteContext {
  /** The merchant a request acts for (a merchant key's own; the admin key's `merchant_id`); see api/auth.ts. */
  merchantOf(request: FastifyRequest): Promise<string>;
}

/**
 * A module of payhook.
 *
 * @example
 * const widgets: PayhookModule = {
 *   name: 'widgets',
 *   migrations: { sqlite: [...], postgres: [...] },
 *   attach(ctx) { store = ctx.store.moduleStore(WIDGET_STATEMENTS); },
 *   routes(api, ctx) { api.get('/v1/widgets', { config: { auth: 'merchant' } }, async (req) => list(await ctx.merchantOf(req))); },
 * };
 * const payhook = await createPayhook(config, { modules: [widgets] });
 */
export interface PayhookModule {
  /** Unique among a process's modules; `Payhook.modules.get(name)` finds it. */
  readonly name: string;
  /** Its tables, per dialect, numbered in the one version space of `schema_migrations` (docs/architecture.md). */
  readonly migrations?: ModuleMigrations;
  /** Payload formats it adds, by name (the payment module: `foloosi`). */
  readonly formats?: Readonly<Record<string, Renderer>>;
  /**
   * The objects its events are about, by event-type namespace (`order` → `order_id`, `/v1/orders/{id}`):
   * what a thin event of that namespace points to (events/thin.ts).
   */
  readonly objects?: Readonly<Record<string, EventObject>>;
  /** Its error codes; none may be a core code or another module's. */
  readonly errorCodes?: ErrorTable;
  /** The event types it emits, published at `GET /v1/event-types`. */
  readonly eventTypes?: readonly EventTypeDoc[];
  /** OpenAPI tags of its routes. */
  readonly apiTags?: readonly ApiTag[];
  /** Builds its parts on the process's store; called once, after the migrations ran. */
  attach?(ctx: ModuleContext): void | Promise<void>;
  /**
   * Registers its routes and shared schemas on the API, at its place in the route order (after the
   * core's resource routes, before `operations`). Called directly rather than through `api.register`,
   * so its routes and `$id` schemas land on the root instance, in the order /openapi.json lists them;
   * a route that needs its own body parser registers an encapsulated plugin of its own.
   */
  routes?(api: FastifyInstance, ctx: RouteContext): void;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** The modules of one process, by name, in the order they were given. */
export type ModuleRegistry = ReadonlyMap<string, PayhookModule>;

/**
 * Checks modules against the core and each other before anything starts, so a clash is a start-up
 * error naming both sides, never a code or format that means two things.
 */
export function checkModules(modules: readonly PayhookModule[]): ModuleRegistry {
  const byName = new Map<string, PayhookModule>();
  const codes = new Map<string, string>(Object.keys(ERRORS).map((c) => [c, 'the core']));
  const formats = new Map<string, string>([['standard', 'the core']]);
  for (const m of modules) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(m.name))
      throw new Error(`module name "${m.name}" must be 1-32 lower-case letters, digits, - and _`);
    if (byName.has(m.name)) throw new Error(`module "${m.name}" is given twice`);
    byName.set(m.name, m);
    for (const code of Object.keys(m.errorCodes ?? {})) {
      const owner = codes.get(code);
      if (owner) throw new Error(`error code ${code} of module "${m.name}" is already ${owner}'s`);
      codes.set(code, `module "${m.name}"`);
    }
    for (const format of Object.keys(m.formats ?? {})) {
      const owner = formats.get(format);
      if (owner) throw new Error(`payload format ${format} of module "${m.name}" is already ${owner}'s`);
      formats.set(format, `module "${m.name}"`);
    }
  }
  return byName;
}
