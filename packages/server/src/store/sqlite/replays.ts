/** Replays on SQLite (sql/replays.sql): created with their total, leased, run one batch a transaction. */
import { newId } from '../../ids.js';
import {
  batchEndpoint,
  type BatchOutcome,
  progressParams,
  toLeased,
  toReplay,
  windowParams,
  type ReplayRow,
} from '../replays.js';
import type { LeasedReplay, NewReplay, Replay } from '../types.js';
import type { SqliteCore } from './core.js';
import type { EndpointRow } from './rows.js';

/**
 * replay_count's and replay_events' parameters: the window (after `cursor`), the types and the endpoint's
 * filter as JSON.
 */
function windowArgs(r: NewReplay | LeasedReplay, filter: string | null, cursor?: string) {
  return { ...windowParams(r, cursor), types: r.types === null ? null : JSON.stringify(r.types), filter };
}

export async function createReplay(c: SqliteCore, r: NewReplay): Promise<Replay | null> {
  const row = c.transaction(() => {
    const ep = c.stmt('endpoint_get').get({ merchant_id: r.merchantId, id: r.endpointId }) as EndpointRow | undefined;
    if (!ep) return undefined;
    const { n } = c.stmt('replay_count').get(windowArgs(r, ep.event_types)) as { n: number };
    c.stmt('replay_insert').run({
      id: r.id,
      merchant_id: r.merchantId,
      endpoint_id: r.endpointId,
      since: r.since,
      until: r.until,
      types: r.types === null ? null : JSON.stringify(r.types),
      status_filter: r.status,
      recipients: r.recipients,
      total: n,
      now: r.now,
    });
    return c.stmt('replay_get').get({ merchant_id: r.merchantId, id: r.id }) as ReplayRow;
  });
  return row ? toReplay(row) : null;
}

export async function getReplay(c: SqliteCore, merchantId: string, id: string): Promise<Replay | null> {
  const row = c.stmt('replay_get').get({ merchant_id: merchantId, id }) as ReplayRow | undefined;
  return row ? toReplay(row) : null;
}

export async function leaseReplay(
  c: SqliteCore,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<LeasedReplay | null> {
  const row = c.stmt('replay_lease').get({ owner, now, until: now + leaseMs }) as ReplayRow | undefined;
  return row ? toLeased(row, owner) : null;
}

export async function runReplayBatch(
  c: SqliteCore,
  r: LeasedReplay,
  limit: number,
  now: number,
  leaseMs: number,
): Promise<LeasedReplay | null> {
  const out = c.transaction(() => {
    if (!c.stmt('replay_held').get({ id: r.id, owner: r.owner })) return null;
    const progress = (batch: BatchOutcome) =>
      c.stmt('replay_progress').get(progressParams(r, now, leaseMs, batch)) as ReplayRow;
    const found = batchEndpoint(
      c.stmt('endpoint_get').get({ merchant_id: r.merchantId, id: r.endpointId }) as EndpointRow | undefined,
    );
    if ('error' in found) return { row: progress(found) };
    const ep = found.endpoint;
    const rows = c.stmt('replay_events').all({ ...windowArgs(r, ep.event_types, r.cursor), limit }) as {
      event_id: string;
      type: string;
      ordering_key: string | null;
      delivery_id: string | null;
    }[];
    let requeued = 0;
    for (const e of rows) {
      if (e.delivery_id !== null) {
        requeued += c.stmt('replay_reopen').run({ id: e.delivery_id, now }).changes;
        continue;
      }
      c.stmt('delivery_insert').run({
        id: newId('del', now),
        event_id: e.event_id,
        endpoint_id: r.endpointId,
        merchant_id: r.merchantId,
        event_type: e.type,
        now,
        due: now,
        ordering_key: ep.ordered ? e.ordering_key : null,
        lease_owner: null,
      });
      requeued++;
    }
    return { row: progress({ events: rows, limit, requeued }), requeued };
  });
  if (!out) return null;
  if (out.requeued) c.notifyDue();
  return toLeased(out.row, r.owner);
}
