/**
 * Apply payment events in order, per order.
 *
 * Webhooks can arrive out of order: a retried `transaction.delayed` (sequence 2) may land after
 * `order.success` (sequence 4). Every payment event carries the whole current state of its order and a
 * per-order `sequence` that strictly increases, so the rule is simple: apply an event only if its sequence
 * is greater than the last one applied for that order, and ignore it (answer 2xx, it is not an error)
 * otherwise. Nothing is lost by skipping: the newer event already carried everything the older one had.
 *
 * `apply` serialises handlers of one order within the process, checks the last applied sequence, runs
 * the handler, and records the sequence only after the handler succeeded (a failed handler leaves the
 * order as it was, so the retry applies it). With several receiver processes, two of them can still
 * handle two events of one order at the same moment; then make the write itself conditional too, e.g.
 * `UPDATE orders SET status = ?, sequence = ? WHERE id = ? AND sequence < ?`.
 */
/**
 * Where the last applied sequence per order lives. `memorySequenceStore` and `sqliteSequenceStore` are
 * provided; any store with an atomic "set if greater" works.
 *
 * @example
 * const store: SequenceStore = memorySequenceStore();
 */
export interface SequenceStore {
  /** The last sequence applied for `key`, or undefined when none was. */
  get(key: string): number | undefined | Promise<number | undefined>;
  /** Atomically raises the stored sequence for `key` to `sequence` if it is greater; returns whether it did. */
  advance(key: string, sequence: number): boolean | Promise<boolean>;
}

/**
 * What `apply` did. `stale` means a newer (or the same) event for this order was already applied, so the
 * handler did not run: acknowledge the webhook with 2xx.
 *
 * @example
 * const r: ApplyResult<void> = await ordering.apply(event, save);
 * if (r.status === 'stale') console.log(`ignored ${r.sequence}, already at ${r.lastSequence}`);
 */
export type ApplyResult<T> =
  | { status: 'applied'; sequence: number; result: T }
  | { status: 'stale'; sequence: number; lastSequence: number };

/**
 * The minimal event `apply` takes: any payment event, or anything else with an order id and a sequence.
 *
 * @example
 * const e: SequencedEvent = { data: { order_id: 'ord_1', sequence: 3 } };
 */
export type SequencedEvent = { data: { order_id: string; sequence: number } };

/**
 * Options of `createOrdering`.
 *
 * @example
 * createOrdering({ store: memorySequenceStore() });
 */
export interface OrderingOptions {
  store: SequenceStore;
}

/**
 * Applies events only when newer than the last one applied for their order.
 *
 * @example
 * const r = await ordering.apply(event, (e) => db.saveOrder(e.data));
 */
export interface Ordering {
  apply<E extends SequencedEvent, T>(event: E, handler: (event: E) => T | Promise<T>): Promise<ApplyResult<T>>;
  /** The last applied sequence of an order, or undefined. */
  lastSequence(orderId: string): Promise<number | undefined>;
}

/**
 * Creates the ordering helper over a store.
 *
 * @example
 * const ordering = createOrdering({ store: sqliteSequenceStore(db) });
 * app.post('/webhooks', expressWebhook(secret, async (event) => {
 *   if (!isPaymentEvent(event)) return;
 *   await ordering.apply(event, (e) => saveOrderStatus(e.data.order_id, e.data.order_status));
 * }));
 */
export function createOrdering(options: OrderingOptions): Ordering {
  const { store } = options;
  if (!store || typeof store.advance !== 'function') throw new TypeError('createOrdering needs a store');
  // Per-order queue of handlers in this process: each waits for the previous one of the same order.
  const tails = new Map<string, Promise<void>>();

  async function serially<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const previous = tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      done();
      if (tails.get(key) === tail) tails.delete(key);
    }
  }

  return {
    async apply<E extends SequencedEvent, T>(event: E, handler: (event: E) => T | Promise<T>): Promise<ApplyResult<T>> {
      const data = (event as { data?: { order_id?: unknown; sequence?: unknown } } | null)?.data;
      const key = data?.order_id;
      const sequence = data?.sequence;
      if (typeof key !== 'string' || key === '' || !Number.isSafeInteger(sequence)) {
        throw new TypeError(
          'ordering.apply needs an event with data.order_id (string) and data.sequence (integer): a payment event',
        );
      }
      return serially(key, async () => {
        const last = await store.get(key);
        if (last !== undefined && (sequence as number) <= last) {
          return { status: 'stale', sequence: sequence as number, lastSequence: last };
        }
        const result = await handler(event);
        await store.advance(key, sequence as number);
        return { status: 'applied', sequence: sequence as number, result };
      });
    },
    async lastSequence(orderId: string): Promise<number | undefined> {
      return store.get(orderId);
    },
  };
}

/**
 * Creates an in-memory sequence store (one process; forgotten on restart).
 *
 * @example
 * const ordering = createOrdering({ store: memorySequenceStore() });
 */
export function memorySequenceStore(): SequenceStore {
  const last = new Map<string, number>();
  return {
    get: (key) => last.get(key),
    advance(key, sequence) {
      const current = last.get(key);
      if (current !== undefined && current >= sequence) return false;
      last.set(key, sequence);
      return true;
    },
  };
}
