/**
 * Ordered delivery on PostgreSQL (sql/ordering.sql): settling keyed results (hold, promote the next),
 * skipping by hand, the sweep of parked deliveries, and what an endpoint's ordering change does.
 */
import type { AttemptResult, EndpointPatch, SkipOutcome } from '../types.js';
import type { PostgresCore } from './core.js';
import type { Tx } from './db.js';
import { toDelivery, type DeliveryRow, type EndpointRow } from './rows.js';

/** The finished results of ordered deliveries: those whose key may now move on. */
export function settledOrdered(results: readonly AttemptResult[]): string[] {
  return results.filter((r) => r.orderingKey && r.outcome !== 'retry').map((r) => r.deliveryId);
}

/** After results_record, in its transaction: hold failed ones, promote the next of each key. */
export async function settleOrdered(
  tx: Tx,
  ids: readonly string[],
  now: number,
  channel: string | null,
): Promise<{ n: number; notified: number }> {
  const [row] = await tx.run<{ n: number; notified: number }>('ordering_settle', { ids: [...ids], now, channel });
  return row;
}

/** An endpoint's ordering settings changed (inside updateEndpoint's transaction). */
export async function applyOrderingPatch(
  tx: Tx,
  endpointId: string,
  before: EndpointRow,
  patch: EndpointPatch,
  now: number,
): Promise<void> {
  const ordered = patch.ordered ?? before.ordered;
  const onFailure = patch.orderingOnFailure ?? before.ordering_on_failure;
  await tx.run('endpoint_ordering_set', { id: endpointId, ordered, ordering_on_failure: onFailure });
  if (before.ordered && !ordered) await tx.run('ordering_release_endpoint', { endpoint_id: endpointId, now });
  else if (before.ordering_on_failure === 'hold' && onFailure === 'skip') {
    await tx.run('ordering_release_held', { endpoint_id: endpointId });
    await tx.run('ordering_unpark_endpoint', { endpoint_id: endpointId, now });
  }
}

export async function skipDelivery(c: PostgresCore, merchantId: string, id: string, now: number): Promise<SkipOutcome> {
  const channel = c.wakeups.channelForTransaction();
  const out = await c.db.transaction(
    async (tx) => {
      const [row] = await tx.run<DeliveryRow & { changed: boolean }>('delivery_skip', {
        merchant_id: merchantId,
        id,
        now,
      });
      if (!row?.changed) return { row, promoted: { n: 0, notified: 0 } };
      return { row, promoted: await settleOrdered(tx, [id], now, channel) };
    },
    { idempotent: false },
  );
  if (out.promoted.n > 0) c.wakeups.madeDue(out.promoted.notified > 0);
  if (!out.row) return null;
  return { skipped: out.row.changed, delivery: toDelivery(out.row) };
}

export async function unparkOrdered(c: PostgresCore, since: number, now: number): Promise<number> {
  const [row] = await c.db.run<{ n: number }>('ordering_unpark', { since, now }, { idempotent: true });
  if (row.n > 0) c.wakeups.madeDue(false);
  return row.n;
}
