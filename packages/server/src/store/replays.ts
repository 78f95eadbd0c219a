/**
 * What both backends share about replays: the id bounds of a window (events_by_merchant is read by id;
 * the window is by created_at), the steps of a batch, and the mapping of a replay row to the Store's
 * record.
 *
 * A batch, run by each store in one transaction of its own:
 *   1. the worker still holds the replay (replay_held / replay_lock), or nothing happens: its lease is over
 *   2. the endpoint is there and enabled, or the replay ends `failed` (`batchEndpoint`)
 *   3. the next `limit` events of the window after the cursor (`windowParams`) are re-queued
 *   4. the progress is stored (`progressParams`): the cursor at the last event, `completed` on a short batch
 * The loop itself stays in each backend: SQLite's transactions are synchronous (better-sqlite3) and
 * PostgreSQL's asynchronous, and steps 3 differ (a statement an event vs one batched statement).
 */
import { idFloor, type EndpointId, type MerchantId, type ReplayId } from '../ids.js';
import type { LeasedReplay, NewReplay, Replay, ReplayRecipients, ReplayState, ReplayStatusFilter } from './types.js';

/** An event's id and its created_at may differ by the time between making one and the other. */
const SKEW_MS = 60_000;

export function windowIds(since: number, until: number): { lo: string; hi: string } {
  return { lo: idFloor('evt', Math.max(0, since - SKEW_MS)), hi: idFloor('evt', until + SKEW_MS) };
}

/**
 * The parameters of replay_count and replay_events that both dialects take alike: the window, from after
 * `cursor` (a batch's, the last event id handled) when given. (`types`, and SQLite's `filter`, differ in
 * form: each store adds its own.)
 */
export function windowParams(r: NewReplay | Replay, cursor = '') {
  const { lo, hi } = windowIds(r.since, r.until);
  return {
    merchant_id: r.merchantId,
    endpoint_id: r.endpointId,
    after: cursor > lo ? cursor : lo,
    hi,
    since: r.since,
    until: r.until,
    status_filter: r.status,
    recipients: r.recipients,
  };
}

/** The endpoint a batch re-queues for, or the `error` that ends the replay: it is gone or disabled. */
export function batchEndpoint<E extends { disabled: unknown }>(
  endpoint: E | undefined,
): { endpoint: E } | { error: string } {
  if (!endpoint) return { error: 'the endpoint was deleted' };
  return endpoint.disabled ? { error: 'the endpoint is disabled' } : { endpoint };
}

/** How a batch went: the `events` it read (at most `limit`), of which it re-queued `requeued`; or the `error` that stopped it. */
export type BatchOutcome =
  | { events: readonly { event_id: string }[]; limit: number; requeued: number }
  | { error: string };

/** The replay_progress parameters after a batch. */
export function progressParams(r: LeasedReplay, now: number, leaseMs: number, batch: BatchOutcome) {
  const stopped = 'error' in batch;
  const events = stopped ? [] : batch.events;
  const state = stopped ? 'failed' : events.length < batch.limit ? 'completed' : 'running';
  return {
    id: r.id,
    owner: r.owner,
    cursor: events.length > 0 ? events[events.length - 1].event_id : r.cursor,
    handled: events.length,
    requeued: stopped ? 0 : batch.requeued,
    state,
    error: stopped ? batch.error : null,
    now,
    lease_until: state === 'running' ? now + leaseMs : null,
  };
}

export interface ReplayRow {
  id: ReplayId;
  merchant_id: MerchantId;
  endpoint_id: EndpointId;
  since: number | string;
  until: number | string;
  types: string | string[] | null;
  status_filter: ReplayStatusFilter;
  recipients: ReplayRecipients;
  state: ReplayState;
  total: number;
  done: number;
  requeued: number;
  cursor: string;
  lease_owner: string | null;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
  completed_at: number | string | null;
}

export function toReplay(r: ReplayRow): Replay {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    endpointId: r.endpoint_id,
    since: Number(r.since),
    until: Number(r.until),
    types: r.types === null ? null : typeof r.types === 'string' ? (JSON.parse(r.types) as string[]) : r.types,
    status: r.status_filter,
    recipients: r.recipients,
    state: r.state,
    total: Number(r.total),
    done: Number(r.done),
    requeued: Number(r.requeued),
    error: r.error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    completedAt: r.completed_at === null ? null : Number(r.completed_at),
  };
}

export function toLeased(r: ReplayRow, owner: string): LeasedReplay {
  return { ...toReplay(r), owner, cursor: r.cursor };
}
