/**
 * The overview: events and deliveries over the last hour (inline SVG bars), the success rate, attempt
 * latency p50/p99, failing endpoints and open circuits, queue depth and the oldest pending delivery; and `/dashboard/live`,
 * the Server-Sent Events stream that tells open pages to refresh their `data-part`s when something new
 * happened. All of it from the API, as the viewer: the success rate and the last hour's deliveries are
 * totals of a time window (`GET /v1/deliveries/counts`, which reads only that window); the charts,
 * failing endpoints and queue depth come from the latest 250 events and deliveries, the latency from the
 * attempts of the latest 20 deliveries (samples, said so on the page, never a scan of the store).
 */
import type { FastifyInstance } from 'fastify';
import { badge, barChart, html, href, page, table, time } from '../html.js';
import type { Dashboard, PageContext } from '../page-context.js';
import { PageError } from '../page-context.js';
import { callApi, viewerOf } from '../session.js';
import { isReplayId, replayMark } from './replays.js';

const BUCKETS = 12;
const WINDOW_MS = 60 * 60_000;
const DAY_MS = 24 * WINDOW_MS;

interface Delivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  created_at: string;
  updated_at: string;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function buckets(now: number, items: { at: number; failed: boolean }[]) {
  const size = WINDOW_MS / BUCKETS;
  const out = Array.from({ length: BUCKETS }, (_, i) => ({
    label: `${new Date(now - WINDOW_MS + i * size).toISOString().slice(11, 16)}Z`,
    ok: 0,
    failed: 0,
  }));
  for (const it of items) {
    const i = Math.floor((it.at - (now - WINDOW_MS)) / size);
    if (i >= 0 && i < BUCKETS) out[i][it.failed ? 'failed' : 'ok']++;
  }
  return out;
}

interface Counts {
  pending: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

const countsSince = (p: PageContext, ms: number) =>
  p.api('GET', `/v1/deliveries/counts?since=${new Date(ms).toISOString()}`);

export async function overviewBody(p: PageContext) {
  const now = Date.now();
  const [events, deliveries, pending, endpoints, hourR, dayR] = await Promise.all([
    p.api('GET', '/v1/events?limit=250'),
    p.api('GET', '/v1/deliveries?limit=250'),
    p.api('GET', '/v1/deliveries?status=pending&limit=250'),
    p.api('GET', '/v1/endpoints?limit=250'),
    countsSince(p, now - WINDOW_MS),
    countsSince(p, now - DAY_MS),
  ]);
  const hour = p.ok<Counts>(hourR);
  const day = p.ok<Counts>(dayR);
  const ev = p.ok<{ data: { id: string; type: string; created_at: string }[] }>(events).data;
  const dl = p.ok<{ data: Delivery[] }>(deliveries).data;
  const pend = p.ok<{ data: Delivery[]; next_cursor: string | null }>(pending);
  const eps = p.ok<{
    data: {
      id: string;
      url: string;
      disabled: boolean;
      disabled_reason: string | null;
      circuit: { state: string; failing_since: string | null; next_probe_at: string | null };
    }[];
  }>(endpoints).data;
  // Totals of a time window (GET /v1/deliveries/counts reads only that window), not of a sample.
  const finished = day.succeeded + day.failed;
  const rate = finished ? `${((day.succeeded / finished) * 100).toFixed(1)}%` : '–';
  const hourTotal = hour.pending + hour.succeeded + hour.failed + hour.cancelled;
  // The charts draw the latest 250 events and deliveries: said so when the hour holds more.
  const evCut =
    p.ok<{ next_cursor: string | null }>(events).next_cursor !== null &&
    Date.parse(ev.at(-1)?.created_at ?? '') > now - WINDOW_MS;
  const dlCut =
    p.ok<{ next_cursor: string | null }>(deliveries).next_cursor !== null &&
    Date.parse(dl.at(-1)?.created_at ?? '') > now - WINDOW_MS;
  const sample = await Promise.all(dl.slice(0, 20).map((d) => p.api('GET', `/v1/deliveries/${d.id}`)));
  const durations = sample
    .flatMap((r) => (r.status === 200 ? (r.body.attempts as { duration_ms: number }[]) : []))
    .map((a) => a.duration_ms)
    .sort((a, b) => a - b);
  const p50 = percentile(durations, 50);
  const p99 = percentile(durations, 99);
  const oldest = pend.data.at(-1);
  const failingByEndpoint = new Map<string, number>();
  for (const d of dl)
    if (d.status === 'failed' || (d.status === 'pending' && d.attempt_count > 0))
      failingByEndpoint.set(d.endpoint_id, (failingByEndpoint.get(d.endpoint_id) ?? 0) + 1);
  const failing = eps.filter((e) => e.disabled || failingByEndpoint.has(e.id));
  // Open and half-open circuits: payhook is holding these endpoints' deliveries back right now.
  const open = eps.filter((e) => e.circuit && e.circuit.state !== 'closed');
  const m = p.merchantId;
  return html`<section aria-labelledby="h-now" data-part="cards"><h2 id="h-now">Now</h2><div class="cards">
<div class="card" data-figure="success-rate">Success rate <b>${rate}</b><small>${day.succeeded} of ${finished} finished deliveries made in the last 24 h</small></div>
<div class="card" data-figure="last-hour">Deliveries, last hour <b>${hourTotal}</b><small>${hour.succeeded} succeeded, ${hour.failed} failed, ${hour.pending} pending${hour.cancelled ? `, ${hour.cancelled} cancelled` : ''}</small></div>
<div class="card">Attempt latency <b>${p50 === null ? '–' : `${p50} ms`}</b><small>p50; p99 ${p99 === null ? '–' : `${p99} ms`} (a sample: ${durations.length} attempts of the latest 20 deliveries)</small></div>
<div class="card">Queue depth <b>${pend.data.length}${pend.next_cursor ? '+' : ''}</b><small>pending deliveries${pend.next_cursor ? ' (counted up to 250)' : ''}</small></div>
<div class="card">Oldest pending <b>${oldest ? `${Math.round((now - Date.parse(oldest.created_at)) / 1000)} s` : '–'}</b><small>${oldest ? html`<a href="${href(p.viewer, `/dashboard/deliveries/${oldest.id}`, { merchant_id: m })}">${oldest.id}</a>` : 'none waiting'}</small></div>
</div></section>
<section aria-labelledby="h-time" data-part="charts"><h2 id="h-time">The last hour</h2><div class="cards">
${barChart(
  `Events, per 5 minutes${evCut ? ' (the latest 250 only)' : ''}`,
  buckets(
    now,
    ev.map((e) => ({ at: Date.parse(e.created_at), failed: false })),
  ),
)}
${barChart(
  `Deliveries, per 5 minutes (failed in red)${dlCut ? ' (the latest 250 only)' : ''}`,
  buckets(
    now,
    dl.map((d) => ({ at: Date.parse(d.created_at), failed: d.status === 'failed' })),
  ),
)}
</div></section>
<section aria-labelledby="h-failing" data-part="failing"><h2 id="h-failing">Failing endpoints</h2>
${table(
  ['Endpoint', 'URL', 'Failing deliveries', 'State'],
  failing.map((e) => [
    html`<a href="${href(p.viewer, `/dashboard/endpoints/${e.id}`, { merchant_id: m })}">${e.id}</a>`,
    e.url,
    failingByEndpoint.get(e.id) ?? 0,
    e.disabled
      ? html`<span class="bad">disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ''}</span>`
      : 'enabled',
  ]),
  'Failing endpoints',
)}</section>
<section aria-labelledby="h-circuits" data-part="circuits"><h2 id="h-circuits">Open circuits</h2>
${table(
  ['Endpoint', 'URL', 'Circuit', 'Failing since', 'Next probe'],
  open.map((e) => [
    html`<a href="${href(p.viewer, `/dashboard/endpoints/${e.id}`, { merchant_id: m })}">${e.id}</a>`,
    e.url,
    html`<span class="bad">${e.circuit.state.replace('_', '-')}</span>`,
    time(e.circuit.failing_since),
    time(e.circuit.next_probe_at),
  ]),
  'Open circuits',
)}</section>
<section aria-labelledby="h-events" data-part="events"><h2 id="h-events">Latest events</h2>
${table(
  ['Event', 'Type', 'Created'],
  ev
    .slice(0, 15)
    .map((e) => [
      html`<a href="${href(p.viewer, `/dashboard/events/${e.id}`, { merchant_id: m })}">${e.id}</a>`,
      e.type,
      time(e.created_at),
    ]),
  'Latest events',
)}
<h2>Latest deliveries</h2>
${table(
  ['Delivery', 'Type', 'Status', 'Attempts', 'Updated'],
  dl
    .slice(0, 15)
    .map((d) => [
      html`<a href="${href(p.viewer, `/dashboard/deliveries/${d.id}`, { merchant_id: m })}">${d.id}</a>`,
      d.event_type,
      badge(d.status),
      d.attempt_count,
      time(d.updated_at),
    ]),
  'Latest deliveries',
)}</section>`;
}

export function registerOverviewPages(dash: Dashboard, app: FastifyInstance, internalSecret: string): void {
  // Open streams end when the server closes, so a stop does not wait on browsers.
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of streams) end();
  });
  dash.get('/dashboard', async (p) => {
    if (!p.merchantId) return { redirect: '/dashboard/operator' };
    return page(
      { title: 'Overview', viewer: p.viewer, merchantId: p.merchantId, active: 'Overview', live: true },
      await overviewBody(p),
    );
  });

  // The live stream: every 2 s, the newest event and delivery (by id and update time) as the viewer
  // sees them, and the replay an endpoint page shows; when any changed, one `update` event. Polling the API in-process keeps it correct on
  // any number of API processes (a write on another process shows here too) for the price of two
  // indexed reads per open page every 2 s.
  app.get('/dashboard/live', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const viewer = await viewerOf(dash.ctx, request);
    if (!viewer) throw new PageError(401, 'Sign in first.');
    const q = request.query as { merchant_id?: string; replay?: string; seen?: string };
    const suffix = viewer.kind === 'admin' && q.merchant_id ? `&merchant_id=${encodeURIComponent(q.merchant_id)}` : '';
    // An endpoint page showing a replay watches it too: `seen` is the mark the page was rendered with,
    // so a replay that moved (or finished) before the stream opened still updates the page.
    const replay = isReplayId(q.replay) ? q.replay : null;
    let replaySeen = q.seen ?? '';
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(': payhook dashboard\n\n');
    let last = '';
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        const [e, d, r] = await Promise.all([
          callApi(app, internalSecret, viewer, request, 'GET', `/v1/events?limit=1${suffix}`),
          callApi(app, internalSecret, viewer, request, 'GET', `/v1/deliveries?limit=5${suffix}`),
          replay
            ? callApi(app, internalSecret, viewer, request, 'GET', `/v1/replays/${replay}?${suffix.slice(1)}`)
            : null,
        ]);
        if (e.status !== 200 || d.status !== 200 || (r && r.status !== 200)) {
          res.end();
          return;
        }
        const mark = JSON.stringify([
          e.body.data[0]?.id,
          d.body.data.map((x: { id: string; updated_at: string }) => `${x.id}@${x.updated_at}`),
        ]);
        const replayNow = r ? replayMark(r.body) : '';
        if ((last !== '' && mark !== last) || replayNow !== replaySeen)
          res.write(`event: update\ndata: ${Date.now()}\n\n`);
        else res.write(': tick\n\n');
        last = mark;
        replaySeen = replayNow;
      } catch {
        // The next tick tries again.
      }
      if (!stopped) timer = setTimeout(tick, 2000);
    };
    let timer = setTimeout(tick, 0);
    const end = () => {
      stopped = true;
      clearTimeout(timer);
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    request.raw.on('close', end);
  });
}
