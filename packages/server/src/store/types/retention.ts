/**
 * The Store's retention: what is older than PAYHOOK_RETENTION_DAYS goes, in pieces small enough that
 * delivery never waits behind it (retention/pruner.ts runs them). PostgreSQL keeps events, deliveries
 * and attempts in day partitions and drops a finished day whole; SQLite, and PostgreSQL rows that no
 * droppable day holds, are deleted in batches.
 */

/** Rows removed by one prune step. */
export interface PruneCounts {
  events: number;
  deliveries: number;
  attempts: number;
}

/** One day partition looked at by `dropPartitions`. */
export interface PartitionDrop extends PruneCounts {
  /** The UTC day, `YYYYMMDD`. */
  day: string;
  /** False when one of its deliveries is still pending: it stays, and is looked at again next time. */
  dropped: boolean;
}

export interface RetentionStore {
  /**
   * Removes up to `limit` events older than `before` none of whose deliveries is pending (an event
   * still being delivered or retried is never removed), with all their deliveries, attempts, resends
   * and idempotency keys, in one short transaction. On PostgreSQL `before` is first rounded down to
   * the start of its UTC day, so rows the next day's partition drop will take are not deleted one by one.
   */
  pruneEvents(before: number, limit: number): Promise<PruneCounts>;
  /**
   * PostgreSQL: drops the day partitions that end at or before `before` and hold no pending delivery,
   * oldest first; a day whose tables are locked by a long reader is left for the next run (an error).
   * SQLite: nothing (`[]`).
   */
  dropPartitions(before: number): Promise<PartitionDrop[]>;
  /** PostgreSQL: makes the missing day partitions for [from, to); returns how many tables. SQLite: 0. */
  preparePartitions(from: number, to: number): Promise<number>;
  /**
   * PostgreSQL: after partitions were dropped, removes up to `limit` idempotency keys and resends of
   * events before `before` that are gone; returns how many rows. SQLite: 0 (its prune takes them along).
   */
  pruneOrphans(before: number, limit: number): Promise<number>;
}
