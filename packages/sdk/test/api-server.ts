// A small, real payhook-shaped API for the client tests: node:http, in memory, with the shapes of
// packages/server/src/api (snake_case, `{data, next_cursor}` lists, `{error:{code,message,details}}`
// errors, unknown query parameters refused). It pins down what the client sends and parses.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { paymentData } from './helpers.js';

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  auth: string | undefined;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let seq = 0;
/** Time-ordered ids like the server's (ULID after the prefix); the counter stands in for randomness. */
export function id(prefix: string, ms = Date.now()): string {
  let t = ms;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${String(++seq).padStart(16, '0')}`;
}

const ALLOWED_QUERY: Record<string, string[]> = {
  events: ['type', 'after', 'before', 'order'],
  deliveries: ['endpoint_id', 'event_id', 'status'],
  orders: ['status'],
  listen: ['types', 'after', 'resends_after'],
};

/** `after`/`before`: an event id, or an ISO time meaning the smallest id of that millisecond. */
function bound(value: string | undefined): string | undefined {
  if (value === undefined || value.startsWith('evt_')) return value;
  return id('evt', Date.parse(value)).slice(0, 14) + '0'.repeat(16);
}

export function createApiServer(apiKey: string) {
  const requests: Recorded[] = [];
  const events: any[] = [];
  const endpoints = new Map<string, any>();
  const secrets = new Map<string, string>();
  const previous = new Map<string, string>();
  const deliveries = new Map<string, any>();
  const orders = new Map<string, any>();
  const transactions = new Map<string, any[]>();
  const history = new Map<string, any[]>();
  const merchants: any[] = [];
  const apiKeys: any[] = [];
  /** Open `/v1/listen` streams, each with its type filter. */
  const streams = new Set<{ res: ServerResponse; types: string[] | null }>();

  const iso = (ms = Date.now()) => new Date(ms).toISOString();
  const fail = (res: ServerResponse, status: number, code: string, message: string, details: unknown = null) =>
    send(res, status, { error: { code, message, details } });
  function send(res: ServerResponse, status: number, body?: unknown) {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
  function page<T extends { id: string }>(items: T[], q: Record<string, string>) {
    const limit = Math.min(250, Math.max(1, Number(q.limit ?? 50)));
    const start = q.cursor ? items.findIndex((x) => x.id === q.cursor) + 1 : 0;
    const data = items.slice(start, start + limit);
    return { data, next_cursor: start + limit < items.length ? data.at(-1)!.id : null };
  }
  const matches = (type: string, filter: string) =>
    filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : type === filter;

  function addEvent(type: string, data: object, idempotencyKey: string | null = null, ms = Date.now()) {
    const e = {
      id: id('evt', ms),
      merchant_id: 'mer_1',
      type,
      data,
      idempotency_key: idempotencyKey,
      created_at: iso(ms),
    };
    events.push(e);
    events.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const s of streams) streamEvent(s, e);
    return e;
  }

  function streamEvent(s: { res: ServerResponse; types: string[] | null }, e: any) {
    if (s.types && !s.types.some((t) => matches(e.type, t))) return;
    const envelope = JSON.stringify({ id: e.id, type: e.type, timestamp: e.created_at, data: e.data });
    s.res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${envelope}\n\n`);
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://x');
    const query = Object.fromEntries(url.searchParams);
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: req.method!, path: url.pathname, query, body, auth: req.headers.authorization });
    if (url.pathname === '/broken')
      return res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    if (url.pathname === '/hang') return; // never answers
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return fail(res, 401, 'unauthorized', 'A valid API key is required: Authorization: Bearer <key>.');
    const parts = url.pathname.split('/').filter(Boolean); // ['v1', resource, id?, action?]
    const [, resource, rid, action] = parts;
    const m = req.method;
    const allowed = [
      'merchant_id',
      ...(m === 'GET' && !rid ? ['limit', 'cursor'] : []),
      ...((m === 'GET' && !rid && ALLOWED_QUERY[resource]) || []),
    ];
    const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
    if (unknown.length > 0)
      return fail(res, 400, 'validation_failed', `unknown query parameter ${unknown[0]}`, { field: unknown[0] });

    if (resource === 'merchants') {
      // Admin routes: they take no merchant_id (the real API refuses it as an unknown parameter).
      if ('merchant_id' in query)
        return fail(res, 400, 'validation_failed', 'unknown query parameter merchant_id', { field: 'merchant_id' });
      if (m === 'POST' && !rid) {
        const mer = { id: id('mer'), name: body.name, created_at: iso() };
        merchants.unshift(mer);
        return send(res, 201, { ...mer, api_key: `sk_${Buffer.alloc(24, merchants.length).toString('base64url')}` });
      }
      if (m === 'GET' && !rid) return send(res, 200, page(merchants, query));
    }
    if (resource === 'listen' && m === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': ready\n\n');
      const s = { res, types: query.types ? query.types.split(',') : null };
      if (query.after) for (const e of events) if (e.id > query.after) streamEvent(s, e);
      streams.add(s);
      req.on('close', () => streams.delete(s));
      res.on('close', () => streams.delete(s));
      return;
    }
    if (resource === 'events') {
      if (m === 'POST' && !rid) {
        const prior = body.idempotency_key && events.find((e) => e.idempotency_key === body.idempotency_key);
        if (prior) return send(res, 200, prior);
        return send(res, 202, addEvent(body.type, body.data, body.idempotency_key ?? null));
      }
      if (m === 'GET' && !rid) {
        const after = bound(query.after);
        const before = bound(query.before);
        let list = events.filter((e) => (!after || e.id > after) && (!before || e.id < before));
        if (query.type) list = list.filter((e) => query.type.split(',').some((t) => matches(e.type, t)));
        if (query.order !== 'asc') list = [...list].reverse();
        return send(res, 200, page(list, query));
      }
      const e = events.find((x) => x.id === rid);
      if (!e) return fail(res, 404, 'event_not_found', 'No such event.');
      if (m === 'POST' && action === 'resend') {
        const resent = [...deliveries.values()].filter((d) => d.event_id === e.id);
        for (const d of resent) d.status = 'pending';
        return send(res, 202, { id: id('rsd'), event_id: e.id, deliveries: resent.length, created_at: iso() });
      }
      return send(res, 200, e);
    }
    if (resource === 'endpoints') {
      if (m === 'POST' && !rid) {
        const ep = {
          id: id('ep'),
          merchant_id: 'mer_1',
          url: body.url,
          description: body.description ?? '',
          event_types: body.event_types ?? null,
          disabled: false,
          disabled_reason: null,
          headers: body.headers ?? {},
          format: body.format ?? 'standard',
          timeout_ms: null,
          created_at: iso(),
          updated_at: iso(),
        };
        endpoints.set(ep.id, ep);
        secrets.set(ep.id, `whsec_${Buffer.alloc(32, endpoints.size).toString('base64')}`);
        return send(res, 201, { ...ep, secret: secrets.get(ep.id) });
      }
      if (m === 'GET' && !rid) return send(res, 200, page([...endpoints.values()], query));
      const ep = endpoints.get(rid);
      if (!ep) return fail(res, 404, 'endpoint_not_found', 'No such endpoint.', { id: rid });
      if (m === 'GET' && !action) return send(res, 200, ep);
      if (m === 'PATCH') {
        Object.assign(ep, body, { updated_at: iso() });
        return send(res, 200, ep);
      }
      if (m === 'DELETE') {
        endpoints.delete(rid);
        return send(res, 204);
      }
      const secretsView = () => ({
        secret: secrets.get(rid),
        previous_secrets: previous.has(rid)
          ? [{ secret: previous.get(rid), expires_at: iso(Date.now() + 86_400_000) }]
          : [],
      });
      if (m === 'POST' && action === 'rotate-secret') {
        previous.set(rid, secrets.get(rid)!);
        secrets.set(rid, `whsec_${Buffer.alloc(32, 200 + endpoints.size).toString('base64')}`);
        return send(res, 200, secretsView());
      }
      if (m === 'GET' && action === 'secret') return send(res, 200, secretsView());
      if (m === 'POST' && action === 'recover')
        return send(res, 202, { recovered: Number.isNaN(Date.parse(body.since)) ? -1 : 3 });
      if (m === 'POST' && action === 'test') {
        const up = ep.url.startsWith('https://');
        return send(res, 200, {
          event_id: id('evt'),
          type: 'payhook.test',
          url: ep.url,
          sent_at: iso(),
          succeeded: up,
          status_code: up ? 200 : null,
          duration_ms: 7,
          response_body: up ? 'ok' : null,
          error_class: up ? null : 'refused',
          error_message: up ? null : 'connection refused',
        });
      }
    }
    if (resource === 'api-keys') {
      if (m === 'POST' && !rid) {
        const k = {
          id: id('key'),
          name: body.name,
          prefix: 'sk_Ab12',
          scopes: body.scopes,
          created_at: iso(),
          last_used_at: null,
        };
        apiKeys.unshift(k);
        const { last_used_at: _, ...issued } = k;
        return send(res, 201, { ...issued, key: `sk_Ab12${'x'.repeat(40)}` });
      }
      if (m === 'GET' && !rid) return send(res, 200, page(apiKeys, query));
      const at = apiKeys.findIndex((k) => k.id === rid);
      if (at < 0) return fail(res, 404, 'api_key_not_found', 'No such API key.');
      if (m === 'DELETE') {
        apiKeys.splice(at, 1);
        return send(res, 204);
      }
    }
    if (resource === 'deliveries') {
      if (m === 'GET' && !rid) {
        const list = [...deliveries.values()].filter(
          (d) =>
            (!query.status || d.status === query.status) &&
            (!query.endpoint_id || d.endpoint_id === query.endpoint_id) &&
            (!query.event_id || d.event_id === query.event_id),
        );
        return send(res, 200, page(list, query));
      }
      const d = deliveries.get(rid);
      if (!d) return fail(res, 404, 'delivery_not_found', 'No such delivery.');
      if (m === 'GET')
        return send(res, 200, {
          ...d,
          attempts: [
            {
              id: id('att'),
              attempt: 1,
              started_at: iso(),
              duration_ms: 12,
              status_code: 500,
              response_body: 'oops',
              error_class: 'http_status',
              error_message: null,
              next_retry_at: null,
            },
          ],
        });
      if (m === 'POST' && action === 'retry') {
        d.status = 'pending';
        d.next_attempt_at = iso();
        return send(res, 202, d);
      }
    }
    if (resource === 'orders') {
      if (m === 'POST' && !rid) {
        if (!Number.isSafeInteger(body.amount) || body.amount <= 0)
          return fail(res, 400, 'invalid_amount', 'The amount must be a positive whole number of minor units.', {
            field: 'amount',
          });
        const o = {
          id: id('ord'),
          merchant_id: 'mer_1',
          sequence: 0,
          reference: body.reference,
          amount: body.amount,
          amount_decimal: (body.amount / 100).toFixed(2),
          currency: body.currency,
          status: 'open',
          customer_email: body.customer_email ?? null,
          customer_mobile: null,
          optional1: null,
          optional2: null,
          optional3: null,
          created_at: iso(),
          updated_at: iso(),
        };
        orders.set(o.id, o);
        transactions.set(o.id, []);
        history.set(o.id, []);
        return send(res, 201, o);
      }
      if (m === 'GET' && !rid)
        return send(
          res,
          200,
          page(
            [...orders.values()].filter((o) => !query.status || o.status === query.status),
            query,
          ),
        );
      const o = orders.get(rid);
      if (!o) return fail(res, 404, 'order_not_found', 'No such order.');
      if (m === 'GET') return send(res, 200, { ...o, transactions: transactions.get(rid), events: history.get(rid) });
      if (m === 'POST' && action === 'transactions') {
        if (o.status !== 'open') return fail(res, 409, 'order_not_payable', 'The order is already paid or cancelled.');
        if (Object.keys(body).join() !== 'card')
          return fail(res, 400, 'unknown_field', 'The request has a field this route does not take.');
        const approved = body.card.number === '4111111111111111';
        const txn = {
          id: id('txn'),
          order_id: o.id,
          merchant_id: 'mer_1',
          transaction_no: `FLN${seq}`,
          payment_reference: '00000000-0000-4000-8000-000000000000',
          status: approved ? 'success' : 'failed',
          amount: o.amount,
          amount_decimal: o.amount_decimal,
          currency: o.currency,
          card_last_four: body.card.number.slice(-4),
          bank_message: approved ? 'approved' : 'declined',
          debited: false,
          payback: null,
          created_at: iso(),
          updated_at: iso(),
        };
        transactions.get(o.id)!.push(txn);
        o.status = approved ? 'paid' : 'cancelled';
        for (const type of approved
          ? ['transaction.success', 'order.success']
          : ['transaction.failed', 'order.cancel']) {
          o.sequence++;
          const e = addEvent(
            type,
            paymentData({
              order_id: o.id,
              transaction_id: txn.id,
              reference: o.reference,
              sequence: o.sequence,
              order_status: o.status,
              status: txn.status as 'success',
            }),
          );
          history.get(o.id)!.push({
            event_id: e.id,
            type,
            sequence: o.sequence,
            transaction_id: txn.id,
            status: txn.status,
            order_status: o.status,
            created_at: e.created_at,
          });
        }
        return send(res, 201, { outcome: txn.status, transaction: txn, order: o });
      }
    }
    return fail(res, 404, 'not_found', 'No such route.');
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => fail(res, 500, 'internal_error', String(err)));
  });
  return { server, requests, events, deliveries, addEvent };
}
