/**
 * Run a webhook handler at most once per `webhook-id`.
 *
 * payhook delivers at least once: a retry after a timeout, a crash of payhook mid-request, or a manual
 * retry can all deliver the same event again, sometimes while the first delivery is still being handled.
 *
 * The contract of `run(webhookId, handler)`, per id:
 *
 *     (unknown) --claim--> in_flight --handler resolves--> done  (kept ttlMs, then forgotten)
 *                             |
 *                             +--handler throws--> (unknown)     (released: a retry runs it again)
 *                             +--leaseMs passes--> (unknown)     (the process died: a retry runs it again)
 *
 * - First call: claims the id, runs the handler, records it done, returns `{ status: 'processed', result }`.
 * - A call while another is in flight (same process, or another process sharing the store): throws
 *   `DuplicateInFlightError` at once, without waiting. Answer 409; payhook retries later.
 * - A call after the first completed: returns `{ status: 'duplicate' }` without running the handler. Answer 2xx.
 * - The handler throws: the claim is released and the error rethrown (answer 5xx); the retry runs it again.
 *
 * Why throw rather than wait for the first call: a waiting request holds a connection and can outlive
 * the sender's timeout, and the sender retries anyway; answering 409 at once is cheaper and just as correct.
 */
import { randomUUID } from 'node:crypto';
import { DuplicateInFlightError } from '../errors.js';

/**
 * What a store reports for a claim: it was taken (`claimed`), someone else holds it (`in_flight`), or the
 * id was already handled (`done`).
 *
 * @example
 * const state: ClaimState = await store.claim('evt_1', token, Date.now() + 60_000, Date.now());
 */
export type ClaimState = 'claimed' | 'in_flight' | 'done';

/**
 * Where idempotency records live. Implement it over any store with an atomic conditional write (Redis
 * `SET NX PX`, a SQL upsert); `memoryIdempotencyStore` and `sqliteIdempotencyStore` are provided. Times are
 * unix milliseconds. A record whose expiry has passed counts as absent.
 *
 * @example
 * const store: IdempotencyStore = memoryIdempotencyStore();
 */
export interface IdempotencyStore {
  /**
   * Atomically: when `id` has no live record, records it in flight under `token` until `leaseUntil` and
   * returns `claimed`; otherwise returns the live record's state.
   */
  claim(id: string, token: string, leaseUntil: number, now: number): ClaimState | Promise<ClaimState>;
  /** Marks the claim done, kept until `expiresAt`, if `token` still holds it; returns whether it did. */
  complete(id: string, token: string, expiresAt: number): boolean | Promise<boolean>;
  /** Forgets the claim if `token` still holds it. */
  release(id: string, token: string): void | Promise<void>;
}

/**
 * Options of `createIdempotency`.
 *
 * @example
 * createIdempotency({ store: memoryIdempotencyStore(), ttlMs: 7 * 86_400_000 });
 */
export interface IdempotencyOptions {
  store: IdempotencyStore;
  /**
   * How long a handled id is remembered, in ms. Default 30 days: payhook keeps events 30 days by default,
   * so an event replayed through `client.events.iterate` during catch-up is still recognised.
   */
  ttlMs?: number;
  /**
   * How long a claim holds without completing, in ms, before another delivery may take it over (the
   * process handling it died). Default 5 minutes; keep it longer than your slowest handler.
   */
  leaseMs?: number;
  /** The clock, unix ms. For tests. */
  now?: () => number;
}

/**
 * What `run` did: ran the handler, or skipped it because the id was already handled.
 *
 * @example
 * const r: RunResult<void> = await idempotency.run(event.id, () => handle(event));
 * if (r.status === 'duplicate') console.log('seen before');
 */
export type RunResult<T> = { status: 'processed'; result: T } | { status: 'duplicate' };

/**
 * Runs handlers at most once per webhook id. See the module comment for the full contract.
 *
 * @example
 * const r = await idempotency.run(event.id, async () => markPaid(event));
 */
export interface Idempotency {
  run<T>(webhookId: string, handler: () => T | Promise<T>): Promise<RunResult<T>>;
}

const DAY_MS = 86_400_000;

/**
 * Creates the at-most-once runner over a store.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const idempotency = createIdempotency({ store: sqliteIdempotencyStore(new Database('shop.db')) });
 *
 * app.post('/webhooks', expressWebhook(secret, async (event) => {
 *   const r = await idempotency.run(event.id, () => applyToOrder(event)); // DuplicateInFlightError → 409
 *   if (r.status === 'duplicate') console.log('already handled', event.id);
 * }));
 */
export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const { store } = options;
  const ttlMs = options.ttlMs ?? 30 * DAY_MS;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  if (!store || typeof store.claim !== 'function') throw new TypeError('createIdempotency needs a store');
  if (!(ttlMs > 0) || !(leaseMs > 0)) throw new TypeError('ttlMs and leaseMs must be positive');

  return {
    async run<T>(webhookId: string, handler: () => T | Promise<T>): Promise<RunResult<T>> {
      if (typeof webhookId !== 'string' || webhookId === '') throw new TypeError('run needs the webhook id (event.id)');
      const token = randomUUID();
      const t = now();
      const state = await store.claim(webhookId, token, t + leaseMs, t);
      if (state === 'done') return { status: 'duplicate' };
      if (state === 'in_flight') throw new DuplicateInFlightError(webhookId);
      let result: T;
      try {
        result = await handler();
      } catch (err) {
        // The handler's error is the one worth reporting; if the release fails too, the lease still
        // frees the id after leaseMs.
        try {
          await store.release(webhookId, token);
        } catch {
          /* see above */
        }
        throw err;
      }
      // If the lease ran out and another call took the id over, this still ran: report it as processed.
      await store.complete(webhookId, token, now() + ttlMs);
      return { status: 'processed', result };
    },
  };
}
