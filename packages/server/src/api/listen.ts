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
 *     data: {"id":"evt_01JD…","type":"order.success","timestamp":"<created, ISO>","data":{…}}
 *
 * `data` is the standard envelope, the exact bytes a webhook carries. Comment lines (`: heartbeat`)
 * every 15 s keep proxies from closing an idle stream.
 *
 * How new events are found: the stream polls the events table (`listEvents` after its cursor, oldest
 * first), so it sees events accepted by any process on the same database; `store.onDue` wakes it at
 * once for events accepted in this process (and, on PostgreSQL, in others) that created deliveries.
 *
 * Why it looks back: an event id is made before its transaction commits (the ingestor groups a turn's
 * events into one commit; on PostgreSQL, API processes commit concurrently), so an event can become
 * visible after one with a later id was already streamed. A cursor alone would skip it for ever. Each
 * poll therefore re-reads the last LOOKBACK_MS of ids and skips those already sent; the set of sent ids
 * only spans that window, and is capped, so memory stays bounded whatever the traffic. Writes respect
 * the socket's backpressure: a slow reader slows the polling, it does not fill a buffer.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { PayhookError } from '../errors.js';
import { idFloor, isId, type EventId, type MerchantId } from '../ids.js';
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
}

interface StreamOptions {
  store: Store;
  merchantId: MerchantId;
  types: string[] | undefined;
  /** Never send this id or an earlier one. */
  after: EventId;
  res: ServerResponse;
  pollMs: number;
  heartbeatMs: number;
  logger: FastifyBaseLogger;
}

/** One open stream: polls, writes, heartbeats, and tears itself down when the client goes. */
class ListenStream {
  private cursor: EventId;
  /** Ids sent within the look-back window, so a re-read does not send them again. */
  private readonly sent = new Set<EventId>();
  /** Raised when ids are forgotten (the cap): the look-back never reaches below it again. */
  private forgottenUpTo: EventId;
  private polling = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly o: StreamOptions) {
    this.cursor = o.after;
    this.forgottenUpTo = o.after;
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
      await this.sendNew();
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

  private async sendNew(): Promise<void> {
    const window = idFloor('evt', Date.now() - LOOKBACK_MS);
    // Behind (a backlog older than the window): read on from the cursor. Caught up: re-read the window.
    let from = this.cursor < window ? this.cursor : window;
    if (from < this.forgottenUpTo) from = this.forgottenUpTo;
    for (const id of this.sent) if (id <= from) this.sent.delete(id);
    for (;;) {
      const page = await this.o.store.listEvents({
        merchantId: this.o.merchantId,
        types: this.o.types,
        afterId: from,
        order: 'asc',
        limit: PAGE,
      });
      for (const e of page.items) {
        if (this.closed) return;
        if (this.sent.has(e.id)) continue;
        await this.send(e);
        this.remember(e.id);
      }
      if (page.items.length < PAGE || page.nextCursor === null) return;
      from = page.items[page.items.length - 1].id;
    }
  }

  private remember(id: EventId): void {
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

  private async send(e: EventRecord): Promise<void> {
    // The envelope is JSON.stringify output and so one line; split anyway, as SSE requires, should it not be.
    const data = /[\r\n]/.test(e.body)
      ? e.body
          .split(/\r\n|\r|\n/)
          .map((l) => `data: ${l}`)
          .join('\n')
      : `data: ${e.body}`;
    if (!this.o.res.write(`id: ${e.id}\nevent: ${e.type}\n${data}\n\n`)) {
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
          'Starts from now, or after `after` (or the `Last-Event-ID` header) to resume; `: heartbeat` comments every 15 s. Nothing is retried or recorded.',
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
            description: 'An event id: stream the events after it (resume). Default: only events accepted from now on.',
          },
        }),
        response: {
          200: {
            description: 'A `text/event-stream` that stays open until the client disconnects.',
            content: {
              'text/event-stream': {
                schema: { type: 'string' },
                example: `retry: 2000\n: listening\n\nid: ${EXAMPLE_IDS.event}\nevent: order.success\ndata: ${JSON.stringify(listenEnvelope)}\n\n: heartbeat\n\n`,
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
      const lastEventId = request.headers['last-event-id'];
      const resume =
        request.query.after ?? (typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined);
      if (resume !== undefined && !isId('evt', resume)) {
        throw new PayhookError('invalid_id', 'after (or Last-Event-ID) is not a well-formed event id', {
          field: 'after',
        });
      }
      const after = resume ?? idFloor('evt', Date.now());

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
      // `retry` tells an EventSource how long to wait before reconnecting; the comment flushes the headers.
      res.write('retry: 2000\n: listening\n\n');
      const stream = new ListenStream({
        store: ctx.store,
        merchantId,
        types,
        after,
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
