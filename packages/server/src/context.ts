/** What the API and the CLI are handed: the running parts of one payhook process. Modules get less (modules.ts). */
import type { Logger } from 'pino';
import type { ProcessBus } from './bus.js';
import type { Config } from './config.js';
import type { DestinationPolicy } from './delivery/destinations.js';
import type { Dispatcher } from './delivery/dispatcher.js';
import type { OperationalEvents } from './endpoints/operational.js';
import type { FormatRegistry } from './events/formats.js';
import type { EventTypeRegistry } from './events/event-types.js';
import type { EventIngestor } from './events/ingest.js';
import type { Authenticator } from './merchants/service.js';
import type { Metrics } from './metrics.js';
import type { ModuleRegistry } from './modules.js';
import type { Store } from './store/types.js';
import type { Tracing } from './tracing/tracing.js';

export interface AppContext {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** Exports OpenTelemetry spans when tracing is on (`CreateOptions.tracing`); null otherwise. */
  tracing: Tracing | null;
  ingestor: EventIngestor;
  /** The catalogue of module-declared event types and the types merchants register. */
  eventTypes: EventTypeRegistry;
  auth: Authenticator;
  /** Facts the parts of this process tell each other (`endpoint:changed`). */
  bus: ProcessBus;
  /** Operational webhooks (endpoint.*, delivery.exhausted) for merchants and the operator. */
  operational: OperationalEvents;
  /** Present when this process dispatches (role `dispatcher` or `all`). */
  dispatcher: Dispatcher | null;
  /** This process's payload formats: `standard` and those its modules added. */
  formats: FormatRegistry;
  /** The modules this process was created with, by name. */
  modules: ModuleRegistry;
  /** Which addresses deliveries may go to (`PAYHOOK_ALLOW_NETWORKS` on top of the refused ranges). */
  destinations: DestinationPolicy;
  version: string;
}
