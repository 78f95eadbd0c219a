/**
 * The one storage contract of payhook. SQLite (embedded, the default) and PostgreSQL (scale-out)
 * implement it; `test/suites/store-contract.ts` is the behaviour suite both must pass.
 *
 * Only high-level operations cross this interface: no connection, statement or transaction types.
 * Every operation that must be atomic (an event with its deliveries) is one method, so an
 * implementation can run it in one database transaction and callers cannot get it wrong. Times are unix
 * milliseconds (integers) throughout.
 *
 * Modules (the payment module) keep tables of their own; they reach them through one narrow port,
 * `moduleStore` (store/module-port.ts): their own named statements, and `withOutbox`, which commits
 * their writes together with the events they append. No module's types appear here.
 */
import type { ApiKeyId, AttemptId, DeliveryId, EndpointId, EventId, MerchantId } from '../ids.js';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
/**
 * A payload format's name: `standard`, or one a module registered in the process's `FormatRegistry`
 * (events/formats.ts). The API checks it against that registry; the store keeps it as text.
 */
export type PayloadFormat = string;
/** Why an endpoint is disabled: by the merchant through the API, or because it answered 410 Gone. */
export type EndpointDisabledReason = 'merchant' | 'gone';
/** What an attempt made of its delivery. */
export type AttemptOutcome = 'succeeded' | 'retry' | 'failed';

/** Why an attempt failed; `null` for a success. */
export type ErrorClass =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http_status'
  | 'redirect'
  | 'invalid_url'
  | 'blocked'
  | 'unknown';

export interface Merchant {
  id: MerchantId;
  name: string;
  createdAt: number;
}

/** What a key may do: `read` (GET, HEAD) and `write` (everything else); write comes with read. */
export type ApiKeyScope = 'read' | 'write';

export interface ApiKeyRecord {
  id: ApiKeyId;
  /** `null` for an admin key. */
  merchantId: MerchantId | null;
  /** A few leading characters of the key, safe to show (`sk_AbCd…`). */
  prefix: string;
  name: string;
  /** `['read']` or `['read', 'write']`. */
  scopes: ApiKeyScope[];
  createdAt: number;
  /** Within a minute of the last request made with it; `null` if never used. */
  lastUsedAt: number | null;
}

export interface NewApiKey {
  id: string;
  merchantId: string | null;
  hash: string;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: number;
}

export interface Endpoint {
  id: EndpointId;
  merchantId: MerchantId;
  url: string;
  description: string;
  /** `null` means every event type; otherwise exact names and `prefix.*` wildcards. */
  eventTypes: string[] | null;
  disabled: boolean;
  /** Why the endpoint is disabled: `merchant` (by the API) or `gone` (it answered 410). */
  disabledReason: EndpointDisabledReason | null;
  headers: Record<string, string>;
  format: PayloadFormat;
  /** Per-attempt timeout in ms; `null` uses the server default. */
  timeoutMs: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointSecret {
  secret: string;
  createdAt: number;
  /** `null` for the current secret; a rotated-out secret keeps signing until then. */
  expiresAt: number | null;
}

export interface NewEndpoint {
  id: EndpointId;
  merchantId: MerchantId;
  url: string;
  description: string;
  eventTypes: string[] | null;
  disabled: boolean;
  headers: Record<string, string>;
  format: PayloadFormat;
  timeoutMs: number | null;
  secret: string;
  now: number;
  /**
   * The most live (not deleted) endpoints the merchant may have, counting this one. When it has that
   * many already, nothing is stored and `createEndpoint` throws `endpoint_quota_exceeded`; concurrent
   * creations cannot both take the last place.
   */
  maxPerMerchant?: number;
}

export type EndpointPatch = Partial<
  Pick<Endpoint, 'url' | 'description' | 'eventTypes' | 'disabled' | 'headers' | 'format' | 'timeoutMs'>
>;

export interface EventRecord {
  id: EventId;
  merchantId: MerchantId;
  type: string;
  /** The `data` member as the exact JSON text that was stored. */
  data: string;
  /** The Standard Webhooks envelope `{"id","type","timestamp","data"}`: the exact bytes sent and signed. */
  body: string;
  idempotencyKey: string | null;
  createdAt: number;
}

export interface NewEvent {
  id: EventId;
  merchantId: MerchantId;
  type: string;
  data: string;
  body: string;
  idempotencyKey: string | null;
  createdAt: number;
}

export interface AppendedEvent {
  event: EventRecord;
  /** False when the idempotency key matched an earlier event, which is returned instead. */
  created: boolean;
  /** Deliveries created for it (0 when no endpoint matched, or when not `created`). */
  deliveries: number;
}

export interface Delivery {
  id: DeliveryId;
  eventId: EventId;
  endpointId: EndpointId;
  merchantId: MerchantId;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Attempt {
  id: AttemptId;
  deliveryId: DeliveryId;
  attemptNo: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  /** When the delivery will be tried again after this attempt; `null` when it will not. */
  nextRetryAt: number | null;
}

/** Rows sealed by `resealSecrets`. */
export interface ResealCounts {
  secrets: number;
  headers: number;
}

/** A delivery handed to a dispatcher with everything needed to send it, without another query. */
export interface ClaimedDelivery {
  id: DeliveryId;
  eventId: EventId;
  eventType: string;
  eventCreatedAt: number;
  /** The event's `data` JSON text (for formats other than `standard`). */
  data: string;
  /** The standard envelope bytes. */
  body: string;
  attempts: number;
  endpointId: EndpointId;
  merchantId: MerchantId;
  url: string;
  headers: Record<string, string>;
  format: PayloadFormat;
  timeoutMs: number | null;
}

export interface ClaimOptions {
  now: number;
  limit: number;
  /** The claim is this dispatcher's until `now + leaseMs`; after that any dispatcher may take it. */
  leaseMs: number;
  owner: string;
  /** Endpoints this dispatcher cannot take more work for right now (at their in-flight limit). */
  excludeEndpoints?: readonly EndpointId[];
}

/** The outcome of one attempt, recorded by `recordResults` in a batch. */
export interface AttemptResult {
  attemptId: AttemptId;
  deliveryId: DeliveryId;
  owner: string;
  /** The attempt number this was (1 for the first try). */
  attemptNo: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  /**
   * What becomes of the delivery: `succeeded`; `retry` at `nextAttemptAt`; `failed` (retries
   * exhausted, or the endpoint is gone).
   */
  outcome: AttemptOutcome;
  nextAttemptAt: number | null;
  /** Set when the endpoint answered 410 Gone: it is disabled and its pending deliveries fail. */
  disableEndpoint?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  nextCursor: string | null;
}

export interface ListOptions {
  limit: number;
  cursor?: string | null;
}

export interface EventFilter extends ListOptions {
  merchantId: MerchantId;
  types?: string[];
  /** Only events created strictly after this event id (ids sort by time). */
  afterId?: EventId;
  beforeId?: EventId;
  order?: 'asc' | 'desc';
}

export interface DeliveryFilter extends ListOptions {
  merchantId: MerchantId;
  endpointId?: EndpointId;
  eventId?: EventId;
  status?: DeliveryStatus;
}

export interface DeliveryCounts {
  pending: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** An event type a merchant registered (POST /v1/event-types). */
export interface EventTypeRecord {
  merchantId: MerchantId;
  name: string;
  description: string;
  /** The JSON Schema of the event's `data`, as JSON text; null when any object is accepted. */
  schema: string | null;
  createdAt: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Applies pending migrations, the core's and the given modules' (this dialect's share of each), in
   * version order; safe to call from several processes at once. Versions are one number space, recorded
   * in `schema_migrations`: a version taken twice is refused before anything runs.
   */
  migrate(modules?: readonly ModuleMigrations[]): Promise<void>;
  close(): Promise<void>;

  /**
   * The port for a module's own tables (store/module-port.ts): runs the module's named statements, and
   * in `withOutbox` commits them together with the events the module appends (fanned out to deliveries
   * exactly as `appendEvents` does). A statement name the core uses, or one another module registered
   * with other SQL, is refused.
   */
  moduleStore(statements: ModuleStatements): ModuleStore;

  // settings: small key/value facts such as the admin key hash
  getSetting(key: string): Promise<string | null>;
  /** Sets the value only if the key has none yet; returns the value now stored. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;
  /** Commits one small write; throws when the database cannot take writes (start-up and `/readyz`). */
  probeWrite(now: number): Promise<void>;

  // merchants and keys
  createMerchant(merchant: Merchant, key: { id: ApiKeyId; hash: string; prefix: string }): Promise<void>;
  getMerchant(id: MerchantId): Promise<Merchant | null>;
  listMerchants(options: ListOptions): Promise<Page<Merchant>>;
  createApiKey(key: NewApiKey): Promise<void>;
  /** A live (not revoked) key by the SHA-256 of the key. */
  findApiKey(hash: string): Promise<ApiKeyRecord | null>;
  /** The merchant's live keys, newest first. */
  listApiKeys(merchantId: string, options: ListOptions): Promise<Page<ApiKeyRecord>>;
  /** Revokes one of the merchant's live keys; its hash, or null when it has no such live key. */
  revokeApiKey(merchantId: string, id: string, now: number): Promise<string | null>;
  /** Records that the key was used at `at` (an earlier time never replaces a later one). */
  touchApiKey(id: string, at: number): Promise<void>;

  // event types merchants register
  /** Stores the type; false (and nothing changed) when the merchant already has one of that name. */
  createEventType(type: EventTypeRecord): Promise<boolean>;
  /** All of the merchant's types, by name. */
  listEventTypes(merchantId: MerchantId): Promise<EventTypeRecord[]>;
  /** Deletes one of the merchant's types; false when it has none of that name. */
  deleteEventType(merchantId: MerchantId, name: string): Promise<boolean>;

  // endpoints
  createEndpoint(endpoint: NewEndpoint): Promise<Endpoint>;
  getEndpoint(merchantId: MerchantId, id: EndpointId): Promise<Endpoint | null>;
  listEndpoints(merchantId: MerchantId, options: ListOptions): Promise<Page<Endpoint>>;
  /** Disabling through a patch cancels the endpoint's pending deliveries. */
  updateEndpoint(merchantId: MerchantId, id: EndpointId, patch: EndpointPatch, now: number): Promise<Endpoint | null>;
  /** Deletes the endpoint and cancels its pending deliveries; false when there was none. */
  deleteEndpoint(merchantId: MerchantId, id: EndpointId, now: number): Promise<boolean>;
  /** Secrets that sign at `now`: the current one first, then rotated-out ones not yet expired. */
  getSigningSecrets(endpointId: EndpointId, now: number): Promise<EndpointSecret[]>;
  /** Makes `secret` current; the previous current secret expires at `previousExpiresAt`. */
  rotateSecret(
    merchantId: MerchantId,
    endpointId: EndpointId,
    secret: string,
    now: number,
    previousExpiresAt: number,
  ): Promise<boolean>;
  /**
   * Seals stored signing secrets and header values under the current master key, in batches: with
   * `all` false only plaintext rows (the start-up migration), with `all` true every row not sealed under
   * the current key (a master-key rotation). Idempotent; safe while other processes run. Returns how
   * many rows it sealed.
   */
  resealSecrets(options: { all: boolean; batch?: number }): Promise<ResealCounts>;

  // events
  /**
   * Stores events and, in the same transaction, one pending delivery per enabled endpoint of the event's
   * merchant whose filter matches, due at `createdAt`. An event whose `idempotencyKey` was seen before
   * for its merchant is not stored again: the earlier event is returned with `created: false`.
   */
  appendEvents(events: NewEvent[]): Promise<AppendedEvent[]>;
  getEvent(merchantId: MerchantId, id: EventId): Promise<EventRecord | null>;
  listEvents(filter: EventFilter): Promise<Page<EventRecord>>;
  /** Removes events older than `before` whose deliveries are all finished; returns how many. */
  pruneEvents(before: number, limit: number): Promise<number>;

  // deliveries
  /** Claims up to `limit` due pending deliveries of enabled endpoints, oldest due first. */
  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Records attempts and applies their outcomes, all in one transaction. Results of claims the owner no longer holds are still logged as attempts. */
  recordResults(results: AttemptResult[]): Promise<void>;
  /** Gives claims back (shutdown): they become due again at once. */
  releaseClaims(owner: string, deliveryIds: readonly DeliveryId[]): Promise<void>;
  /**
   * Holds back an endpoint that is failing (its requests time out or cannot connect): its pending
   * deliveries that are due before `until` and not claimed become due at `until`. Not an attempt;
   * nothing is lost or reordered within the endpoint. Returns how many moved. The dispatcher calls it so
   * that thousands of due deliveries of a dead endpoint do not sit at the head of the due queue, where
   * every claim would have to step over them.
   */
  deferEndpoint(endpointId: EndpointId, until: number): Promise<number>;
  /** The earliest `nextAttemptAt` of a pending delivery, or null: how long a dispatcher may sleep. */
  nextDueAt(): Promise<number | null>;
  getDelivery(merchantId: MerchantId, id: DeliveryId): Promise<Delivery | null>;
  listDeliveries(filter: DeliveryFilter): Promise<Page<Delivery>>;
  listAttempts(merchantId: MerchantId, deliveryId: DeliveryId): Promise<Attempt[]>;
  /** Makes one delivery due now, whatever its status; false when it does not exist. */
  retryDelivery(merchantId: MerchantId, id: DeliveryId, now: number): Promise<Delivery | null>;
  /** Makes every failed delivery of the endpoint created at or after `since` due now; returns how many. */
  recoverEndpoint(merchantId: MerchantId, endpointId: EndpointId, since: number, now: number): Promise<number>;
  countDeliveries(merchantId?: MerchantId): Promise<DeliveryCounts>;

  /**
   * Calls `listener` soon after deliveries become due now (new events, manual retries, recovery), in
   * this process or, where the backend can tell, in another. Returns the unsubscribe function.
   * Dispatchers use it to start at once instead of waiting for their next poll.
   */
  onDue(listener: () => void): () => void;
}

// The module port (module-port.ts explains it) ----------------------------------------------------------

/** Named parameters of a statement (`@name` in its SQL), by name. */
export type Params = Record<string, unknown>;

/** A module's statements for both dialects: name → SQL text (see `loadSqlFiles`). */
export interface ModuleStatements {
  sqlite: Readonly<Record<string, string>>;
  postgres: Readonly<Record<string, string>>;
}

/** One numbered migration; `version` is its key in `schema_migrations`, `name` is recorded beside it. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A module's migrations for both dialects (the same versions in each). */
export interface ModuleMigrations {
  sqlite: readonly Migration[];
  postgres: readonly Migration[];
}

/** The module's statements inside a SQLite transaction: synchronous on purpose (see the header). */
export interface SqliteOutboxTx {
  all<R = Record<string, unknown>>(name: string, params?: Params): R[];
  get<R = Record<string, unknown>>(name: string, params?: Params): R | undefined;
  /** Runs a write; returns how many rows it changed. */
  run(name: string, params?: Params): number;
  /** Appends events with their deliveries, in this transaction. */
  appendEvents(events: NewEvent[]): AppendedEvent[];
}

export interface SqliteModuleStore {
  readonly dialect: 'sqlite';
  /** The module's statements on their own (each its own implicit transaction). */
  all<R = Record<string, unknown>>(name: string, params?: Params): R[];
  get<R = Record<string, unknown>>(name: string, params?: Params): R | undefined;
  run(name: string, params?: Params): number;
  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE); its statements and events commit together. */
  withOutbox<T>(fn: (tx: SqliteOutboxTx) => T): T;
}

/** The module's statements inside a PostgreSQL transaction. */
export interface PostgresOutboxTx {
  /** Runs a statement; its rows (`RETURNING` rows for a write). */
  all<R = Record<string, unknown>>(name: string, params?: Params): Promise<R[]>;
  /**
   * Waits for, then holds until the end of this transaction, an exclusive lock on `scope` + `id` (in
   * this store's schema): transactions taking the same lock run one after the other.
   */
  lock(scope: string, id: string): Promise<void>;
  /** Appends events with their deliveries, in this transaction. */
  appendEvents(events: NewEvent[]): Promise<AppendedEvent[]>;
}

export interface RunOptions {
  /** True when running it twice does no harm, so a connection lost mid-way may be retried. */
  idempotent: boolean;
}

export interface PostgresModuleStore {
  readonly dialect: 'postgres';
  /** One statement on its own (its own implicit transaction). */
  all<R = Record<string, unknown>>(name: string, params: Params, options: RunOptions): Promise<R[]>;
  /** Runs `fn` in one transaction; its statements and events commit together. */
  withOutbox<T>(fn: (tx: PostgresOutboxTx) => Promise<T>, options: RunOptions): Promise<T>;
}

export type ModuleStore = SqliteModuleStore | PostgresModuleStore;
