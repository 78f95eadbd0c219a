/**
 * Retention on SQLite: one batch of old finished events deleted with their deliveries, attempts and
 * resends in one short transaction. An embedded file has no partitions, so the partition operations
 * do nothing here. Events are picked by id (ids sort by time, the primary key walks them oldest first),
 * so a batch reads only the rows it removes and the pending check of each.
 */
import { idFloor } from '../../ids.js';
import type { PartitionDrop, PruneCounts } from '../types.js';
import type { SqliteCore } from './core.js';

export async function pruneEvents(c: SqliteCore, before: number, limit: number): Promise<PruneCounts> {
  return c.transaction(() => {
    const picked = c
      .stmt('prune_pick_events')
      .pluck()
      .all({ below: idFloor('evt', before), limit }) as string[];
    if (picked.length === 0) return { events: 0, deliveries: 0, attempts: 0 };
    const ids = JSON.stringify(picked);
    const attempts = c.stmt('prune_attempts').run({ ids }).changes;
    const deliveries = c.stmt('prune_deliveries').run({ ids }).changes;
    c.stmt('prune_resends').run({ ids });
    const events = c.stmt('prune_events').run({ ids }).changes;
    return { events, deliveries, attempts };
  });
}

export async function dropPartitions(_c: SqliteCore, _before: number): Promise<PartitionDrop[]> {
  return [];
}

export async function preparePartitions(_c: SqliteCore, _from: number, _to: number): Promise<number> {
  return 0;
}

export async function pruneOrphans(_c: SqliteCore, _before: number, _limit: number): Promise<number> {
  return 0;
}
