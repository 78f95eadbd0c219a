/**
 * `client.events`: send, read, list, iterate for catch-up, resend, and listen (the Server-Sent Events
 * stream `payhook listen` forwards).
 */
import { PayhookApiError } from '../errors.js';
import { type ApiContext, paginate, type Query, seg } from './transport.js';
import type { Page } from './types/common.js';
import type {
  ApiEvent,
  EventListParams,
  ListenParams,
  Resend,
  SendEventInput,
  SendEventResult,
} from './types/events.js';

/** API events carry `created_at`; give them the envelope's `timestamp` too, so webhook handlers take them. */
export function normaliseEvent(e: ApiEvent): ApiEvent {
  const raw = e as ApiEvent & { timestamp?: string };
  return raw.timestamp ? e : ({ ...e, timestamp: e.created_at } as ApiEvent);
}

export type EventsApi = ReturnType<typeof eventsApi>;

export function eventsApi(api: ApiContext) {
  const events = {
    /** Lists events, newest first unless `order: 'asc'`. @example await client.events.list({ after: lastId, order: 'asc' }); */
    list: async (params: EventListParams = {}): Promise<Page<ApiEvent>> => {
      const page = await api.request<Page<ApiEvent>>('GET', '/v1/events', { query: eventQuery(params) });
      return { ...page, data: page.data.map(normaliseEvent) };
    },
    /**
     * Every event matching the filters, page after page, oldest first unless `order` says otherwise.
     * Stop whenever you like (`break`); resume later with `after` set to the last id you handled.
     *
     * @example
     * let last = await loadCheckpoint();
     * for await (const event of client.events.iterate({ after: last, types: ['order.*'] })) {
     *   await idempotency.run(event.id, () => handle(event));
     *   await saveCheckpoint((last = event.id));
     * }
     */
    iterate: (params: Omit<EventListParams, 'cursor'> = {}): AsyncIterableIterator<ApiEvent> => {
      return paginate((cursor) => events.list({ order: 'asc', ...params, cursor }));
    },
    /**
     * One event; with `api_version`, its data as an endpoint of that version receives it.
     * @example const e = await client.events.get('evt_01J…', { api_version: '2026-12-05' });
     */
    get: async (id: string, options: { api_version?: string } = {}): Promise<ApiEvent> =>
      normaliseEvent(
        await api.request<ApiEvent>('GET', `/v1/events/${seg(id)}`, { query: { api_version: options.api_version } }),
      ),
    /** Creates an event; payhook delivers it to every matching endpoint. @example await client.events.send({ type: 'ping', data: {} }); */
    send: async (input: SendEventInput): Promise<ApiEvent> =>
      normaliseEvent(await api.request<ApiEvent>('POST', '/v1/events', { body: input })),
    /**
     * `send`, telling whether the event was created (`false`: its `idempotency_key` was seen before,
     * and the first event is returned unchanged).
     * @example const { event, created } = await client.events.create({ type: 'invoice.paid', data: { id: 'inv_1' }, idempotency_key: 'inv_1' });
     */
    create: async (input: SendEventInput): Promise<SendEventResult> => {
      const { status, body } = await api.transport.exchange<ApiEvent>('POST', '/v1/events', { body: input });
      return { event: normaliseEvent(body), created: status !== 200 };
    },
    /**
     * Opens `GET /v1/listen`: the merchant's events as Server-Sent Events, as they are accepted (what
     * `payhook listen` forwards). Resolves once payhook has answered, with the `text/event-stream` body;
     * it stays open until `signal` aborts or the connection ends. The client's timeout covers the
     * connection only, never the open stream. Refused (a bad key, a bad filter) → `PayhookApiError`.
     *
     * @example
     * const stream = await client.events.listen({ types: ['order.*'], after: lastSeenId, signal });
     * for await (const chunk of stream) process.stdout.write(new TextDecoder().decode(chunk));
     */
    listen: (params: ListenParams = {}): Promise<ReadableStream<Uint8Array>> => listen(api, params),
    /**
     * Sends the event again, with its own id: its deliveries to enabled endpoints are due now, whatever
     * their status, and every `payhook listen` gets it again (answered 202).
     * @example const { deliveries } = await client.events.resend('evt_01J…');
     */
    resend: (id: string): Promise<Resend> => api.request('POST', `/v1/events/${seg(id)}/resend`),
  };
  return events;
}

async function listen(api: ApiContext, params: ListenParams): Promise<ReadableStream<Uint8Array>> {
  const path = '/v1/listen';
  const connecting = new AbortController();
  const timer = setTimeout(
    () => connecting.abort(new DOMException('connecting timed out', 'TimeoutError')),
    api.transport.timeoutMs,
  );
  const signal = params.signal ? AbortSignal.any([params.signal, connecting.signal]) : connecting.signal;
  const query: Query = {
    types: params.types && params.types.length > 0 ? params.types.join(',') : undefined,
    after: params.after,
    resends_after: params.resendsAfter,
  };
  try {
    const res = await api.transport.fetch2xx('GET', path, { query }, 'text/event-stream', signal);
    if (!res.body)
      throw new PayhookApiError('invalid_response', res.status, `GET ${path} answered ${res.status} without a stream`);
    return res.body as ReadableStream<Uint8Array>;
  } catch (err) {
    // Stopped by the caller: the caller's own abort reason, as fetch gives it.
    if (params.signal?.aborted) throw params.signal.reason ?? err;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function eventQuery(params: EventListParams): Query {
  const bound = (v: string | Date | undefined) => (v instanceof Date ? v.toISOString() : v);
  return {
    after: bound(params.after),
    before: bound(params.before),
    type: params.types && params.types.length > 0 ? params.types.join(',') : undefined,
    limit: params.limit,
    cursor: params.cursor,
    order: params.order,
    api_version: params.api_version,
  };
}
