/**
 * An in-memory idempotency store: for one process, tests, and receivers whose duplicates only matter
 * within a process lifetime. Use `sqliteIdempotencyStore` (or your own) when several processes share
 * the work or a restart must not forget handled ids.
 */
import type { ClaimState, IdempotencyStore } from './index.js';

interface Entry {
  state: 'in_flight' | 'done';
  token: string | null;
  expiresAt: number;
}

/**
 * Options of `memoryIdempotencyStore`.
 *
 * @example
 * memoryIdempotencyStore({ maxEntries: 100_000 });
 */
export interface MemoryIdempotencyStoreOptions {
  /**
   * Upper bound on remembered ids; past it the oldest are forgotten first (default 1,000,000). A bound
   * keeps a long-running process from growing without limit under a flood of distinct ids.
   */
  maxEntries?: number;
}

/**
 * Creates an in-memory store. Records expire by the times `createIdempotency` passes (its TTL and lease);
 * expired records are swept as new ids arrive, at a cost amortised to O(1) per claim.
 *
 * @example
 * const idempotency = createIdempotency({ store: memoryIdempotencyStore() });
 */
export function memoryIdempotencyStore(
  options: MemoryIdempotencyStoreOptions = {},
): IdempotencyStore & { readonly size: number } {
  const maxEntries = options.maxEntries ?? 1_000_000;
  const entries = new Map<string, Entry>();
  let claimsSinceSweep = 0;

  function sweepExpired(now: number): void {
    for (const [id, e] of entries) if (e.expiresAt <= now) entries.delete(id);
  }

  function enforceBound(): void {
    // Map iteration is insertion order and entries are re-inserted on completion, so the first keys
    // are the least recently touched: forget those first.
    for (const id of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(id);
    }
  }

  return {
    get size() {
      return entries.size;
    },
    claim(id: string, token: string, leaseUntil: number, now: number): ClaimState {
      // Sweep once the number of claims since the last sweep reaches the map size: O(1) amortised.
      if (++claimsSinceSweep >= Math.max(1024, entries.size)) {
        sweepExpired(now);
        claimsSinceSweep = 0;
      }
      const e = entries.get(id);
      if (e && e.expiresAt > now) return e.state;
      entries.delete(id);
      entries.set(id, { state: 'in_flight', token, expiresAt: leaseUntil });
      if (entries.size > maxEntries) enforceBound();
      return 'claimed';
    },
    complete(id: string, token: string, expiresAt: number): boolean {
      const e = entries.get(id);
      if (e?.state !== 'in_flight' || e.token !== token) return false;
      entries.delete(id);
      entries.set(id, { state: 'done', token: null, expiresAt });
      return true;
    },
    release(id: string, token: string): void {
      const e = entries.get(id);
      if (e && e.state === 'in_flight' && e.token === token) entries.delete(id);
    },
  };
}
