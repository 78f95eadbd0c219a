/**
 * Accepting events. `EventIngestor.send` validates an event, builds its envelope once, and appends it
 * with its deliveries. Concurrent calls are grouped: every event that arrives in the same event-loop
 * turn is written in one transaction (group commit), so under load the cost of a commit is shared by
 * many requests, while a lone request still commits at once (at the end of its own turn).
 *
 * A group that fills up (`MAX_GROUP`) is written at once, and its callers hear back after a turn of
 * the event loop (`setImmediate`), not in the same run of promise callbacks. On SQLite an append is
 * synchronous, so a caller sending group after group in one go (a bulk import through `send`) would
 * otherwise run as one chain of promise callbacks, and nothing else of the process would run until it
 * ended: not the HTTP API, not the dispatcher's answers from its HTTP thread, not a timer. Measured
 * with the benchmark's import of 100,000 events: the first webhooks' answers waited 1.5–3.3 s, the
 * whole import (docs/performance.md, "Claims that found nothing"); its first claim that took anything
 * came 4–8 s into the run, against 0.7 s with the turn ("The import's turns, again"). Tried once
 * before and reverted, when an endpoint's whole backlog still moved in one statement and an open
 * circuit's new deliveries were due at once; neither is so now.
 */
import { isLiveScope } from '../modes.js';
import { PayhookError } from '../errors.js';
import { newId, type MerchantId } from '../ids.js';
import type { Metrics } from '../metrics.js';
import type { AppendedEvent, NewEvent, Store } from '../store/types.js';
import { buildEnvelope } from '../store/envelope.js';
import { isValidEventType } from './filter.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const MAX_GROUP = 1000;

export interface SendEventInput {
  merchantId: MerchantId;
  type: unknown;
  data: unknown;
  idempotencyKey?: unknown;
  /** The W3C trace context to store with the event (tracing/traceparent.ts); null or absent for none. */
  traceparent?: string | null;
  /** Ordered delivery's key (docs/delivery.md#ordered-delivery); absent or null for none. */
  orderingKey?: unknown;
}

export const MAX_ORDERING_KEY_LENGTH = 255;

export function validateEvent(input: SendEventInput, now: number): NewEvent {
  if (typeof input.type !== 'string' || !isValidEventType(input.type)) {
    throw new PayhookError(
      'validation_failed',
      'type must be dotted words of letters, digits and _ (at most 128 characters), like order.success',
      { field: 'type' },
    );
  }
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data)) {
    throw new PayhookError('validation_failed', 'data must be a JSON object', { field: 'data' });
  }
  const key = input.idempotencyKey;
  if (
    key !== undefined &&
    key !== null &&
    (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
  ) {
    throw new PayhookError(
      'validation_failed',
      `idempotency_key must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      { field: 'idempotency_key' },
    );
  }
  const orderingKey = input.orderingKey;
  if (
    orderingKey !== undefined &&
    orderingKey !== null &&
    (typeof orderingKey !== 'string' || orderingKey.length === 0 || orderingKey.length > MAX_ORDERING_KEY_LENGTH)
  ) {
    throw new PayhookError('invalid_ordering_key', undefined, { field: 'ordering_key' });
  }
  const id = newId('evt', now);
  const data = JSON.stringify(input.data);
  return {
    id,
    merchantId: input.merchantId,
    type: input.type,
    data,
    body: buildEnvelope(id, input.type, now, data, isLiveScope(input.merchantId)),
    idempotencyKey: (key as string | undefined) ?? null,
    createdAt: now,
    traceparent: input.traceparent ?? null,
    orderingKey: (orderingKey as string | undefined) ?? null,
  };
}

interface Waiting {
  event: NewEvent;
  resolve: (r: AppendedEvent) => void;
  reject: (err: unknown) => void;
}

export class EventIngestor {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
  ) {}

  /** Accepts one event; resolves once it and its deliveries are committed. */
  send(input: SendEventInput): Promise<AppendedEvent> {
    const event = validateEvent(input, Date.now());
    return new Promise<AppendedEvent>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.queue.length >= MAX_GROUP) this.flush(true);
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    }).then((r) => {
      if (r.created) this.metrics.eventAccepted();
      else {
        this.metrics.eventDeduplicated();
        if (r.event.type !== event.type || r.event.data !== event.data) {
          throw new PayhookError(
            'idempotency_conflict',
            'this idempotency_key was used for an event with another type or data',
            { event_id: r.event.id },
          );
        }
      }
      return r;
    });
  }

  /** Writes the queued group; `full`: it filled up, so its callers hear back after a turn (see the header). */
  private flush(full = false): void {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    this.store.appendEvents(group.map((w) => w.event)).then(
      (results) => {
        const answer = () => {
          for (const [i, r] of results.entries()) group[i].resolve(r);
        };
        if (full) setImmediate(answer);
        else answer();
      },
      async () => {
        // One bad event must not fail its neighbours: write each alone to find which one it was.
        for (const w of group) {
          try {
            w.resolve((await this.store.appendEvents([w.event]))[0]);
          } catch (err) {
            w.reject(err);
          }
        }
      },
    );
  }
}
