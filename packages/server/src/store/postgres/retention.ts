/**
 * Retention on PostgreSQL: events, deliveries and attempts live in day partitions (migration 0007), so
 * a finished day is dropped whole (sql/retention.sql, drop_day_partition) instead of deleted row by
 * row; the row-wise prune (sql/events.sql events_prune) is left with the default partitions and days
 * that still had a pending delivery when their turn came. Idempotency keys and resends are plain tables:
 * their rows for dropped days go in batches afterwards (pruneOrphans).
 */
import { idFloor } from '../../ids.js';
import type { PartitionDrop, PruneCounts } from '../types.js';
import type { PostgresCore } from './core.js';

export const DAY_MS = 86_400_000;

/** The start of the UTC day holding `ms`. */
export function dayStart(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** `YYYYMMDD` → the day's start in unix ms. */
function dayOf(suffix: string): number {
  return Date.UTC(Number(suffix.slice(0, 4)), Number(suffix.slice(4, 6)) - 1, Number(suffix.slice(6, 8)));
}

export async function pruneEvents(c: PostgresCore, before: number, limit: number): Promise<PruneCounts> {
  // Rounded down to a partition boundary: the rest of the day goes with its partition, not row by row.
  const [row] = await c.db.run<PruneCounts>(
    'events_prune',
    { below: idFloor('evt', dayStart(before)), limit },
    { idempotent: true },
  );
  return row;
}

export async function dropPartitions(c: PostgresCore, before: number): Promise<PartitionDrop[]> {
  const days = await c.db.run<{ day: string }>('partitions_list', {}, { idempotent: true });
  const out: PartitionDrop[] = [];
  for (const { day } of days) {
    if (dayOf(day) + DAY_MS > before) break;
    // Deliveries first: their partition is where the pending check is. Then the day's attempts and
    // events, each its own transaction (see drop_day_partition). A day whose deliveries went but whose
    // attempts or events did not (a lock timeout) is finished by the next run.
    const drop = async (table: 'events' | 'deliveries' | 'attempts') => {
      const [r] = await c.db.run<{ dropped: boolean; n: number }>(
        'partition_drop',
        { table, day },
        { idempotent: true },
      );
      return r;
    };
    const deliveries = await drop('deliveries');
    if (!deliveries.dropped) {
      out.push({ day, dropped: false, events: 0, deliveries: 0, attempts: 0 });
      continue;
    }
    const attempts = await drop('attempts');
    const events = await drop('events');
    out.push({ day, dropped: true, events: events.n, deliveries: deliveries.n, attempts: attempts.n });
  }
  return out;
}

export async function preparePartitions(c: PostgresCore, from: number, to: number): Promise<number> {
  const [row] = await c.db.run<{ made: number }>('partitions_ensure', { from, to }, { idempotent: true });
  return row.made;
}

export async function pruneOrphans(c: PostgresCore, before: number, limit: number): Promise<number> {
  const [row] = await c.db.run<{ keys: number; resends: number }>(
    'prune_orphans',
    { below: idFloor('evt', dayStart(before)), limit },
    { idempotent: true },
  );
  return row.keys + row.resends;
}
