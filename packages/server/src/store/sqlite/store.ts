/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3.
 *
 * better-sqlite3 is synchronous, and that is the point: a statement costs microseconds, with no
 * round-trip, so every Store method does its work at once inside one `db.transaction` and returns a
 * settled promise. WAL lets readers (the API) run beside the one writer, and `synchronous = NORMAL`
 * keeps every commit safe against a crash of payhook itself (SIGKILL), syncing to disk at checkpoints
 * rather than at every commit; `PAYHOOK_SQLITE_SYNCHRONOUS=FULL` trades throughput for power-loss safety.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { newId, type MerchantId } from '../../ids.js';
import { matcherFor } from '../fanout.js';
import { keyFileKeyring } from '../../secrets/master-key.js';
import { SEALED_PREFIX, SecretBox } from '../../secrets/box.js';
import type { Keyring } from '../../secrets/keyring.js';
import { toClaimedDeliveries, type ClaimRow } from '../claimed.js';
import { decodeCursor, ID_MAX, ID_MIN, toPage } from '../cursor.js';
import {
  addStatements,
  checkOwn,
  migrationsInOrder,
  type ModuleMigrations,
  type ModuleStatements,
  type Params,
  type SqliteModuleStore,
  type SqliteOutboxTx,
} from '../module-port.js';
import { scopesText, toApiKey, type ApiKeyRow } from '../api-keys.js';
import { eventTypeParams, toEventType, type EventTypeRow } from '../event-types.js';
import { endpointQuotaExceeded } from '../../limits/errors.js';
import { loadMigrations, loadSqlFiles } from '../sql-files.js';
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

const SQL = loadSqlFiles(new URL('./sql/', import.meta.url));
const MIGRATIONS = loadMigrations(new URL('./migrations/', import.meta.url));

export interface SqliteStoreOptions {
  /** `:memory:` works for throwaway use; payhook itself always uses a file. */
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  /** Seals signing secrets and header values; default: the key file beside the database (secrets/master-key.ts). */
  keyring?: Keyring;
}

type Stmt = Database.Statement<unknown[], unknown>;

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  /** The open database (for tests that look at the file; modules go through `moduleStore`). */
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Stmt>();
  /** Statements of modules (`moduleStore`), beside the core's `SQL`. */
  private readonly moduleSql = new Map<string, string>();
  private readonly dueListeners = new Set<() => void>();
  /** Every write of a secret or headers seals through it, every read opens (secrets/box.ts). */
  private readonly box: SecretBox;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.box = new SecretBox(options.keyring ?? keyFileKeyring(options.path).keyring);
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // A larger page cache keeps the due index and recent rows in memory during a backlog drain.
    this.db.pragma('cache_size = -65536');
  }

  /** A prepared statement from the sql/ files (or a module's), prepared once. */
  private stmt(name: string): Stmt {
    let s = this.stmts.get(name);
    if (!s) {
      const text = SQL[name] ?? this.moduleSql.get(name);
      if (!text) throw new Error(`unknown SQL statement ${name}`);
      s = this.db.prepare(text);
      this.stmts.set(name, s);
    }
    return s;
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE, so two processes never interleave writes). */
  private transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async migrate(modules: readonly ModuleMigrations[] = []): Promise<void> {
    this.migrateSync(
      migrationsInOrder(
        MIGRATIONS,
        modules.map((m) => m.sqlite),
      ),
    );
  }

  private migrateSync(migrations: readonly { version: number; name: string; sql: string }[]): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    this.transaction(() => {
      const done = new Set(
        (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
      );
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        this.db.exec(m.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, Date.now());
      }
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  onDue(listener: () => void): () => void {
    this.dueListeners.add(listener);
    return () => this.dueListeners.delete(listener);
  }

  /** Tells this process's dispatchers that work is due. Called after the transaction commits. */
  private notifyDue(): void {
    for (const l of this.dueListeners) l();
  }

  // the module port (module-port.ts) ------------------------------------------------------------------

  moduleStore(statements: ModuleStatements): SqliteModuleStore {
    const own = addStatements(this.moduleSql, SQL, statements.sqlite);
    // Named parameters only when given: better-sqlite3 refuses an argument for a statement without any.
    const bind = (name: string, params?: Params): [] | [Params] => {
      checkOwn(own, name);
      return params ? [params] : [];
    };
    const all = <R>(name: string, params?: Params): R[] => this.stmt(name).all(...bind(name, params)) as R[];
    const get = <R>(name: string, params?: Params): R | undefined =>
      this.stmt(name).get(...bind(name, params)) as R | undefined;
    const run = (name: string, params?: Params): number => this.stmt(name).run(...bind(name, params)).changes;
    return {
      dialect: 'sqlite',
      all,
      get,
      run,
      withOutbox: <T>(fn: (tx: SqliteOutboxTx) => T): T => {
        // Synchronous from BEGIN to COMMIT (module-port.ts says why); better-sqlite3 itself refuses a
        // body that returns a promise, before committing anything.
        let due = false;
        const tx: SqliteOutboxTx = {
          all,
          get,
          run,
          appendEvents: (events) => {
            const out = this.appendEventsInTransaction(events);
            due ||= out.some((a) => a.deliveries > 0);
            return out;
          },
        };
        const result = this.transaction(() => {
          due = false;
          return fn(tx);
        });
        if (due) this.notifyDue();
        return result;
      },
    };
  }

  // settings ---------------------------------------------------------------------------------------

  async getSetting(key: string): Promise<string | null> {
    const row = this.stmt('settings_get').get({ key }) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async putSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.transaction(() => {
      this.stmt('settings_put_if_absent').run({ key, value });
      return (this.stmt('settings_get').get({ key }) as { value: string }).value;
    });
  }

  async probeWrite(now: number): Promise<void> {
    this.stmt('settings_write_probe').run({ value: String(now) });
  }

  // merchants and keys -----------------------------------------------------------------------------

  async createMerchant(m: Merchant, key: { id: string; hash: string; prefix: string }): Promise<void> {
    this.transaction(() => {
      this.stmt('merchant_insert').run({ id: m.id, name: m.name, created_at: m.createdAt });
      this.stmt('api_key_insert').run({
        id: key.id,
        merchant_id: m.id,
        hash: key.hash,
        prefix: key.prefix,
        name: 'default',
        scopes: 'read,write',
        created_at: m.createdAt,
      });
    });
  }

  async getMerchant(id: string): Promise<Merchant | null> {
    const row = this.stmt('merchant_get').get({ id }) as Parameters<typeof toMerchant>[0] | undefined;
    return row ? toMerchant(row) : null;
  }

  async listMerchants(o: ListOptions): Promise<Page<Merchant>> {
    const rows = this.stmt('merchant_page').all({
      before: decodeCursor(o.cursor) ?? ID_MAX,
      limit: o.limit + 1,
    }) as Parameters<typeof toMerchant>[0][];
    return toPage(rows.map(toMerchant), o.limit);
  }

  async createApiKey(k: NewApiKey): Promise<void> {
    this.stmt('api_key_insert').run({
      id: k.id,
      merchant_id: k.merchantId,
      hash: k.hash,
      prefix: k.prefix,
      name: k.name,
      scopes: scopesText(k.scopes),
      created_at: k.createdAt,
    });
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    const r = this.stmt('api_key_find').get({ hash }) as ApiKeyRow | undefined;
    return r ? toApiKey(r) : null;
  }

  async listApiKeys(merchantId: string, o: ListOptions): Promise<Page<ApiKeyRecord>> {
    const rows = this.stmt('api_key_page').all({
      merchant_id: merchantId,
      before: decodeCursor(o.cursor) ?? ID_MAX,
      limit: o.limit + 1,
    }) as ApiKeyRow[];
    return toPage(rows.map(toApiKey), o.limit);
  }

  async revokeApiKey(merchantId: string, id: string, now: number): Promise<string | null> {
    const r = this.stmt('api_key_revoke').get({ merchant_id: merchantId, id, now }) as { hash: string } | undefined;
    return r?.hash ?? null;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    this.stmt('api_key_touch').run({ id, at });
  }
  async createEventType(t: EventTypeRecord): Promise<boolean> {
    return this.stmt('event_type_insert').get(eventTypeParams(t)) !== undefined;
  }

  async listEventTypes(merchantId: MerchantId): Promise<EventTypeRecord[]> {
    return (this.stmt('event_type_list').all({ merchant_id: merchantId }) as EventTypeRow[]).map(toEventType);
  }

  async deleteEventType(merchantId: MerchantId, name: string): Promise<boolean> {
    return this.stmt('event_type_delete').get({ merchant_id: merchantId, name }) !== undefined;
  }

  // endpoints --------------------------------------------------------------------------------------

  async createEndpoint(e: NewEndpoint): Promise<Endpoint> {
    const row: EndpointRow = {
      id: e.id,
      merchant_id: e.merchantId,
      url: e.url,
      description: e.description,
      event_types: e.eventTypes === null ? null : JSON.stringify(e.eventTypes),
      disabled: e.disabled ? 1 : 0,
      disabled_reason: e.disabled ? 'merchant' : null,
      headers: this.box.sealHeaders(e.headers),
      format: e.format,
      timeout_ms: e.timeoutMs,
      created_at: e.now,
      updated_at: e.now,
    };
    this.transaction(() => {
      if (
        e.maxPerMerchant !== undefined &&
        (this.stmt('endpoint_count_live').get({ merchant_id: e.merchantId }) as { n: number }).n >= e.maxPerMerchant
      ) {
        throw endpointQuotaExceeded(e.maxPerMerchant);
      }
      this.stmt('endpoint_insert').run(row);
      this.stmt('secret_insert').run({ endpoint_id: e.id, secret: this.box.sealSecret(e.secret), created_at: e.now });
    });
    return toEndpoint(row, this.box);
  }

  async getEndpoint(merchantId: string, id: string): Promise<Endpoint | null> {
    const row = this.stmt('endpoint_get').get({ merchant_id: merchantId, id }) as EndpointRow | undefined;
    return row ? toEndpoint(row, this.box) : null;
  }

  async listEndpoints(merchantId: string, o: ListOptions): Promise<Page<Endpoint>> {
    const rows = this.stmt('endpoint_page').all({
      merchant_id: merchantId,
      before: decodeCursor(o.cursor) ?? ID_MAX,
      limit: o.limit + 1,
    }) as EndpointRow[];
    return toPage(
      rows.map((r) => toEndpoint(r, this.box)),
      o.limit,
    );
  }

  async updateEndpoint(merchantId: string, id: string, patch: EndpointPatch, now: number): Promise<Endpoint | null> {
    return this.transaction(() => {
      const row = this.stmt('endpoint_get').get({ merchant_id: merchantId, id }) as EndpointRow | undefined;
      if (!row) return null;
      const next: EndpointRow = { ...row, updated_at: now };
      if (patch.url !== undefined) next.url = patch.url;
      if (patch.description !== undefined) next.description = patch.description;
      if (patch.eventTypes !== undefined)
        next.event_types = patch.eventTypes === null ? null : JSON.stringify(patch.eventTypes);
      if (patch.headers !== undefined) next.headers = this.box.sealHeaders(patch.headers);
      if (patch.format !== undefined) next.format = patch.format;
      if (patch.timeoutMs !== undefined) next.timeout_ms = patch.timeoutMs;
      if (patch.disabled !== undefined) {
        next.disabled = patch.disabled ? 1 : 0;
        next.disabled_reason = patch.disabled ? (row.disabled ? row.disabled_reason : 'merchant') : null;
      }
      this.stmt('endpoint_update').run(next);
      if (patch.disabled === true && !row.disabled)
        this.stmt('deliveries_cancel_for_endpoint').run({ endpoint_id: id, now });
      return toEndpoint(next, this.box);
    });
  }

  async deleteEndpoint(merchantId: string, id: string, now: number): Promise<boolean> {
    return this.transaction(() => {
      const changed = this.stmt('endpoint_delete').run({ merchant_id: merchantId, id, now }).changes > 0;
      if (changed) this.stmt('deliveries_cancel_for_endpoint').run({ endpoint_id: id, now });
      return changed;
    });
  }

  async getSigningSecrets(endpointId: string, now: number): Promise<EndpointSecret[]> {
    const rows = this.stmt('secrets_signing').all({ endpoint_id: endpointId, now }) as {
      secret: string;
      created_at: number;
      expires_at: number | null;
    }[];
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
    return this.transaction(() => {
      if (!this.stmt('endpoint_get').get({ merchant_id: merchantId, id: endpointId })) return false;
      this.stmt('secret_expire_current').run({ endpoint_id: endpointId, expires_at: previousExpiresAt });
      this.stmt('secret_insert').run({ endpoint_id: endpointId, secret: this.box.sealSecret(secret), created_at: now });
      return true;
    });
  }

  async resealSecrets(options: { all: boolean; batch?: number }): Promise<ResealCounts> {
    const prefix = options.all ? this.box.currentPrefix : SEALED_PREFIX;
    const limit = options.batch ?? 500;
    const counts: ResealCounts = { secrets: 0, headers: 0 };
    // One short transaction per batch, so API writes and claims interleave with a long re-seal.
    for (let after = 0; ; ) {
      const rows = this.stmt('secrets_to_reseal').all({ prefix, after, limit }) as { seq: number; secret: string }[];
      if (rows.length === 0) break;
      this.transaction(() => {
        for (const r of rows) {
          const secret = this.box.sealSecret(this.box.openSecret(r.secret));
          counts.secrets += this.stmt('secret_reseal').run({ seq: r.seq, old: r.secret, secret }).changes;
        }
      });
      after = rows[rows.length - 1].seq;
    }
    for (let after = ''; ; ) {
      const rows = this.stmt('headers_to_reseal').all({ prefix, after, limit }) as { id: string; headers: string }[];
      if (rows.length === 0) break;
      this.transaction(() => {
        for (const r of rows) {
          const headers = this.box.sealHeaders(this.box.openHeaders(r.headers));
          counts.headers += this.stmt('headers_reseal').run({ id: r.id, old: r.headers, headers }).changes;
        }
      });
      after = rows[rows.length - 1].id;
    }
    return counts;
  }

  // events -----------------------------------------------------------------------------------------

  async appendEvents(events: NewEvent[]): Promise<AppendedEvent[]> {
    const out = this.transaction(() => this.appendEventsInTransaction(events));
    if (out.some((a) => a.deliveries > 0)) this.notifyDue();
    return out;
  }

  /**
   * The outbox write: events and their deliveries. Must run inside `transaction()`: `appendEvents`, and
   * a module's `withOutbox`, so a state change and its events commit together or not at all. The caller
   * calls `notifyDue()` after the commit.
   */
  private appendEventsInTransaction(events: NewEvent[]): AppendedEvent[] {
    const out: AppendedEvent[] = [];
    const endpointsByMerchant = new Map<string, { id: string; event_types: string | null }[]>();
    for (const e of events) {
      if (e.idempotencyKey !== null) {
        const prior = this.stmt('event_by_idempotency_key').get({
          merchant_id: e.merchantId,
          idempotency_key: e.idempotencyKey,
        }) as EventRow | undefined;
        if (prior) {
          out.push({ event: toEvent(prior), created: false, deliveries: 0 });
          continue;
        }
      }
      this.stmt('event_insert').run({
        id: e.id,
        merchant_id: e.merchantId,
        type: e.type,
        body: e.body,
        idempotency_key: e.idempotencyKey,
        created_at: e.createdAt,
      });
      let endpoints = endpointsByMerchant.get(e.merchantId);
      if (!endpoints) {
        endpoints = this.stmt('endpoints_for_fanout').all({ merchant_id: e.merchantId }) as {
          id: string;
          event_types: string | null;
        }[];
        endpointsByMerchant.set(e.merchantId, endpoints);
      }
      let n = 0;
      for (const ep of endpoints) {
        if (!matcherFor(ep.event_types)(e.type)) continue;
        this.stmt('delivery_insert').run({
          id: newId('del', e.createdAt),
          event_id: e.id,
          endpoint_id: ep.id,
          merchant_id: e.merchantId,
          event_type: e.type,
          now: e.createdAt,
        });
        n++;
      }
      out.push({ event: { ...e }, created: true, deliveries: n });
    }
    return out;
  }

  async getEvent(merchantId: string, id: string): Promise<EventRecord | null> {
    const row = this.stmt('event_get').get({ merchant_id: merchantId, id }) as EventRow | undefined;
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
    const rows = this.stmt(order === 'asc' ? 'event_page_asc' : 'event_page_desc').all({
      merchant_id: f.merchantId,
      lo,
      hi,
      types: f.types?.length ? JSON.stringify(f.types) : null,
      limit: f.limit + 1,
    }) as EventRow[];
    return toPage(rows.map(toEvent), f.limit);
  }

  async pruneEvents(before: number, limit: number): Promise<number> {
    return this.transaction(() => {
      const n = this.stmt('events_prune').run({ before, limit }).changes;
      if (n > 0) {
        this.stmt('deliveries_prune_orphans').run({ before });
        this.stmt('attempts_prune_orphans').run({ before });
      }
      return n;
    });
  }

  // deliveries -------------------------------------------------------------------------------------

  async claimDue(o: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.transaction(() => {
      const rows = this.stmt('claim_select').all({
        now: o.now,
        limit: o.limit,
        exclude: JSON.stringify(o.excludeEndpoints ?? []),
      }) as ClaimRow[];
      if (rows.length === 0) return [];
      this.stmt('claim_mark').run({
        ids: JSON.stringify(rows.map((r) => r.id)),
        owner: o.owner,
        until: o.now + o.leaseMs,
      });
      return toClaimedDeliveries(rows, this.box);
    });
  }

  async recordResults(results: AttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    const now = Date.now();
    this.transaction(() => {
      for (const r of results) {
        this.stmt('attempt_insert').run({
          id: r.attemptId,
          delivery_id: r.deliveryId,
          attempt_no: r.attemptNo,
          started_at: r.startedAt,
          duration_ms: r.durationMs,
          status_code: r.statusCode,
          response_body: r.responseBody,
          error_class: r.errorClass,
          error_message: r.errorMessage,
          next_retry_at: r.outcome === 'retry' ? r.nextAttemptAt : null,
        });
        this.stmt('delivery_apply_result').run({
          id: r.deliveryId,
          owner: r.owner,
          status: r.outcome === 'retry' ? 'pending' : r.outcome,
          next_attempt_at: r.outcome === 'retry' ? r.nextAttemptAt : null,
          status_code: r.statusCode,
          error: r.errorMessage,
          now,
        });
        if (r.disableEndpoint) {
          const row = this.stmt('delivery_endpoint').get({ id: r.deliveryId }) as { endpoint_id: string } | undefined;
          if (row) {
            this.stmt('endpoint_disable_gone').run({ id: row.endpoint_id, now });
            this.stmt('deliveries_fail_for_endpoint').run({
              endpoint_id: row.endpoint_id,
              error: 'endpoint disabled: it answered 410 Gone',
              now,
            });
          }
        }
      }
    });
  }

  async releaseClaims(owner: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.stmt('claims_release').run({ owner, ids: JSON.stringify(ids), now: Date.now() });
    this.notifyDue();
  }

  async deferEndpoint(endpointId: string, until: number): Promise<number> {
    return this.stmt('endpoint_defer').run({ endpoint_id: endpointId, until }).changes;
  }

  async nextDueAt(): Promise<number | null> {
    const row = this.stmt('next_due').get() as { at: number | null };
    return row.at;
  }

  async getDelivery(merchantId: string, id: string): Promise<Delivery | null> {
    const row = this.stmt('delivery_get').get({ merchant_id: merchantId, id }) as DeliveryRow | undefined;
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(f: DeliveryFilter): Promise<Page<Delivery>> {
    const rows = this.stmt('delivery_page').all({
      merchant_id: f.merchantId,
      before: decodeCursor(f.cursor) ?? ID_MAX,
      endpoint_id: f.endpointId ?? null,
      event_id: f.eventId ?? null,
      status: f.status ?? null,
      limit: f.limit + 1,
    }) as DeliveryRow[];
    return toPage(rows.map(toDelivery), f.limit);
  }

  async listAttempts(merchantId: string, deliveryId: string): Promise<Attempt[]> {
    return (this.stmt('attempt_list').all({ merchant_id: merchantId, delivery_id: deliveryId }) as AttemptRow[]).map(
      toAttempt,
    );
  }

  async retryDelivery(merchantId: string, id: string, now: number): Promise<Delivery | null> {
    const d = this.transaction(() => {
      this.stmt('delivery_retry_now').run({ merchant_id: merchantId, id, now });
      return this.stmt('delivery_get').get({ merchant_id: merchantId, id }) as DeliveryRow | undefined;
    });
    if (!d) return null;
    this.notifyDue();
    return toDelivery(d);
  }

  async recoverEndpoint(merchantId: string, endpointId: string, since: number, now: number): Promise<number> {
    const n = this.stmt('endpoint_recover').run({
      merchant_id: merchantId,
      endpoint_id: endpointId,
      since,
      now,
    }).changes;
    if (n > 0) this.notifyDue();
    return n;
  }

  async countDeliveries(merchantId?: string): Promise<DeliveryCounts> {
    const counts: DeliveryCounts = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const r of this.stmt('delivery_counts').all({ merchant_id: merchantId ?? null }) as {
      status: keyof DeliveryCounts;
      n: number;
    }[]) {
      counts[r.status] = r.n;
    }
    return counts;
  }
}
