/**
 * Builders the contract suite shares: a merchant, an endpoint, an event, a claim's result. Each fills
 * every field with a plausible default so a test states only what it is about.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { buildEnvelope } from '../../../src/store/envelope.js';
import { newId, type EndpointId, type MerchantId } from '../../../src/ids.js';
import type { SecretsAccess } from './secrets.js';
import type {
  AttemptResult,
  ClaimedDelivery,
  DirectClaim,
  Endpoint,
  NewEndpoint,
  NewEvent,
  Store,
} from '../../../src/store/types.js';

export interface ContractOptions {
  /** Shown in the suite's name (`sqlite`, `postgres`). */
  name: string;
  /** A new, empty store on its own database (or schema); the suite migrates and closes it. */
  newStore: () => Promise<Store>;
  /** Test names to skip, each with the reason it does not apply to this backend. */
  skip?: Record<string, string>;
  /** Raw access to the stored secrets, for the secrets-at-rest cases. */
  secrets: SecretsAccess;
  /**
   * Whether `appendEvents` takes a `DirectClaim`; a backend that does not leaves every new delivery to
   * `claimDue`.
   */
  claimsAtAppend: boolean;
}

/** Declares one test, honouring `skip`; `fn` gets a fresh, migrated store that is closed afterwards. */
export type Case = (name: string, fn: (store: Store, t: TestContext) => Promise<void>) => void;

export async function newMerchant(store: Store, name = 'Shop', createdAt = Date.now()): Promise<MerchantId> {
  const id = newId('mer', createdAt);
  await store.createMerchant(
    { id, name, createdAt },
    { id: newId('key', createdAt), hash: randomHash(), prefix: 'sk_test' },
  );
  return id;
}

export function randomHash(): string {
  return randomBytes(32).toString('hex');
}

export function secret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function newEndpoint(
  store: Store,
  merchantId: MerchantId,
  over: Partial<NewEndpoint> = {},
): Promise<Endpoint> {
  const now = over.now ?? Date.now();
  return store.createEndpoint({
    id: newId('ep', now),
    merchantId,
    url: 'https://receiver.test/hooks',
    description: '',
    eventTypes: null,
    disabled: false,
    headers: {},
    format: 'standard',
    timeoutMs: null,
    secret: secret(),
    now,
    ...over,
  });
}

export function newEvent(
  merchantId: MerchantId,
  type: string,
  createdAt: number,
  idempotencyKey: string | null = null,
  data: object = { n: 1 },
): NewEvent {
  const id = newId('evt', createdAt);
  const json = JSON.stringify(data);
  return {
    id,
    merchantId,
    type,
    data: json,
    body: buildEnvelope(id, type, createdAt, json, false),
    idempotencyKey,
    createdAt,
    orderingKey: null,
  };
}

/** The outcome of sending `d` once, as a dispatcher would report it. */
export function resultFor(
  d: Pick<ClaimedDelivery, 'id' | 'attempts'>,
  owner: string,
  outcome: AttemptResult['outcome'],
  over: Partial<AttemptResult> = {},
): AttemptResult {
  const startedAt = over.startedAt ?? Date.now();
  return {
    attemptId: newId('att', startedAt),
    deliveryId: d.id,
    owner,
    attemptNo: d.attempts + 1,
    startedAt,
    durationMs: 12,
    statusCode: outcome === 'succeeded' ? 200 : 500,
    responseBody: outcome === 'succeeded' ? 'ok' : 'boom',
    errorClass: outcome === 'succeeded' ? null : 'http_status',
    errorMessage: outcome === 'succeeded' ? null : 'HTTP 500',
    outcome,
    nextAttemptAt: outcome === 'retry' ? startedAt + 5_000 : null,
    ...over,
  };
}

/** Claims everything due at `now` (in batches), for tests that need a delivery out of the way. */
export async function claimAll(
  store: Store,
  now: number,
  owner = 'sweeper',
  leaseMs = 60_000,
): Promise<ClaimedDelivery[]> {
  const out: ClaimedDelivery[] = [];
  for (;;) {
    const batch = await store.claimDue({ now, limit: 100, leaseMs, owner });
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

/** Resolves when `listener` registration sees a call; rejects after `ms` so a missing wake-up fails. */
export function nextDue(store: Store, ms = 5_000): { fired: Promise<void>; stop: () => void } {
  let stop = () => {};
  const fired = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`onDue did not fire within ${ms} ms`));
    }, ms);
    const unsubscribe = store.onDue(() => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
    stop = () => {
      clearTimeout(timer);
      unsubscribe();
    };
  });
  return { fired, stop };
}

export const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

export interface TestOffer extends DirectClaim {
  /** Endpoints `take` was asked about, in order. */
  asked: string[];
  accepted: { batch: ClaimedDelivery[]; leaseEnd: number }[];
  budgets: number;
}

/**
 * A `DirectClaim` with `room` in all, `rooms` for named endpoints and `otherRoom` for the rest, that
 * answers alike whether a backend asks `take` for each delivery (SQLite) or for the `budget` at once
 * (PostgreSQL): what a dispatcher's offer promises either way.
 */
export function testOffer(
  owner: string,
  leaseMs: number,
  o: { room?: number; rooms?: Record<string, number>; otherRoom?: number } = {},
): TestOffer {
  const room = o.room ?? 1000;
  const rooms = new Map(Object.entries(o.rooms ?? {}) as [EndpointId, number][]);
  const otherRoom = o.otherRoom ?? 1000;
  const taken = new Map<string, number>();
  let total = 0;
  const offer: TestOffer = {
    owner,
    leaseMs,
    asked: [],
    accepted: [],
    budgets: 0,
    take: (endpointId) => {
      offer.asked.push(endpointId);
      const n = (taken.get(endpointId) ?? 0) + 1;
      if (total >= room || n > (rooms.get(endpointId as EndpointId) ?? otherRoom)) return false;
      taken.set(endpointId, n);
      total++;
      return true;
    },
    accept: (batch, leaseEnd) => {
      offer.accepted.push({ batch, leaseEnd });
    },
    budget: () => {
      offer.budgets++;
      return { room, endpointRooms: rooms, otherRoom };
    },
  };
  return offer;
}
