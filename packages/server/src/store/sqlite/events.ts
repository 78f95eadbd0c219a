/** Events on SQLite: the outbox write (events with their deliveries, fanned out here), reads (pruning: retention.ts). */
import { newId, type DeliveryId, type EndpointId } from '../../ids.js';
import { decodeCursor, ID_MAX, ID_MIN, toPage } from '../cursor.js';
import { toClaimedDeliveries, type ClaimRow } from '../claimed.js';
import { matcherFor, operationalMatch } from '../fanout.js';
import type { AppendedEvent, DirectClaim, EventFilter, EventRecord, NewEvent, Page } from '../types.js';
import type { SqliteCore } from './core.js';
import { toEvent, type EventRow } from './rows.js';

/** What a delivery claimed as it is created needs of its endpoint: claim_select's columns. */
type SendColumns = Pick<ClaimRow, 'url' | 'headers' | 'format' | 'api_version' | 'payload_style' | 'timeout_ms'>;

interface FanoutEndpoint extends SendColumns {
  id: string;
  event_types: string | null;
  ordered: number;
  disabled: number;
  retry_schedule: string | null;
  rate_limit: number | null;
  circuit_state: string;
  circuit_failures: number;
  circuit_next_probe_at: number | null;
  paced_until: number | null;
}

/**
 * One write transaction's appends (`appendEvents`, a module's `withOutbox`): the dispatcher's offer,
 * asked for once, what it took, and how many new deliveries were left to the claim loop.
 */
export class Appending {
  private claim: DirectClaim | null | undefined;
  private until = 0;
  private readonly rows: ClaimRow[] = [];
  /** New deliveries not claimed here, due or parked. */
  left = 0;

  constructor(private readonly c: SqliteCore) {}

  /** Whether the dispatcher takes this delivery now; asks for its offer the first time. */
  take(endpointId: string): DirectClaim | null {
    if (this.claim === undefined) {
      this.claim = this.c.claimOffer?.() ?? null;
      if (this.claim) this.until = Date.now() + this.claim.leaseMs;
    }
    return this.claim?.take(endpointId) ? this.claim : null;
  }

  get leaseEnd(): number {
    return this.until;
  }

  took(row: ClaimRow): void {
    this.rows.push(row);
  }

  /**
   * After the commit: hands the claimed deliveries over, and wakes the claim loop only for what was
   * left to it (a claim that finds nothing is a transaction too).
   */
  committed(): void {
    if (this.claim && this.rows.length > 0) this.claim.accept(toClaimedDeliveries(this.rows, this.c.box), this.until);
    if (this.left > 0) this.c.notifyDue();
  }
}

export async function appendEvents(c: SqliteCore, events: NewEvent[]): Promise<AppendedEvent[]> {
  const appending = new Appending(c);
  const out = c.transaction(() => appendEventsInTransaction(c, events, appending));
  appending.committed();
  return out;
}

/**
 * The outbox write: events and their deliveries. Must run inside `c.transaction()`: `appendEvents`, and
 * a module's `withOutbox`, so a state change and its events commit together or not at all. The caller
 * calls `appending.committed()` after the commit.
 */
export function appendEventsInTransaction(c: SqliteCore, events: NewEvent[], appending: Appending): AppendedEvent[] {
  const out: AppendedEvent[] = [];
  const endpointsByMerchant = new Map<string, FanoutEndpoint[]>();
  for (const e of events) {
    if (e.idempotencyKey !== null) {
      const prior = c.stmt('event_by_idempotency_key').get({
        merchant_id: e.merchantId,
        idempotency_key: e.idempotencyKey,
      }) as EventRow | undefined;
      if (prior) {
        out.push({ event: toEvent(prior), created: false, deliveries: 0 });
        continue;
      }
    }
    c.stmt('event_insert').run({
      id: e.id,
      merchant_id: e.merchantId,
      type: e.type,
      body: e.body,
      idempotency_key: e.idempotencyKey,
      created_at: e.createdAt,
      traceparent: e.traceparent ?? null,
      ordering_key: e.orderingKey ?? null,
    });
    let endpoints = endpointsByMerchant.get(e.merchantId);
    if (!endpoints) {
      endpoints = c.stmt('endpoints_for_fanout').all({ merchant_id: e.merchantId }) as FanoutEndpoint[];
      endpointsByMerchant.set(e.merchantId, endpoints);
    }
    let n = 0;
    for (const ep of endpoints) {
      if (!matcherFor(ep.event_types)(e.type) || !operationalMatch(ep.event_types, ep.id, e)) continue;
      // An ordered endpoint's delivery takes the event's key, parked behind an earlier one that blocks it.
      const key = ep.ordered && e.orderingKey ? e.orderingKey : null;
      const parked =
        key !== null &&
        c.stmt('ordering_blocked').get({ endpoint_id: ep.id, ordering_key: key, event_id: e.id }) !== undefined;
      const id = newId('del', e.createdAt);
      // While the endpoint's circuit is open (or its probe out), a new delivery waits for the probe, as the
      // circuit's hold moved those already waiting: due now, it would lie at the head of the due index for
      // every claim to read past until the probe (a backlog appended during an outage: docs/performance.md,
      // "An open circuit's new deliveries wait for its probe"). A closing circuit's release makes it due.
      // Likewise behind a pace's horizon (`paced_until`, set when a pace left deliveries there): the
      // endpoint cannot take it sooner than the backlog before it, and its recovery makes it due.
      const probe = ep.circuit_state !== 'closed' && ep.circuit_next_probe_at !== null ? ep.circuit_next_probe_at : 0;
      const waitUntil = Math.max(probe, ep.paced_until ?? 0);
      const waits = !ep.disabled && !parked && waitUntil > e.createdAt;
      // Claimed as it is created: only where claim_select would take it with no control to apply
      // (circuit closed and clean, no rate limit, no ordering key, no pace to wait behind), and only as far
      // as the dispatcher has room.
      const claim =
        !ep.disabled &&
        key === null &&
        ep.rate_limit === null &&
        ep.circuit_state === 'closed' &&
        Number(ep.circuit_failures) === 0 &&
        !waits
          ? appending.take(ep.id)
          : null;
      const held = !claim && waits;
      c.stmt('delivery_insert').run({
        id,
        event_id: e.id,
        endpoint_id: ep.id,
        merchant_id: e.merchantId,
        event_type: e.type,
        now: e.createdAt,
        due: claim ? appending.leaseEnd : ep.disabled || parked ? null : held ? waitUntil : e.createdAt,
        ordering_key: key,
        lease_owner: claim?.owner ?? null,
      });
      if (claim) appending.took(claimRow(id, e, ep));
      else if (!held) appending.left++; // a held one is not due: no claim to wake for it
      n++;
    }
    out.push({ event: { ...e, orderingKey: e.orderingKey ?? null }, created: true, deliveries: n });
  }
  return out;
}

function claimRow(id: DeliveryId, e: NewEvent, ep: FanoutEndpoint): ClaimRow {
  return {
    id,
    event_id: e.id,
    event_type: e.type,
    attempts: 0,
    endpoint_id: ep.id as EndpointId,
    merchant_id: e.merchantId,
    body: e.body,
    event_created_at: e.createdAt,
    url: ep.url,
    headers: ep.headers,
    format: ep.format,
    api_version: ep.api_version,
    payload_style: ep.payload_style,
    timeout_ms: ep.timeout_ms,
    traceparent: e.traceparent ?? null,
    ordering_key: null,
    retry_schedule: ep.retry_schedule,
    circuit_dirty: 0,
  };
}

export async function getEvent(c: SqliteCore, merchantId: string, id: string): Promise<EventRecord | null> {
  const row = c.stmt('event_get').get({ merchant_id: merchantId, id }) as EventRow | undefined;
  return row ? toEvent(row) : null;
}

export async function listEvents(c: SqliteCore, f: EventFilter): Promise<Page<EventRecord>> {
  const order = f.order ?? 'desc';
  const cursor = decodeCursor(f.cursor);
  let lo = f.afterId ?? ID_MIN;
  let hi = f.beforeId ?? ID_MAX;
  if (cursor !== null) {
    if (order === 'asc') lo = cursor > lo ? cursor : lo;
    else hi = cursor < hi ? cursor : hi;
  }
  const rows = c.stmt(order === 'asc' ? 'event_page_asc' : 'event_page_desc').all({
    merchant_id: f.merchantId,
    lo,
    hi,
    types: f.types?.length ? JSON.stringify(f.types) : null,
    limit: f.limit + 1,
  }) as EventRow[];
  return toPage(rows.map(toEvent), f.limit);
}
