/**
 * Events and deliveries: search events (type, time) and deliveries (status, endpoint, event); an
 * event's payload with its deliveries; a delivery's attempts (status, response excerpt, error class,
 * next retry, and the request headers a webhook carries) with a retry button.
 */
import { badge, html, href, page, postButton, table, time } from '../html.js';
import type { Dashboard, PageContext } from '../page-context.js';

interface Delivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  updated_at: string;
}

const qs = (q: Record<string, string | undefined>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) u.set(k, v);
  return u.toString();
};

export function deliveryRows(p: PageContext, list: Delivery[]) {
  const m = p.merchantId;
  return table(
    ['Delivery', 'Event type', 'Endpoint', 'Status', 'Attempts', 'Last', 'Next attempt', 'Updated'],
    list.map((d) => [
      html`<a href="${href(p.viewer, `/dashboard/deliveries/${d.id}`, { merchant_id: m })}">${d.id}</a>`,
      d.event_type,
      html`<a href="${href(p.viewer, `/dashboard/endpoints/${d.endpoint_id}`, { merchant_id: m })}">${d.endpoint_id}</a>`,
      badge(d.status),
      d.attempt_count,
      d.last_status_code ?? d.last_error ?? '–',
      d.status === 'pending' ? time(d.next_attempt_at) : '–',
      time(d.updated_at),
    ]),
    'Deliveries',
  );
}

export function registerEventPages(dash: Dashboard): void {
  dash.get('/dashboard/events', async (p) => {
    const { type, after, before } = p.query;
    const list = p.ok(await p.api('GET', `/v1/events?${qs({ type, after, before, limit: '100' })}`)) as {
      data: { id: string; type: string; created_at: string }[];
    };
    const m = p.merchantId;
    return page(
      { title: 'Events', viewer: p.viewer, merchantId: m, active: 'Events', live: true },
      html`<form method="get" class="filters" role="search" aria-label="Search events">${m && p.viewer.kind === 'admin' ? html`<input type="hidden" name="merchant_id" value="${m}">` : ''}
<label>Type <input name="type" value="${type ?? ''}" placeholder="order.* or order.success"></label>
<label>After <input name="after" value="${after ?? ''}" placeholder="ISO time or evt_ id"></label>
<label>Before <input name="before" value="${before ?? ''}" placeholder="ISO time or evt_ id"></label>
<button type="submit">Search</button></form>
<div data-part="events">${table(
        ['Event', 'Type', 'Created'],
        list.data.map((e) => [
          html`<a href="${href(p.viewer, `/dashboard/events/${e.id}`, { merchant_id: m })}">${e.id}</a>`,
          e.type,
          time(e.created_at),
        ]),
        'Events',
      )}</div>`,
    );
  });

  dash.get('/dashboard/events/:id', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    const event = p.ok(await p.api('GET', `/v1/events/${id}`)) as {
      id: string;
      type: string;
      created_at: string;
      data: unknown;
    };
    const dl = p.ok(await p.api('GET', `/v1/deliveries?event_id=${id}&limit=100`)) as { data: Delivery[] };
    return page(
      { title: `Event ${event.id}`, viewer: p.viewer, merchantId: p.merchantId, active: 'Events', live: true },
      html`<dl><dt>Type</dt><dd>${event.type}</dd><dt>Created</dt><dd>${time(event.created_at)}</dd></dl>
<h2>Payload</h2><pre>${JSON.stringify(event.data, null, 2)}</pre>
<h2>Deliveries</h2><div data-part="deliveries">${deliveryRows(p, dl.data)}</div>`,
    );
  });

  dash.get('/dashboard/deliveries', async (p) => {
    const { status, endpoint_id, event_id } = p.query;
    const list = p.ok(await p.api('GET', `/v1/deliveries?${qs({ status, endpoint_id, event_id, limit: '100' })}`)) as {
      data: Delivery[];
    };
    const m = p.merchantId;
    return page(
      { title: 'Deliveries', viewer: p.viewer, merchantId: m, active: 'Deliveries', live: true },
      html`<form method="get" class="filters" role="search" aria-label="Search deliveries">${m && p.viewer.kind === 'admin' ? html`<input type="hidden" name="merchant_id" value="${m}">` : ''}
<label>Status <select name="status"><option value="">any</option>${['pending', 'succeeded', 'failed', 'cancelled'].map(
        (s) => html`<option${s === status ? html` selected` : ''}>${s}</option>`,
      )}</select></label>
<label>Endpoint <input name="endpoint_id" value="${endpoint_id ?? ''}" placeholder="ep_…"></label>
<label>Event <input name="event_id" value="${event_id ?? ''}" placeholder="evt_…"></label>
<button type="submit">Search</button></form>
<div data-part="deliveries">${deliveryRows(p, list.data)}</div>`,
    );
  });

  dash.get('/dashboard/deliveries/:id', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    const d = p.ok(await p.api('GET', `/v1/deliveries/${id}`)) as Delivery & {
      attempts: {
        attempt: number;
        started_at: string;
        duration_ms: number;
        status_code: number | null;
        response_body: string | null;
        error_class: string | null;
        error_message: string | null;
        next_retry_at: string | null;
      }[];
    };
    const m = p.merchantId;
    const notice = p.query.notice === 'retried' ? 'Retry queued: the delivery is due now.' : undefined;
    return page(
      { title: `Delivery ${d.id}`, viewer: p.viewer, merchantId: m, active: 'Deliveries', live: true, notice },
      html`<div data-part="delivery"><dl>
<dt>Status</dt><dd>${badge(d.status)}</dd>
<dt>Event</dt><dd><a href="${href(p.viewer, `/dashboard/events/${d.event_id}`, { merchant_id: m })}">${d.event_id}</a> (${d.event_type})</dd>
<dt>Endpoint</dt><dd><a href="${href(p.viewer, `/dashboard/endpoints/${d.endpoint_id}`, { merchant_id: m })}">${d.endpoint_id}</a></dd>
<dt>Next attempt</dt><dd>${d.status === 'pending' ? time(d.next_attempt_at) : '–'}</dd>
<dt>Request headers</dt><dd><code>content-type: application/json</code>, <code>webhook-id: ${d.event_id}</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code> (v1, HMAC-SHA256 with the endpoint's secret), <code>traceparent</code>, and the endpoint's own headers</dd>
</dl>
<p>${postButton(p.viewer, href(p.viewer, `/dashboard/deliveries/${d.id}/retry`, { merchant_id: m }), 'Retry now')}</p>
<h2>Attempts</h2>
${d.attempts.map(
  (
    a,
  ) => html`<section class="card" aria-label="Attempt ${a.attempt}"><h3>Attempt ${a.attempt}: ${a.status_code ?? a.error_class ?? '–'}</h3>
<dl><dt>Started</dt><dd>${time(a.started_at)}</dd><dt>Duration</dt><dd>${a.duration_ms} ms</dd>
<dt>Status</dt><dd>${a.status_code ?? '–'}</dd><dt>Error class</dt><dd>${a.error_class ?? '–'}${a.error_message ? `: ${a.error_message}` : ''}</dd>
<dt>Next retry</dt><dd>${time(a.next_retry_at)}</dd></dl>
${a.response_body ? html`<pre aria-label="Response excerpt">${a.response_body}</pre>` : ''}</section>`,
)}
${d.attempts.length ? '' : html`<p class="empty">No attempt yet.</p>`}</div>`,
    );
  });

  dash.post('/dashboard/deliveries/:id/retry', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    p.ok(await p.api('POST', `/v1/deliveries/${id}/retry`));
    return {
      redirect: href(p.viewer, `/dashboard/deliveries/${id}`, { merchant_id: p.merchantId, notice: 'retried' }),
    };
  });
}
