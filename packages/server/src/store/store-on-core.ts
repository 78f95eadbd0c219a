/**
 * The Store's operations as functions of a backend's core, and the class that hands each Store method
 * to them: what the SQLite and the PostgreSQL store (sqlite/store.ts, postgres/store.ts) share.
 *
 * Each backend keeps one module a domain (settings, merchants, api-keys, event-types, endpoints, events,
 * deliveries) of plain functions `(core, ...arguments)`, named as the Store methods they implement, and
 * lists them once in an `Operations` table; its store class extends `StoreOnCore` and holds the core
 * (connection, statements, transactions, the secret box). Plain functions rather than mixins, or a
 * chain of base classes one a domain: `Operations<C>` checks every function against the method it
 * implements, each domain file compiles on its own, and the delegation below is written once, not once
 * a backend.
 */
import type { DeliveryId, EventId, MerchantId, ReplayId, ResendId } from '../ids.js';
import type { ModuleMigrations, ModuleStatements, ModuleStore } from './module-port.js';
import type {
  AppendedEvent,
  DeferralPace,
  DeferralRelease,
  DirectClaim,
  ApiKeyRecord,
  Attempt,
  AttemptResult,
  CircuitPolicy,
  EndpointTransition,
  ClaimedDelivery,
  ClaimOptions,
  Delivery,
  DeliveryCounts,
  DeliveryFilter,
  Endpoint,
  EndpointPatch,
  EndpointSecret,
  ErasureRecord,
  AttemptText,
  PartitionDrop,
  PruneCounts,
  StoredText,
  EventFilter,
  EventRecord,
  EventTypeRecord,
  LeasedReplay,
  ListOptions,
  Merchant,
  NewApiKey,
  NewEndpoint,
  NewEvent,
  NewReplay,
  NewFirstKey,
  Page,
  QueueStats,
  ResealCounts,
  Replay,
  ResendFilter,
  ResendRecord,
  SkipOutcome,
  Store,
  DashboardSessionRecord,
} from './types.js';

/** The Store methods a backend implements as functions of its core. */
type OperationName = Exclude<
  keyof Store,
  'dialect' | 'migrate' | 'close' | 'moduleStore' | 'onDue' | 'offerNewDeliveries'
>;

/** A backend's implementation of each operation: the method's arguments, after the core. */
export type Operations<C> = {
  [K in OperationName]: (core: C, ...args: Parameters<StoreOnCore<C>[K]>) => ReturnType<Store[K]>;
};

export abstract class StoreOnCore<C> implements Store {
  abstract readonly dialect: Store['dialect'];
  /** What the operations work through: connection, statements, transactions, the secret box. */
  protected abstract readonly core: C;
  /** This backend's functions, one a Store operation. */
  protected abstract readonly operations: Operations<C>;

  abstract migrate(modules?: readonly ModuleMigrations[]): Promise<void>;
  abstract close(): Promise<void>;
  abstract onDue(listener: () => void): () => void;
  abstract offerNewDeliveries(offer: () => DirectClaim | null): () => void;
  abstract moduleStore(statements: ModuleStatements): ModuleStore;

  // dashboard sessions
  createDashboardSession(session: DashboardSessionRecord): Promise<boolean> {
    return this.operations.createDashboardSession(this.core, session);
  }
  getDashboardSession(idHash: string, now: number): Promise<DashboardSessionRecord | null> {
    return this.operations.getDashboardSession(this.core, idHash, now);
  }
  deleteDashboardSession(idHash: string): Promise<void> {
    return this.operations.deleteDashboardSession(this.core, idHash);
  }

  // settings
  getSetting(key: string): Promise<string | null> {
    return this.operations.getSetting(this.core, key);
  }
  putSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.operations.putSettingIfAbsent(this.core, key, value);
  }
  probeWrite(now: number): Promise<void> {
    return this.operations.probeWrite(this.core, now);
  }

  // merchants and keys
  createMerchant(m: Merchant, key: NewFirstKey, liveKey?: NewFirstKey): Promise<void> {
    return this.operations.createMerchant(this.core, m, key, liveKey);
  }
  getMerchant(id: string): Promise<Merchant | null> {
    return this.operations.getMerchant(this.core, id);
  }
  listMerchants(o: ListOptions): Promise<Page<Merchant>> {
    return this.operations.listMerchants(this.core, o);
  }
  createApiKey(k: NewApiKey): Promise<void> {
    return this.operations.createApiKey(this.core, k);
  }
  findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    return this.operations.findApiKey(this.core, hash);
  }
  listApiKeys(merchantId: string, o: ListOptions): Promise<Page<ApiKeyRecord>> {
    return this.operations.listApiKeys(this.core, merchantId, o);
  }
  revokeApiKey(merchantId: string, id: string, now: number): Promise<string | null> {
    return this.operations.revokeApiKey(this.core, merchantId, id, now);
  }
  touchApiKey(id: string, at: number): Promise<void> {
    return this.operations.touchApiKey(this.core, id, at);
  }

  // event types merchants register
  createEventType(t: EventTypeRecord): Promise<boolean> {
    return this.operations.createEventType(this.core, t);
  }
  listEventTypes(merchantId: MerchantId): Promise<EventTypeRecord[]> {
    return this.operations.listEventTypes(this.core, merchantId);
  }
  deleteEventType(merchantId: MerchantId, name: string): Promise<boolean> {
    return this.operations.deleteEventType(this.core, merchantId, name);
  }

  // endpoints
  createEndpoint(e: NewEndpoint): Promise<Endpoint> {
    return this.operations.createEndpoint(this.core, e);
  }
  getEndpoint(merchantId: string, id: string): Promise<Endpoint | null> {
    return this.operations.getEndpoint(this.core, merchantId, id);
  }
  listEndpoints(merchantId: string, o: ListOptions): Promise<Page<Endpoint>> {
    return this.operations.listEndpoints(this.core, merchantId, o);
  }
  updateEndpoint(merchantId: string, id: string, patch: EndpointPatch, now: number): Promise<Endpoint | null> {
    return this.operations.updateEndpoint(this.core, merchantId, id, patch, now);
  }
  deleteEndpoint(merchantId: string, id: string, now: number): Promise<boolean> {
    return this.operations.deleteEndpoint(this.core, merchantId, id, now);
  }
  getSigningSecrets(endpointId: string, now: number): Promise<EndpointSecret[]> {
    return this.operations.getSigningSecrets(this.core, endpointId, now);
  }
  rotateSecret(
    merchantId: string,
    endpointId: string,
    secret: string,
    now: number,
    previousExpiresAt: number,
  ): Promise<boolean> {
    return this.operations.rotateSecret(this.core, merchantId, endpointId, secret, now, previousExpiresAt);
  }
  resealSecrets(options: { all: boolean; batch?: number }): Promise<ResealCounts> {
    return this.operations.resealSecrets(this.core, options);
  }

  // events
  appendEvents(events: NewEvent[]): Promise<AppendedEvent[]> {
    return this.operations.appendEvents(this.core, events);
  }
  getEvent(merchantId: string, id: string): Promise<EventRecord | null> {
    return this.operations.getEvent(this.core, merchantId, id);
  }
  listEvents(f: EventFilter): Promise<Page<EventRecord>> {
    return this.operations.listEvents(this.core, f);
  }

  // retention
  pruneEvents(before: number, limit: number): Promise<PruneCounts> {
    return this.operations.pruneEvents(this.core, before, limit);
  }
  dropPartitions(before: number): Promise<PartitionDrop[]> {
    return this.operations.dropPartitions(this.core, before);
  }
  preparePartitions(from: number, to: number): Promise<number> {
    return this.operations.preparePartitions(this.core, from, to);
  }
  pruneOrphans(before: number, limit: number): Promise<number> {
    return this.operations.pruneOrphans(this.core, before, limit);
  }

  // erasures
  findEventsContaining(merchantId: MerchantId, needle: string, afterId: string, limit: number): Promise<StoredText[]> {
    return this.operations.findEventsContaining(this.core, merchantId, needle, afterId, limit);
  }
  attemptTextsOf(merchantId: MerchantId, eventIds: readonly string[]): Promise<AttemptText[]> {
    return this.operations.attemptTextsOf(this.core, merchantId, eventIds);
  }
  recordErasure(
    record: ErasureRecord,
    redacted: { events: readonly StoredText[]; attempts: readonly AttemptText[] },
  ): Promise<void> {
    return this.operations.recordErasure(this.core, record, redacted);
  }
  getErasure(merchantId: MerchantId, id: string): Promise<ErasureRecord | null> {
    return this.operations.getErasure(this.core, merchantId, id);
  }

  // resends
  resendEvent(
    merchantId: MerchantId,
    eventId: EventId,
    resend: { id: ResendId; now: number },
  ): Promise<{ deliveries: number } | null> {
    return this.operations.resendEvent(this.core, merchantId, eventId, resend);
  }
  listResends(f: ResendFilter): Promise<ResendRecord[]> {
    return this.operations.listResends(this.core, f);
  }

  // deliveries
  claimDue(o: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.operations.claimDue(this.core, o);
  }
  recordResults(results: AttemptResult[], policy?: CircuitPolicy): Promise<EndpointTransition[]> {
    return this.operations.recordResults(this.core, results, policy);
  }
  releaseClaims(owner: string, ids: readonly string[]): Promise<void> {
    return this.operations.releaseClaims(this.core, owner, ids);
  }
  deferEndpoint(endpointId: string, pace: DeferralPace): Promise<number> {
    return this.operations.deferEndpoint(this.core, endpointId, pace);
  }
  undeferEndpoint(endpointId: string, release: DeferralRelease): Promise<number> {
    return this.operations.undeferEndpoint(this.core, endpointId, release);
  }
  nextDueAt(): Promise<number | null> {
    return this.operations.nextDueAt(this.core);
  }
  getDelivery(merchantId: string, id: string): Promise<Delivery | null> {
    return this.operations.getDelivery(this.core, merchantId, id);
  }
  listDeliveries(f: DeliveryFilter): Promise<Page<Delivery>> {
    return this.operations.listDeliveries(this.core, f);
  }
  listAttempts(merchantId: string, deliveryId: string): Promise<Attempt[]> {
    return this.operations.listAttempts(this.core, merchantId, deliveryId);
  }
  retryDelivery(merchantId: string, id: string, now: number): Promise<Delivery | null> {
    return this.operations.retryDelivery(this.core, merchantId, id, now);
  }
  recoverEndpoint(merchantId: string, endpointId: string, since: number, now: number): Promise<number> {
    return this.operations.recoverEndpoint(this.core, merchantId, endpointId, since, now);
  }
  countDeliveries(merchantId?: string): Promise<DeliveryCounts> {
    return this.operations.countDeliveries(this.core, merchantId);
  }
  countDeliveriesSince(merchantId: MerchantId, since: number): Promise<DeliveryCounts> {
    return this.operations.countDeliveriesSince(this.core, merchantId, since);
  }
  skipDelivery(merchantId: MerchantId, id: DeliveryId, now: number): Promise<SkipOutcome> {
    return this.operations.skipDelivery(this.core, merchantId, id, now);
  }
  unparkOrdered(since: number, now: number): Promise<number> {
    return this.operations.unparkOrdered(this.core, since, now);
  }

  // replays
  createReplay(replay: NewReplay): Promise<Replay | null> {
    return this.operations.createReplay(this.core, replay);
  }
  getReplay(merchantId: MerchantId, id: ReplayId): Promise<Replay | null> {
    return this.operations.getReplay(this.core, merchantId, id);
  }
  leaseReplay(owner: string, now: number, leaseMs: number): Promise<LeasedReplay | null> {
    return this.operations.leaseReplay(this.core, owner, now, leaseMs);
  }
  runReplayBatch(replay: LeasedReplay, limit: number, now: number, leaseMs: number): Promise<LeasedReplay | null> {
    return this.operations.runReplayBatch(this.core, replay, limit, now, leaseMs);
  }
  queueStats(): Promise<QueueStats> {
    return this.operations.queueStats(this.core);
  }
}
