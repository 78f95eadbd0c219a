/**
 * What both backends share about replays: the id bounds of a window (events_by_merchant is read by id;
 * the window is by created_at), and the mapping of a replay row to the Store's record.
 */
import { idFloor, type EndpointId, type MerchantId, type ReplayId } from '../ids.js';
import type { LeasedReplay, Replay, ReplayRecipients, ReplayState, ReplayStatusFilter } from './types.js';

/** An event's id and its created_at may differ by the time between making one and the other. */
const SKEW_MS = 60_000;

export function windowIds(since: number, until: number): { lo: string; hi: string } {
  return { lo: idFloor('evt', Math.max(0, since - SKEW_MS)), hi: idFloor('evt', until + SKEW_MS) };
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
