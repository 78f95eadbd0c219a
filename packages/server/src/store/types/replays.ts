/**
 * The Store's replays: a bulk re-send of an endpoint's events in a time window
 * (`POST /v1/endpoints/{id}/replay`), run in batches by a background worker under a lease, so a crash
 * or another process resumes it where it stopped.
 */
import type { EndpointId, MerchantId, ReplayId } from '../../ids.js';

export type ReplayState = 'queued' | 'running' | 'completed' | 'failed';
/** `failed`: only events whose delivery to the endpoint failed; `all`: every event of the window. */
export type ReplayStatusFilter = 'failed' | 'all';
/**
 * `original`: events the endpoint had a delivery for (that delivery is made due again); `current`:
 * events of the window that match the endpoint's filter now (a delivery is made where it had none).
 */
export type ReplayRecipients = 'original' | 'current';

export interface Replay {
  id: ReplayId;
  merchantId: MerchantId;
  endpointId: EndpointId;
  /** Events created at or after `since` and before `until`. */
  since: number;
  until: number;
  /** Event type names and `prefix.*` wildcards; null for every type. */
  types: string[] | null;
  status: ReplayStatusFilter;
  recipients: ReplayRecipients;
  state: ReplayState;
  /** The events of the window that match, counted when the replay was created. */
  total: number;
  /** How many of them have been handled; `total` once completed. */
  done: number;
  /** Deliveries made due (or made) by it so far. */
  requeued: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}

export interface NewReplay {
  id: ReplayId;
  merchantId: MerchantId;
  endpointId: EndpointId;
  since: number;
  until: number;
  types: string[] | null;
  status: ReplayStatusFilter;
  recipients: ReplayRecipients;
  now: number;
}

/** A replay leased to one worker, with what it needs to run its next batch. */
export interface LeasedReplay extends Replay {
  owner: string;
  /** The last event id handled ('' before the first batch). */
  cursor: string;
}

export interface ReplayStore {
  /** Stores a queued replay with its `total` counted; null when the merchant has no such endpoint. */
  createReplay(replay: NewReplay): Promise<Replay | null>;
  getReplay(merchantId: MerchantId, id: ReplayId): Promise<Replay | null>;
  /**
   * Leases one queued or running replay whose lease is free or has ended to `owner` until
   * `now + leaseMs`; null when there is none.
   */
  leaseReplay(owner: string, now: number, leaseMs: number): Promise<LeasedReplay | null>;
  /**
   * Runs the next batch of a leased replay in one transaction: makes due (or makes) the deliveries of
   * up to `limit` events after its cursor, moves the cursor, and extends the lease to `now + leaseMs`;
   * completes the replay when the window is exhausted, or fails it when its endpoint is gone. Null when
   * `owner` no longer holds the lease (nothing is done).
   */
  runReplayBatch(replay: LeasedReplay, limit: number, now: number, leaseMs: number): Promise<LeasedReplay | null>;
}
