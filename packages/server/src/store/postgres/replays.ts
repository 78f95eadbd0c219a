/** Replays on PostgreSQL (sql/replays.sql): created with their total, leased, run one batch a transaction. */
import { idFloor } from '../../ids.js';
import { toLeased, toReplay, windowIds, type ReplayRow } from '../replays.js';
import type { LeasedReplay, NewReplay, Replay } from '../types.js';
import type { PostgresCore } from './core.js';
import type { EndpointRow } from './rows.js';

function windowArgs(r: NewReplay | LeasedReplay) {
  const { lo, hi } = windowIds(r.since, r.until);
  return {
    merchant_id: r.merchantId,
    endpoint_id: r.endpointId,
    after: lo,
    hi,
    since: r.since,
    until: r.until,
    types: r.types,
    status_filter: r.status,
    recipients: r.recipients,
  };
}

export async function createReplay(c: PostgresCore, r: NewReplay): Promise<Replay | null> {
  const row = await c.db.transaction(
    async (tx) => {
      const [ep] = await tx.run<EndpointRow>('endpoint_get', { merchant_id: r.merchantId, id: r.endpointId });
      if (!ep) return undefined;
      const [{ n }] = await tx.run<{ n: number }>('replay_count', windowArgs(r));
      const [inserted] = await tx.run<ReplayRow>('replay_insert', {
        id: r.id,
        merchant_id: r.merchantId,
        endpoint_id: r.endpointId,
        since: r.since,
        until: r.until,
        types: r.types,
        status_filter: r.status,
        recipients: r.recipients,
        total: n,
        now: r.now,
      });
      return inserted;
    },
    { idempotent: false },
  );
  return row ? toReplay(row) : null;
}

export async function getReplay(c: PostgresCore, merchantId: string, id: string): Promise<Replay | null> {
  const [row] = await c.db.run<ReplayRow>('replay_get', { merchant_id: merchantId, id }, { idempotent: true });
  return row ? toReplay(row) : null;
}

export async function leaseReplay(
  c: PostgresCore,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<LeasedReplay | null> {
  const [row] = await c.db.run<ReplayRow>('replay_lease', { owner, now, until: now + leaseMs }, { idempotent: false });
  return row ? toLeased(row, owner) : null;
}

export async function runReplayBatch(
  c: PostgresCore,
  r: LeasedReplay,
  limit: number,
  now: number,
  leaseMs: number,
): Promise<LeasedReplay | null> {
  const channel = c.wakeups.channelForTransaction();
  const out = await c.db.transaction(
    async (tx) => {
      const [held] = await tx.run('replay_lock', { id: r.id, owner: r.owner });
      if (!held) return null;
      const progress = async (
        cursor: string,
        handled: number,
        requeued: number,
        state: string,
        error: string | null,
      ) => {
        const [row] = await tx.run<ReplayRow>('replay_progress', {
          id: r.id,
          owner: r.owner,
          cursor,
          handled,
          requeued,
          state,
          error,
          now,
          lease_until: state === 'running' ? now + leaseMs : null,
        });
        return row;
      };
      const [ep] = await tx.run<EndpointRow>('endpoint_get', { merchant_id: r.merchantId, id: r.endpointId });
      if (!ep || ep.disabled) {
        const error = ep ? 'the endpoint is disabled' : 'the endpoint was deleted';
        return { row: await progress(r.cursor, 0, 0, 'failed', error), requeued: 0 };
      }
      const args = windowArgs(r);
      if (r.cursor > args.after) args.after = r.cursor;
      const rows = await tx.run<{ event_id: string; delivery_id: string | null }>('replay_events', {
        ...args,
        limit,
      });
      let requeued = 0;
      if (rows.length > 0) {
        const [applied] = await tx.run<{ n: number }>('replay_apply', {
          reopen: rows.filter((e) => e.delivery_id !== null).map((e) => e.delivery_id),
          event_ids: rows.filter((e) => e.delivery_id === null).map((e) => e.event_id),
          endpoint_id: r.endpointId,
          merchant_id: r.merchantId,
          delivery_prefix: idFloor('del', now).slice(0, 14),
          now,
        });
        requeued = applied.n;
        if (requeued > 0 && channel) await tx.run('notify_due', { channel });
      }
      const cursor = rows.length > 0 ? rows[rows.length - 1].event_id : r.cursor;
      const state = rows.length < limit ? 'completed' : 'running';
      return { row: await progress(cursor, rows.length, requeued, state, null), requeued };
    },
    { idempotent: false },
  );
  if (!out) return null;
  if (out.requeued > 0) c.wakeups.madeDue(channel !== null);
  return toLeased(out.row, r.owner);
}
