/** Replays on SQLite (sql/replays.sql): created with their total, leased, run one batch a transaction. */
import { newId } from '../../ids.js';
import { toLeased, toReplay, windowIds, type ReplayRow } from '../replays.js';
import type { LeasedReplay, NewReplay, Replay } from '../types.js';
import type { SqliteCore } from './core.js';
import type { EndpointRow } from './rows.js';

function windowArgs(r: NewReplay | LeasedReplay, filter: string | null) {
  const { lo, hi } = windowIds(r.since, r.until);
  return {
    merchant_id: r.merchantId,
    endpoint_id: r.endpointId,
    after: lo,
    hi,
    since: r.since,
    until: r.until,
    types: r.types === null ? null : JSON.stringify(r.types),
    filter,
    status_filter: r.status,
    recipients: r.recipients,
  };
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
    const progress = (cursor: string, handled: number, requeued: number, state: string, error: string | null) =>
      c.stmt('replay_progress').get({
        id: r.id,
        owner: r.owner,
        cursor,
        handled,
        requeued,
        state,
        error,
        now,
        lease_until: state === 'running' ? now + leaseMs : null,
      }) as ReplayRow;
    const ep = c.stmt('endpoint_get').get({ merchant_id: r.merchantId, id: r.endpointId }) as EndpointRow | undefined;
    if (!ep || ep.disabled) {
      return { row: progress(r.cursor, 0, 0, 'failed', ep ? 'the endpoint is disabled' : 'the endpoint was deleted') };
    }
    const args = windowArgs(r, ep.event_types);
    if (r.cursor > args.after) args.after = r.cursor;
    const rows = c.stmt('replay_events').all({ ...args, limit }) as {
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
      });
      requeued++;
    }
    const cursor = rows.length > 0 ? rows[rows.length - 1].event_id : r.cursor;
    return {
      row: progress(cursor, rows.length, requeued, rows.length < limit ? 'completed' : 'running', null),
      requeued,
    };
  });
  if (!out) return null;
  if (out.requeued) c.notifyDue();
  return toLeased(out.row, r.owner);
}
