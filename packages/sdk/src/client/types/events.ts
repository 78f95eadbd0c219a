/**
 * The API's JSON shapes of events: as lists return them, the filters of lists and listen streams,
 * sending and resending (conventions in ./common.ts).
 */
import type { PayhookEvent } from '../../events.js';
import type { ListParams } from './common.js';

/**
 * An event as the API returns it: the webhook envelope (`id`, `type`, `timestamp`, `data`, typed like
 * `verify`'s result, so one handler serves webhooks and catch-up) plus API fields.
 *
 * @example
 * for await (const e of client.events.iterate({ after: lastSeenId })) if (isPaymentEvent(e)) apply(e);
 */
export type ApiEvent = PayhookEvent & {
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  created_at: string;
  idempotency_key: string | null;
  /** Deliveries to an ordered endpoint that share it arrive one at a time, in event order. */
  ordering_key: string | null;
};

/**
 * Filters of `events.list` and `events.iterate`.
 *
 * @example
 * await client.events.list({ after: 'evt_01J…', types: ['order.success', 'order.cancel'], order: 'asc' });
 */
export interface EventListParams extends ListParams {
  /**
   * Only events created after this point: an event id (strictly after it: pass the last id you
   * processed), or a `Date` (events created at or after it).
   */
  after?: string | Date;
  /** Only events created before this point: an event id (exclusive) or a `Date`. */
  before?: string | Date;
  /** Event types to include (exact names, or `prefix.*`); sent as `type=a,b`. */
  types?: readonly string[];
  /** `asc` (oldest first, what catch-up wants) or `desc`. */
  order?: 'asc' | 'desc';
  /** Render each event's data in this event version: your endpoint's, so catch-up sees what webhooks do. */
  api_version?: string;
}

/**
 * The body of `events.send`.
 *
 * @example
 * await client.events.send({ type: 'invoice.created', data: { invoice_id: 'inv_1' }, idempotency_key: 'inv_1' });
 */
export interface SendEventInput {
  type: string;
  /** A JSON object. */
  data: object;
  /** The same key again returns the first event instead of creating another. */
  idempotency_key?: string;
  /** 1-255 characters: ordered endpoints get the events of one key one at a time, in order. */
  ordering_key?: string;
}

/**
 * The result of `events.create`: the event, and whether this call created it (`false` when its
 * `idempotency_key` was seen before: the first event comes back unchanged and nothing is sent again).
 *
 * @example
 * const { event, created }: SendEventResult = await client.events.create({ type: 'ping', data: {}, idempotency_key: 'k1' });
 */
export interface SendEventResult {
  event: ApiEvent;
  created: boolean;
}

/**
 * Options of `events.listen`.
 *
 * @example
 * const stop = new AbortController();
 * const stream = await client.events.listen({ types: ['order.*'], after: 'evt_01J…', signal: stop.signal });
 */
export interface ListenParams {
  /** Event types to stream (exact names, or `prefix.*`); all when absent. */
  types?: readonly string[];
  /** Resume: stream the events after this event id. Default: only events accepted from now on. */
  after?: string;
  /**
   * Resume resends too: stream the resends after this resend id (`rsd_…`, the id of a resend message).
   * Default: from the time of `after`, or from now.
   */
  resendsAfter?: string;
  /** Closes the stream (or stops connecting). */
  signal?: AbortSignal;
}

/**
 * A resend of an event (`events.resend`): its deliveries due again, and every `payhook listen` told.
 *
 * @example
 * const { id, deliveries }: Resend = await client.events.resend('evt_01J…');
 */
export interface Resend {
  /** `rsd_…`: the id listen streams carry for it. */
  id: string;
  event_id: string;
  /** Deliveries made due now, one per enabled endpoint the event went to. */
  deliveries: number;
  created_at: string;
}
