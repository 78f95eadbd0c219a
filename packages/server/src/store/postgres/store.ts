/**
 * The scale-out store: many API processes and dispatchers on one PostgreSQL (13 or newer), through a
 * `pg` pool. Same contract and behaviour as the SQLite store (test/suites/store-contract.ts runs against both).
 *
 * Each Store operation is one statement where it can be (claims, results, appends are one statement
 * each, arrays passed with `unnest`), and every statement lives in `sql/*.sql`. Two things SQLite gets
 * from its single writer need saying here:
 * - Concurrent claimers: `FOR UPDATE SKIP LOCKED` hands each a disjoint set (sql/deliveries.sql).
 * - Appends vs. disabling an endpoint: an append holds a shared advisory lock on its merchant's
 *   endpoints for its transaction; disabling, deleting, and a 410 Gone take it exclusively, so their
 *   cancellation sees every delivery an append made, and no append reads an endpoint mid-change. The
 *   locks live in memory (no row writes), so concurrent appends do not slow each other down.
 */
import { CONFIG_SCHEMA } from '../../config/schema.js';
import type { MerchantId } from '../../ids.js';
import { MAKE_ONE } from '../../secrets/master-key.js';
import { SEALED_PREFIX, SecretBox } from '../../secrets/box.js';
import { KeyringError, type Keyring } from '../../secrets/keyring.js';
import { toClaimedDeliveries, type ClaimRow } from '../claimed.js';
import { decodeCursor, ID_MAX, ID_MIN, toPage } from '../cursor.js';
import {
  addStatements,
  checkOwn,
  migrationsInOrder,
  type ModuleMigrations,
  type ModuleStatements,
  type Params,
  type PostgresModuleStore,
  type PostgresOutboxTx,
  type RunOptions,
} from '../module-port.js';
import { scopesText, toApiKey, type ApiKeyRow } from '../api-keys.js';
import { eventTypeParams, toEventType, type EventTypeRow } from '../event-types.js';
import { endpointQuotaExceeded } from '../../limits/errors.js';
import type {
  AppendedEvent,
  ApiKeyRecord,
  EventTypeRecord,
  Attempt,
  AttemptResult,
  ClaimedDelivery,
  ClaimOptions,
  Delivery,
  DeliveryCounts,
  DeliveryFilter,
  Endpoint,
  EndpointPatch,
  EndpointSecret,
  EventFilter,
  EventRecord,
  ListOptions,
  Merchant,
  NewApiKey,
  NewEndpoint,
  NewEvent,
  Page,
  ResealCounts,
  Store,
} from '../types.js';
import { Db, LOCK_SPACE, lockKey, stderrReporter } from './db.js';
import { CORE_MIGRATIONS, migrate } from './migrate.js';
import { appendEventsIn } from './outbox.js';
import {
  toAttempt,
  toDelivery,
  toEndpoint,
  toEvent,
  toMerchant,
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
  type EventRow,
} from './rows.js';
import { compile, loadStatements, type Statement } from './statements.js';
import { Wakeups } from './wakeups.js';

const STATEMENTS = loadStatements(new URL('./sql/', import.meta.url));
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,47}$/;
const GONE_ERROR = 'endpoint disabled: it answered 410 Gone';

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:5432/db`. */
  connectionString: string;
  /** Schema holding payhook's tables (created by `migrate`). Default `PAYHOOK_DATABASE_SCHEMA` or `payhook`. */
  schema?: string;
  /** Connections in the pool. Default `PAYHOOK_DATABASE_POOL_SIZE` or 10. */
  poolSize?: number;
  /** How long an operation waits for a free connection before failing (back-pressure). Default 10 s. */
  connectionTimeoutMs?: number;
  /** Session connection for LISTEN when `connectionString` goes through a transaction pooler (`PAYHOOK_DATABASE_LISTEN_URL`). */
  listenConnectionString?: string;
  /**
   * Named prepared statements, parsed and planned once per connection (default true, or
   * `PAYHOOK_DATABASE_PREPARED_STATEMENTS=false`: needed behind pgbouncer < 1.21 in transaction mode).
   */
  preparedStatements?: boolean;
  /** At most one cross-process NOTIFY per this many ms (default 20). */
  notifyWindowMs?: number;
  /** `application_name` of the pool's sessions (the LISTEN session adds `:listen`). Default `payhook`. */
  applicationName?: string;
  /** Connection trouble that was handled (dropped idle connection, LISTEN reconnect). Default: stderr, rate-limited. */
  onError?: (err: Error, context: string) => void;
  /** Seals signing secrets and header values. Default: from PAYHOOK_MASTER_KEY (and _PREVIOUS); required. */
  keyring?: Keyring;
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly schema: string;
  /** The pool and transaction runner (for tests that look at the database; modules go through `moduleStore`). */
  readonly db: Db;
  private readonly wakeups: Wakeups;
  /** This store's statements: the core's, then those of modules (`moduleStore`). */
  private readonly statements: Map<string, Statement>;
  private readonly moduleSql = new Map<string, string>();
  /** Every write of a secret or headers seals through it, every read opens (secrets/box.ts). */
  private readonly box: SecretBox;

  constructor(options: PostgresStoreOptions) {
    // Defaults are the configuration's (config/schema.ts, section postgres); the store reads no environment.
    this.schema = options.schema ?? CONFIG_SCHEMA.postgres.schema.default;
    if (!SCHEMA_RE.test(this.schema)) {
      throw new Error(
        `PostgreSQL schema "${this.schema}" must be 1-48 lower-case letters, digits and _, not starting with a digit`,
      );
    }
    const poolSize = options.poolSize ?? CONFIG_SCHEMA.postgres.poolSize.default;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)
      throw new Error(`PostgreSQL pool size must be 1-1000; got ${poolSize}`);
    // The keyring comes from the configuration (store/open.ts resolves PAYHOOK_MASTER_KEY).
    const keyring = options.keyring;
    if (!keyring)
      throw new KeyringError(
        `PostgreSQL needs PAYHOOK_MASTER_KEY (the key that seals signing secrets and header values at rest); ${MAKE_ONE}`,
      );
    this.box = new SecretBox(keyring);
    const onError = options.onError ?? stderrReporter();
    const applicationName = options.applicationName ?? 'payhook';
    this.statements = new Map(STATEMENTS);
    this.db = new Db(
      {
        connectionString: options.connectionString,
        schema: this.schema,
        poolSize,
        connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
        preparedStatements: options.preparedStatements ?? CONFIG_SCHEMA.postgres.preparedStatements.default,
        applicationName,
        onError,
      },
      this.statements,
    );
    this.wakeups = new Wakeups({
      db: this.db,
      channel: `payhook_due_${this.schema}`,
      windowMs: options.notifyWindowMs ?? 20,
      applicationName,
      onError,
      listenConnectionString: options.listenConnectionString ?? options.connectionString,
    });
  }

  async migrate(modules: readonly ModuleMigrations[] = []): Promise<void> {
    await migrate(
      this.db.pool,
      this.schema,
      migrationsInOrder(
        CORE_MIGRATIONS,
        modules.map((m) => m.postgres),
      ),
    );
  }

  async close(): Promise<void> {
    await this.wakeups.close();
    await this.db.close();
  }

  onDue(listener: () => void): () => void {
    return this.wakeups.subscribe(listener);
  }

  /** The advisory lock that orders appends (shared) against endpoint disabling (exclusive), per merchant. */
  private endpointLock(merchantId: string): number {
    return lockKey(`endpoints:${this.schema}:${merchantId}`);
  }

  // the module port (module-port.ts) ------------------------------------------------------------------

  moduleStore(statements: ModuleStatements): PostgresModuleStore {
    const core = Object.fromEntries([...STATEMENTS.keys()].map((k) => [k, true]));
    const own = addStatements(this.moduleSql, core, statements.postgres);
    for (const name of own) this.statements.set(name, compile(name, this.moduleSql.get(name)!));
    return {
      dialect: 'postgres',
      all: <R>(name: string, params: Params, options: RunOptions): Promise<R[]> => {
        checkOwn(own, name);
        return this.db.run(name, params, options) as Promise<R[]>;
      },
      withOutbox: async <T>(fn: (tx: PostgresOutboxTx) => Promise<T>, options: RunOptions): Promise<T> => {
        const channel = this.wakeups.channelForTransaction();
        let due = false;
        let notified = false;
        const result = await this.db.transaction((tx) => {
          // A try that rolled back (and is run again) made nothing due and sent no NOTIFY.
          due = false;
          notified = false;
          return fn({
            all: <R>(name: string, params: Params = {}) => {
              checkOwn(own, name);
              return tx.run(name, params) as Promise<R[]>;
            },
            lock: async (scope, id) => {
              await tx.run('lock_exclusive', { space: LOCK_SPACE, key: lockKey(`${scope}:${this.schema}:${id}`) });
            },
            appendEvents: async (events) => {
              if (events.length === 0) return [];
              // Under the merchants' shared endpoint locks, like any append (see the header), in key order.
              const keys = [...new Set(events.map((e) => this.endpointLock(e.merchantId)))].sort((a, b) => a - b);
              for (const key of keys) await tx.run('lock_shared', { space: LOCK_SPACE, key });
              const appended = await appendEventsIn(tx, events, channel);
              due ||= appended.out.some((a) => a.deliveries > 0);
              notified ||= appended.notified;
              return appended.out;
            },
          });
        }, options);
        if (due) this.wakeups.madeDue(notified);
        return result;
      },
    };
  }

  // settings ---------------------------------------------------------------------------------------

  async getSetting(key: string): Promise<string | null> {
    const [row] = await this.db.run<{ value: string }>('settings_get', { key }, { idempotent: true });
    return row?.value ?? null;
  }

  async putSettingIfAbsent(key: string, value: string): Promise<string> {
    for (let pass = 0; pass < 3; pass++) {
      const [row] = await this.db.run<{ value: string }>(
        'settings_put_if_absent',
        { key, value },
        { idempotent: true },
      );
      if (row) return row.value;
      // Another transaction inserted the key after this statement's snapshot: read it on the next pass.
    }
    throw new Error(`setting ${key} is neither stored nor insertable`);
  }

  async probeWrite(now: number): Promise<void> {
    await this.db.run('settings_write_probe', { value: String(now) }, { idempotent: true });
  }

  // merchants and keys -----------------------------------------------------------------------------

  async createMerchant(m: Merchant, key: { id: string; hash: string; prefix: string }): Promise<void> {
    await this.db.run(
      'merchant_insert',
      { id: m.id, name: m.name, created_at: m.createdAt, key_id: key.id, hash: key.hash, prefix: key.prefix },
      { idempotent: false },
    );
  }

  async getMerchant(id: string): Promise<Merchant | null> {
    const [row] = await this.db.run<{ id: MerchantId; name: string; created_at: number }>(
      'merchant_get',
      { id },
      { idempotent: true },
    );
    return row ? toMerchant(row) : null;
  }

  async listMerchants(o: ListOptions): Promise<Page<Merchant>> {
    const rows = await this.db.run<{ id: MerchantId; name: string; created_at: number }>(
      'merchant_page',
      { before: decodeCursor(o.cursor) ?? ID_MAX, limit: o.limit + 1 },
      { idempotent: true },
    );
    return toPage(rows.map(toMerchant), o.limit);
  }

  async createApiKey(k: NewApiKey): Promise<void> {
    await this.db.run(
      'api_key_insert',
      {
        id: k.id,
        merchant_id: k.merchantId,
        hash: k.hash,
        prefix: k.prefix,
        name: k.name,
        scopes: scopesText(k.scopes),
        created_at: k.createdAt,
      },
      { idempotent: false },
    );
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    const [r] = await this.db.run<ApiKeyRow>('api_key_find', { hash }, { idempotent: true });
    return r ? toApiKey(r) : null;
  }

  async listApiKeys(merchantId: string, o: ListOptions): Promise<Page<ApiKeyRecord>> {
    const rows = await this.db.run<ApiKeyRow>(
      'api_key_page',
      { merchant_id: merchantId, before: decodeCursor(o.cursor) ?? ID_MAX, limit: o.limit + 1 },
      { idempotent: true },
    );
    return toPage(rows.map(toApiKey), o.limit);
  }

  async revokeApiKey(merchantId: string, id: string, now: number): Promise<string | null> {
    // Not idempotent: run again after a lost COMMIT it would find the key revoked and answer null.
    const [r] = await this.db.run<{ hash: string }>(
      'api_key_revoke',
      { merchant_id: merchantId, id, now },
      { idempotent: false },
    );
    return r?.hash ?? null;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    await this.db.run('api_key_touch', { id, at }, { idempotent: true });
  }
  async createEventType(t: EventTypeRecord): Promise<boolean> {
    // Not idempotent: run again after a lost COMMIT it would find the row and answer false.
    return (await this.db.run('event_type_insert', eventTypeParams(t), { idempotent: false })).length > 0;
  }

  async listEventTypes(merchantId: MerchantId): Promise<EventTypeRecord[]> {
    return (await this.db.run<EventTypeRow>('event_type_list', { merchant_id: merchantId }, { idempotent: true })).map(
      toEventType,
    );
  }

  async deleteEventType(merchantId: MerchantId, name: string): Promise<boolean> {
    return (
      (await this.db.run('event_type_delete', { merchant_id: merchantId, name }, { idempotent: false })).length > 0
    );
  }

  // endpoints --------------------------------------------------------------------------------------

  async createEndpoint(e: NewEndpoint): Promise<Endpoint> {
    const row: EndpointRow = {
      id: e.id,
      merchant_id: e.merchantId,
      url: e.url,
      description: e.description,
      event_types: e.eventTypes,
      disabled: e.disabled,
      disabled_reason: e.disabled ? 'merchant' : null,
      headers: this.box.sealHeaders(e.headers),
      format: e.format,
      timeout_ms: e.timeoutMs,
      created_at: e.now,
      updated_at: e.now,
    };
    const args = { ...endpointArgs(row), secret: this.box.sealSecret(e.secret) };
    const max = e.maxPerMerchant;
    if (max === undefined) await this.db.run('endpoint_insert', args, { idempotent: false });
    else {
      // Count and insert under a per-merchant lock, so two creations cannot both take the last place.
      // Its own lock, not endpointLock: creating an endpoint need not hold back the merchant's appends.
      await this.db.transaction(
        async (tx) => {
          const [{ n }] = await tx.run<{ n: number }>('endpoint_count_live', { merchant_id: e.merchantId });
          if (n >= max) throw endpointQuotaExceeded(max);
          await tx.run('endpoint_insert', args);
        },
        { idempotent: false, lock: { exclusive: [lockKey(`endpoint-quota:${this.schema}:${e.merchantId}`)] } },
      );
    }
    return toEndpoint(row, this.box);
  }

  async getEndpoint(merchantId: string, id: string): Promise<Endpoint | null> {
    const [row] = await this.db.run<EndpointRow>('endpoint_get', { merchant_id: merchantId, id }, { idempotent: true });
    return row ? toEndpoint(row, this.box) : null;
  }

  async listEndpoints(merchantId: string, o: ListOptions): Promise<Page<Endpoint>> {
    const rows = await this.db.run<EndpointRow>(
      'endpoint_page',
      { merchant_id: merchantId, before: decodeCursor(o.cursor) ?? ID_MAX, limit: o.limit + 1 },
      { idempotent: true },
    );
    return toPage(
      rows.map((r) => toEndpoint(r, this.box)),
      o.limit,
    );
  }

  async updateEndpoint(merchantId: string, id: string, patch: EndpointPatch, now: number): Promise<Endpoint | null> {
    return this.db.transaction(
      async (tx) => {
        const [row] = await tx.run<EndpointRow>('endpoint_get_for_update', { merchant_id: merchantId, id });
        if (!row) return null;
        const next: EndpointRow = { ...row, updated_at: now };
        if (patch.url !== undefined) next.url = patch.url;
        if (patch.description !== undefined) next.description = patch.description;
        if (patch.eventTypes !== undefined) next.event_types = patch.eventTypes;
        if (patch.headers !== undefined) next.headers = this.box.sealHeaders(patch.headers);
        if (patch.format !== undefined) next.format = patch.format;
        if (patch.timeoutMs !== undefined) next.timeout_ms = patch.timeoutMs;
        if (patch.disabled !== undefined) {
          next.disabled = patch.disabled;
          next.disabled_reason = patch.disabled ? (row.disabled ? row.disabled_reason : 'merchant') : null;
        }
        await tx.run('endpoint_update', endpointArgs(next));
        if (patch.disabled === true && !row.disabled)
          await tx.run('deliveries_cancel_for_endpoint', { endpoint_id: id, now });
        return toEndpoint(next, this.box);
      },
      { idempotent: true, lock: patch.disabled === true ? { exclusive: [this.endpointLock(merchantId)] } : undefined },
    );
  }

  async deleteEndpoint(merchantId: string, id: string, now: number): Promise<boolean> {
    return this.db.transaction(
      async (tx) => {
        const deleted = await tx.run('endpoint_delete', { merchant_id: merchantId, id, now });
        if (deleted.length > 0) await tx.run('deliveries_cancel_for_endpoint', { endpoint_id: id, now });
        return deleted.length > 0;
      },
      { idempotent: false, lock: { exclusive: [this.endpointLock(merchantId)] } },
    );
  }

  async getSigningSecrets(endpointId: string, now: number): Promise<EndpointSecret[]> {
    const rows = await this.db.run<{ secret: string; created_at: number; expires_at: number | null }>(
      'secrets_signing',
      { endpoint_id: endpointId, now },
      { idempotent: true },
    );
    return rows.map((r) => ({
      secret: this.box.openSecret(r.secret),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  }

  async rotateSecret(
    merchantId: string,
    endpointId: string,
    secret: string,
    now: number,
    previousExpiresAt: number,
  ): Promise<boolean> {
    return this.db.transaction(
      async (tx) => {
        const [row] = await tx.run('endpoint_get_for_update', { merchant_id: merchantId, id: endpointId });
        if (!row) return false;
        await tx.run('secret_rotate', {
          endpoint_id: endpointId,
          secret: this.box.sealSecret(secret),
          now,
          expires_at: previousExpiresAt,
        });
        return true;
      },
      { idempotent: false },
    );
  }

  async resealSecrets(options: { all: boolean; batch?: number }): Promise<ResealCounts> {
    const prefix = options.all ? this.box.currentPrefix : SEALED_PREFIX;
    const limit = options.batch ?? 500;
    const counts: ResealCounts = { secrets: 0, headers: 0 };
    // A transaction per batch; rows are locked (SKIP LOCKED), so processes starting together split the
    // work instead of sealing one row twice, and API writes wait for one batch at most.
    for (let after = 0; ; ) {
      const last = await this.db.transaction(
        async (tx) => {
          const rows = await tx.run<{ seq: number; secret: string }>('secrets_to_reseal', { prefix, after, limit });
          if (rows.length === 0) return null;
          await tx.run('secrets_reseal', {
            seqs: rows.map((r) => r.seq),
            secrets: rows.map((r) => this.box.sealSecret(this.box.openSecret(r.secret))),
          });
          counts.secrets += rows.length;
          return rows[rows.length - 1].seq;
        },
        { idempotent: true },
      );
      if (last === null) break;
      after = last;
    }
    for (let after = ''; ; ) {
      const last = await this.db.transaction(
        async (tx) => {
          const rows = await tx.run<{ id: string; headers: string }>('headers_to_reseal', { prefix, after, limit });
          if (rows.length === 0) return null;
          await tx.run('headers_reseal', {
            ids: rows.map((r) => r.id),
            headers: rows.map((r) => this.box.sealHeaders(this.box.openHeaders(r.headers))),
          });
          counts.headers += rows.length;
          return rows[rows.length - 1].id;
        },
        { idempotent: true },
      );
      if (last === null) break;
      after = last;
    }
    return counts;
  }

  // events -----------------------------------------------------------------------------------------

  async appendEvents(events: NewEvent[]): Promise<AppendedEvent[]> {
    if (events.length === 0) return [];
    const channel = this.wakeups.channelForTransaction();
    const lock = { shared: [...new Set(events.map((e) => e.merchantId))].map((m) => this.endpointLock(m)) };
    const { out, notified } = await this.db.transaction((tx) => appendEventsIn(tx, events, channel), {
      idempotent: true,
      lock,
    });
    if (out.some((a) => a.deliveries > 0)) this.wakeups.madeDue(notified);
    return out;
  }

  async getEvent(merchantId: string, id: string): Promise<EventRecord | null> {
    const [row] = await this.db.run<EventRow>('event_get', { merchant_id: merchantId, id }, { idempotent: true });
    return row ? toEvent(row) : null;
  }

  async listEvents(f: EventFilter): Promise<Page<EventRecord>> {
    const order = f.order ?? 'desc';
    const cursor = decodeCursor(f.cursor);
    let lo = f.afterId ?? ID_MIN;
    let hi = f.beforeId ?? ID_MAX;
    if (cursor !== null) {
      if (order === 'asc') lo = cursor > lo ? cursor : lo;
      else hi = cursor < hi ? cursor : hi;
    }
    const rows = await this.db.run<EventRow>(
      order === 'asc' ? 'event_page_asc' : 'event_page_desc',
      {
        merchant_id: f.merchantId,
        lo,
        hi,
        types: f.types?.length ? f.types : null,
        limit: f.limit + 1,
      },
      { idempotent: true },
    );
    return toPage(rows.map(toEvent), f.limit);
  }

  async pruneEvents(before: number, limit: number): Promise<number> {
    const [row] = await this.db.run<{ n: number }>('events_prune', { before, limit }, { idempotent: true });
    return row.n;
  }

  // deliveries -------------------------------------------------------------------------------------

  async claimDue(o: ClaimOptions): Promise<ClaimedDelivery[]> {
    // Retried after a lost reply too: rows that claim took stay leased to this owner until the lease
    // ends, then go out as usual; nothing is lost, at worst a delivery waits one lease.
    const rows = await this.db.run<ClaimRow>(
      'claim',
      {
        now: o.now,
        limit: o.limit,
        owner: o.owner,
        until: o.now + o.leaseMs,
        exclude: o.excludeEndpoints ?? [],
      },
      { idempotent: true },
    );
    return toClaimedDeliveries(rows, this.box);
  }

  async recordResults(results: AttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    const args = resultArgs(results, Date.now());
    const gone = results.filter((r) => r.disableEndpoint).map((r) => r.deliveryId);
    if (gone.length === 0) {
      await this.db.run('results_record', args, { idempotent: true });
      return;
    }
    // Rare: an endpoint answered 410. Its merchant's endpoint lock comes first, before any row lock.
    const merchants = await this.db.run<{ merchant_id: string }>(
      'merchants_of_deliveries',
      { ids: gone },
      { idempotent: true },
    );
    await this.db.transaction(
      async (tx) => {
        await tx.run('results_record', args);
        await tx.run('endpoints_disable_gone', { ids: gone, error: GONE_ERROR, now: args.now });
      },
      { idempotent: true, lock: { exclusive: merchants.map((m) => this.endpointLock(m.merchant_id)) } },
    );
  }

  async releaseClaims(owner: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const [row] = await this.db.run<{ n: number; notified: number }>(
      'claims_release',
      {
        owner,
        ids: [...ids],
        now: Date.now(),
        channel: this.wakeups.channelForTransaction(),
      },
      { idempotent: true },
    );
    if (row.n > 0) this.wakeups.madeDue(row.notified > 0);
  }

  async deferEndpoint(endpointId: string, until: number): Promise<number> {
    const [row] = await this.db.run<{ n: number }>(
      'endpoint_defer',
      { endpoint_id: endpointId, until },
      { idempotent: true },
    );
    return row.n;
  }

  async nextDueAt(): Promise<number | null> {
    const [row] = await this.db.run<{ at: number | null }>('next_due', {}, { idempotent: true });
    return row.at;
  }

  async getDelivery(merchantId: string, id: string): Promise<Delivery | null> {
    const [row] = await this.db.run<DeliveryRow>('delivery_get', { merchant_id: merchantId, id }, { idempotent: true });
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(f: DeliveryFilter): Promise<Page<Delivery>> {
    const rows = await this.db.run<DeliveryRow>(
      'delivery_page',
      {
        merchant_id: f.merchantId,
        before: decodeCursor(f.cursor) ?? ID_MAX,
        endpoint_id: f.endpointId ?? null,
        event_id: f.eventId ?? null,
        status: f.status ?? null,
        limit: f.limit + 1,
      },
      { idempotent: true },
    );
    return toPage(rows.map(toDelivery), f.limit);
  }

  async listAttempts(merchantId: string, deliveryId: string): Promise<Attempt[]> {
    return (
      await this.db.run<AttemptRow>(
        'attempt_list',
        { merchant_id: merchantId, delivery_id: deliveryId },
        { idempotent: true },
      )
    ).map(toAttempt);
  }

  async retryDelivery(merchantId: string, id: string, now: number): Promise<Delivery | null> {
    const [row] = await this.db.run<DeliveryRow & { notified: number }>(
      'delivery_retry_now',
      {
        merchant_id: merchantId,
        id,
        now,
        channel: this.wakeups.channelForTransaction(),
      },
      { idempotent: true },
    );
    if (!row) return null;
    if (row.status === 'pending' && row.lease_owner === null) this.wakeups.madeDue(row.notified > 0);
    return toDelivery(row);
  }

  async recoverEndpoint(merchantId: string, endpointId: string, since: number, now: number): Promise<number> {
    const [row] = await this.db.run<{ n: number; notified: number }>(
      'endpoint_recover',
      {
        merchant_id: merchantId,
        endpoint_id: endpointId,
        since,
        now,
        channel: this.wakeups.channelForTransaction(),
      },
      { idempotent: true },
    );
    if (row.n > 0) this.wakeups.madeDue(row.notified > 0);
    return row.n;
  }

  async countDeliveries(merchantId?: string): Promise<DeliveryCounts> {
    const counts: DeliveryCounts = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
    const rows = await this.db.run<{ status: keyof DeliveryCounts; n: number }>(
      'delivery_counts',
      { merchant_id: merchantId ?? null },
      { idempotent: true },
    );
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** For tests: the LISTEN connection, once a listener subscribed. */
  get dueListener() {
    return this.wakeups.listening;
  }
}

function endpointArgs(r: EndpointRow): Record<string, unknown> {
  return {
    id: r.id,
    merchant_id: r.merchant_id,
    url: r.url,
    description: r.description,
    event_types: r.event_types,
    disabled: r.disabled,
    disabled_reason: r.disabled_reason,
    headers: JSON.stringify(r.headers),
    format: r.format,
    timeout_ms: r.timeout_ms,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function resultArgs(results: AttemptResult[], now: number) {
  return {
    attempt_ids: results.map((r) => r.attemptId),
    delivery_ids: results.map((r) => r.deliveryId),
    owners: results.map((r) => r.owner),
    attempt_nos: results.map((r) => r.attemptNo),
    started_ats: results.map((r) => r.startedAt),
    durations: results.map((r) => r.durationMs),
    status_codes: results.map((r) => r.statusCode),
    response_bodies: results.map((r) => r.responseBody),
    error_classes: results.map((r) => r.errorClass),
    error_messages: results.map((r) => r.errorMessage),
    statuses: results.map((r) => (r.outcome === 'retry' ? 'pending' : r.outcome)),
    next_attempt_ats: results.map((r) => (r.outcome === 'retry' ? r.nextAttemptAt : null)),
    now,
  };
}
