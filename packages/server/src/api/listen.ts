/**
 * `GET /v1/listen`: the merchant's events as Server-Sent Events, as they are accepted. It is for a
 * developer laptop that payhook cannot reach: `payhook listen` holds this stream open and forwards each
 * event to a local URL. The stream is a view of the events table, not a delivery: nothing is retried,
 * and endpoints are untouched.
 *
 * One message an event, in id order (ids sort by creation time):
 *
 *     id: evt_01JD…                      ← resume with ?after=<id> or the Last-Event-ID header
 *     event: order.success
 *     data: {"id":"evt_01JD…","type":"order.success","timestamp":"<created, ISO>","livemode":false,"data":{…}}
 *
 * `data` is the standard envelope, the exact bytes a webhook carries. Comment lines (`: heartbeat`)
 * every 15 s keep proxies from closing an idle stream.
 *
 * Resends (`POST /v1/events/{id}/resend`) come on the same stream with the resend's id, and the event's
 * own envelope (so the same `webhook-id`):
 *
 *     id: rsd_01JD…                      ← resume with ?resends_after=<id>
 *     event: order.success
 *     data: {"id":"evt_01JD…",…}
 *
 * The stream thus has two cursors, one per kind of id. Its first lines say where both start
 * (`: listening after=evt_… resends_after=rsd_…`), so a client that keeps them (`payhook listen` does,
 * beside its secret) resumes without a gap even before its first message. A cursor not given starts at
 * the other's time (or now when neither is), so an EventSource that resumes with one `Last-Event-ID`
 * loses neither kind.
 *
 * How new events are found: the stream polls the events table (`listEvents` after its cursor, oldest
 * first) and the resends table (`listResends`), so it sees what any process on the same database
 * accepted; `store.onDue` wakes it at once for events accepted (or resent) in this process (and, on
 * PostgreSQL, in others) that made deliveries due.
 *
 * Why it looks back: an event id is made before its transaction commits (the ingestor groups a turn's
 * events into one commit; on PostgreSQL, API processes commit concurrently), so an event can become
 * visible after one with a later id was already streamed. A cursor alone would skip it for ever. Each
 * poll therefore re-reads the last LOOKBACK_MS of ids and skips those already sent; the set of sent ids
 * only spans that window, and is capped, so memory stays bounded whatever the traffic. Resends are read
 * the same way (a `Feed` each). Writes respect
 * the socket's backpressure: a slow reader slows the polling, it does not fill a buffer.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { idFloor, idTime, isId, type EventId, type IdOf, type MerchantId, type ResendId } from '../ids.js';
import type { EventRecord, Store } from '../store/types.js';
import { bearer, merchantOf } from './auth.js';
import { parseTypeFilter } from './events.js';
import { EXAMPLE_IDS, eventExample } from './examples.js';
import { SCOPED_ERRORS, errorResponses, scopedQuery } from './schemas.js';

/** The envelope of `eventExample`, as `data:` carries it. */
const listenEnvelope = {
  id: eventExample.id,
  type: eventExample.type,
  timestamp: eventExample.created_at,
  data: eventExample.data,
};

/** Events read per query. */
const PAGE = 100;
/** How far back each poll looks for events that committed after a later id was streamed. */
const LOOKBACK_MS = 10_000;
/** At most this many sent ids are remembered for the look-back (about 1 MB). */
const MAX_REMEMBERED = 10_000;
/** After a poll that was interrupted by a wake-up, wait this long before the next, so a busy merchant does not cause a tight loop of re-reads. */
const BUSY_GAP_MS = 50;

interface ListenQuery {
  merchant_id?: string;
  types?: string[];
  after?: string;
  resends_after?: string;
}

interface StreamOptions {
  store: Store;
  merchantId: MerchantId;
  types: string[] | undefined;
  /** Never send this event id or an earlier one. */
  after: EventId;
  /** Never send this resend id or an earlier one. */
  resendsAfter: ResendId;
  res: ServerResponse;
  pollMs: number;
  heartbeatMs: number;
  logger: FastifyBaseLogger;
}

/** One message to write: its SSE id (an event's or a resend's), the event type and the envelope. */
interface Item<Id extends string> {
  id: Id;
  event: EventRecord;
}

/**
 * One kind of id the stream follows (events, resends): its cursor, and the ids sent within the
 * look-back window so a re-read does not send them again.
 */
class Feed<Id extends IdOf<'evt' | 'rsd'>> {
  private cursor: Id;
  private readonly sent = new Set<Id>();
  /** Raised when ids are forgotten (the cap): the look-back never reaches below it again. */
  private forgottenUpTo: Id;

  constructor(
    private readonly prefix: 'evt' | 'rsd',
    after: Id,
    /** Up to PAGE items after an id, oldest first. */
    private readonly read: (after: Id) => Promise<Item<Id>[]>,
  ) {
    this.cursor = after;
    this.forgottenUpTo = after;
  }

  /** Sends what is new (or newly visible) through `send`, until `closed()`. */
  async drain(send: (item: Item<Id>) => Promise<void>, closed: () => boolean): Promise<void> {
    const window = idFloor(this.prefix, Date.now() - LOOKBACK_MS) as Id;
    // Behind (a backlog older than the window): read on from the cursor. Caught up: re-read the window.
    let from = this.cursor < window ? this.cursor : window;
    if (from < this.forgottenUpTo) from = this.forgottenUpTo;
    for (const id of this.sent) if (id <= from) this.sent.delete(id);
    for (;;) {
      const items = await this.read(from);
      for (const item of items) {
        if (closed()) return;
        if (this.sent.has(item.id)) continue;
        await send(item);
        this.remember(item.id);
      }
      if (items.length < PAGE) return;
      from = items[items.length - 1].id;
    }
  }

  private remember(id: Id): void {
    if (id > this.cursor) this.cursor = id;
    this.sent.add(id);
    if (this.sent.size <= MAX_REMEMBERED) return;
    // Forget the oldest ids and stop looking back past them.
    const sorted = [...this.sent].sort();
    for (const old of sorted.slice(0, sorted.length - MAX_REMEMBERED / 2)) {
      this.sent.delete(old);
      if (old > this.forgottenUpTo) this.forgottenUpTo = old;
    }
  }
}

/** One open stream: polls, writes, heartbeats, and tears itself down when the client goes. */
class ListenStream {
  private readonly events: Feed<EventId>;
  private readonly resends: Feed<ResendId>;
  private polling = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly o: StreamOptions) {
    const { store, merchantId, types } = o;
    this.events = new Feed('evt', o.after, async (after) => {
      const page = await store.listEvents({ merchantId, types, afterId: after, order: 'asc', limit: PAGE });
      return page.items.map((event) => ({ id: event.id, event }));
    });
    this.resends = new Feed('rsd', o.resendsAfter, async (after) =>
      (await store.listResends({ merchantId, types, afterId: after, limit: PAGE })).map((r) => ({
        id: r.id,
        event: r.event,
      })),
    );
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  start(): void {
    this.o.res.on('close', () => this.close());
    this.unsubscribe = this.o.store.onDue(() => this.wake());
    // A reader that is not keeping up has data coming anyway: no heartbeat piles up behind it.
    this.heartbeat = setInterval(() => {
      if (!this.closed && !this.o.res.writableNeedDrain) this.o.res.write(': heartbeat\n\n');
    }, this.o.heartbeatMs);
    this.wake();
  }

  private wake(): void {
    if (this.closed) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    void this.poll();
  }

  private async poll(): Promise<void> {
    this.polling = true;
    this.again = false;
    try {
      const send = (item: Item<string>) => this.send(item);
      const closed = () => this.closed;
      await this.events.drain(send, closed);
      await this.resends.drain(send, closed);
    } catch (err) {
      // A store hiccup: the next poll tries again; the client keeps its stream.
      if (!this.closed) this.o.logger.warn({ err, merchantId: this.o.merchantId }, 'listen: reading events failed');
    } finally {
      this.polling = false;
      if (!this.closed)
        this.timer = setTimeout(
          () => {
            this.timer = null;
            this.wake();
          },
          this.again ? BUSY_GAP_MS : this.o.pollMs,
        );
    }
  }

  private async send({ id, event: e }: Item<string>): Promise<void> {
    // The envelope is JSON.stringify output and so one line; split anyway, as SSE requires, should it not be.
    const data = /[\r\n]/.test(e.body)
      ? e.body
          .split(/\r\n|\r|\n/)
          .map((l) => `data: ${l}`)
          .join('\n')
      : `data: ${e.body}`;
    if (!this.o.res.write(`id: ${id}\nevent: ${e.type}\n${data}\n\n`)) {
      await Promise.race([once(this.o.res, 'drain'), this.done]);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe?.();
    if (!this.o.res.writableEnded) this.o.res.end();
    this.resolveDone();
  }
}

// Open streams per store (one per payhook process), so shutdown can end them and tests can count them.
const openStreams = new WeakMap<Store, Set<ListenStream>>();

/** How many listen streams are open on this process's store (for tests and diagnostics). */
export function openListenStreams(store: Store): number {
  return openStreams.get(store)?.size ?? 0;
}

/**
 * Where a stream starts: `after` (an event id) and `resends_after` (a resend id), or the
 * `Last-Event-ID` header, which is whichever kind of id came last. A cursor not given starts at the
 * time of the other one, or now when neither is.
 */
function startingPoints(
  query: ListenQuery,
  lastEventId: string | string[] | undefined,
): { after: EventId; resendsAfter: ResendId } {
  const last = typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined;
  const after = query.after ?? (last?.startsWith('rsd_') ? undefined : last);
  const resendsAfter = query.resends_after ?? (last?.startsWith('rsd_') ? last : undefined);
  if (after !== undefined && !isId('evt', after))
    throw new PayhookError('invalid_id', 'after (or Last-Event-ID) is not a well-formed event id', {
      field: 'after',
    });
  if (resendsAfter !== undefined && !isId('rsd', resendsAfter))
    throw new PayhookError('invalid_id', 'resends_after (or Last-Event-ID) is not a well-formed resend id', {
      field: 'resends_after',
    });
  const now = Date.now();
  return {
    after: after ?? idFloor('evt', resendsAfter ? idTime(resendsAfter) : now),
    resendsAfter: resendsAfter ?? idFloor('rsd', after ? idTime(after) : now),
  };
}

export function registerListenRoutes(app: FastifyInstance, ctx: AppContext): void {
  const heartbeatMs = ctx.config.listen.heartbeatMs;
  const streams = new Set<ListenStream>();
  openStreams.set(ctx.store, streams);
  // A stream never ends by itself, so a graceful shutdown would wait for it for ever: end them first.
  app.addHook('preClose', (done) => {
    for (const s of streams) s.close();
    done();
  });

  app.get<{ Querystring: ListenQuery }>(
    '/v1/listen',
    {
      config: { auth: 'merchant' },
      schema: {
        operationId: 'events.listen',
        summary: 'Stream events as they are accepted (Server-Sent Events)',
        description:
          "Streams the merchant's events as Server-Sent Events as they are accepted, for a machine payhook cannot reach (`payhook listen`). " +
          'Each message has `id:` (the event id), `event:` (its type) and `data:` (the standard webhook envelope, whose `timestamp` is when it was accepted). ' +
          'An event resent (POST /v1/events/{id}/resend) comes again with the resend id (`rsd_…`) as `id:` and the same envelope. ' +
          'The first comment says where the stream starts (`: listening after=evt_… resends_after=rsd_…`). ' +
          'Starts from now, or after `after` and `resends_after` (or the `Last-Event-ID` header, either kind) to resume; `: heartbeat` comments every 15 s. Nothing is retried or recorded.',
        tags: ['events'],
        security: bearer,
        querystring: scopedQuery({
          types: {
            type: 'array',
            items: { type: 'string', maxLength: 4096 },
            maxItems: 100,
            description: 'Event types or `prefix.*` wildcards; repeatable or comma-separated. All types when absent.',
          },
          after: {
            type: 'string',
            maxLength: 64,
            description:
              'An event id: stream the events after it (resume). Default: from the time of `resends_after`, or only events accepted from now on.',
          },
          resends_after: {
            type: 'string',
            maxLength: 64,
            description:
              'A resend id (`rsd_…`, the id of a resend message): stream the resends after it. Default: from the time of `after`, or from now.',
          },
        }),
        response: {
          200: {
            description: 'A `text/event-stream` that stays open until the client disconnects.',
            content: {
              'text/event-stream': {
                schema: { type: 'string' },
                example: `retry: 2000\n: listening after=evt_01JDQ9B7X00000000000000000 resends_after=rsd_01JDQ9B7X00000000000000000\n\nid: ${EXAMPLE_IDS.event}\nevent: order.success\ndata: ${JSON.stringify(listenEnvelope)}\n\n: heartbeat\n\n`,
              },
            },
          },
          ...errorResponses(...SCOPED_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const types = parseTypeFilter(request.query.types);
      const { after, resendsAfter } = startingPoints(request.query, request.headers['last-event-id']);

      reply.hijack();
      const res = reply.raw;
      request.raw.socket.setTimeout(0);
      request.raw.socket.setNoDelay(true);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // nginx buffers responses by default, which would hold events back.
        'x-accel-buffering': 'no',
      });
      // `retry` tells an EventSource how long to wait before reconnecting; the comment flushes the headers
      // and tells a client where the stream starts, so it can resume from there.
      res.write(`retry: 2000\n: listening after=${after} resends_after=${resendsAfter}\n\n`);
      const stream = new ListenStream({
        store: ctx.store,
        merchantId,
        types,
        after,
        resendsAfter,
        res,
        pollMs: ctx.config.delivery.pollIntervalMs,
        heartbeatMs,
        logger: request.log,
      });
      streams.add(stream);
      void stream.done.then(() => streams.delete(stream));
      stream.start();
    },
  );
}
