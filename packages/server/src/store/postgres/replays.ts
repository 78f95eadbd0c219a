/** Replays on PostgreSQL (sql/replays.sql): created with their total, leased, run one batch a transaction. */
import { idFloor } from '../../ids.js';
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
import type { PostgresCore } from './core.js';
import type { EndpointRow } from './rows.js';

/** replay_count's and replay_events' parameters: the window and the types (the filter is read from the endpoint's row). */
function windowArgs(r: NewReplay | LeasedReplay, cursor?: string) {
  return { ...windowParams(r, cursor), types: r.types };
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
      const progress = async (batch: BatchOutcome) => {
        const [row] = await tx.run<ReplayRow>('replay_progress', progressParams(r, now, leaseMs, batch));
        return row;
      };
      const [endpoint] = await tx.run<EndpointRow>('endpoint_get', { merchant_id: r.merchantId, id: r.endpointId });
      const found = batchEndpoint(endpoint);
      if ('error' in found) return { row: await progress(found), requeued: 0 };
      const rows = await tx.run<{ event_id: string; delivery_id: string | null }>('replay_events', {
        ...windowArgs(r, r.cursor),
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
        if (requeued > 0) c.forgetClaimFloor();
        if (requeued > 0 && channel) await tx.run('notify_due', { channel });
      }
      return { row: await progress({ events: rows, limit, requeued }), requeued };
    },
    { idempotent: false },
  );
  if (!out) return null;
  if (out.requeued > 0) c.wakeups.madeDue(channel !== null);
  return toLeased(out.row, r.owner);
}
