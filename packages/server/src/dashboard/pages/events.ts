/**
 * Events and deliveries: search events (type, time) and deliveries (status, endpoint, event); an
 * event's payload with its deliveries; a delivery's attempts (status, response excerpt, error class,
 * next retry, and their request headers, rebuilt: they are not stored) with a retry button, and a
 * skip button where a delivery holds (or waits on) its ordering key.
 */
import { webhookHeaders } from '../../delivery/attempt.js';
import { idHex } from '../../ids.js';
import { VERSION } from '../../version.js';
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

const HEADERS_NOTE =
  "Request headers are not stored with attempts: these are rebuilt as payhook makes them (delivery/attempt.ts), from the event id, the attempt's start and the endpoint's headers as they are now. The signature is not stored (it is the HMAC of the id, the timestamp and the body under the secret of that moment); each attempt's traceparent has a parent id of its own, not stored either.";

/**
 * The headers an attempt carried, rebuilt with the function that made them: the event's trace id
 * (made from the event id, or the trace the event was accepted in when it came with one) and the
 * endpoint's headers as they are now; the signature and the traceparent's parent id are not stored.
 */
export function attemptHeaders(eventId: string, startedAt: string, custom: Record<string, string> | null): string {
  const headers = webhookHeaders(
    custom ?? {},
    `payhook/${VERSION}`,
    eventId,
    Math.floor(Date.parse(startedAt) / 1000),
    'v1,… (not stored)',
    `00-${idHex(eventId)}-…-01`,
  );
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
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
      ordering_key: string | null;
      held: boolean;
      skipped_at: string | null;
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
    // The endpoint's own headers, for the request headers of each attempt (absent once it is deleted).
    const epR = await p.api('GET', `/v1/endpoints/${encodeURIComponent(d.endpoint_id)}`);
    const custom = epR.status === 200 ? ((epR.body.headers ?? {}) as Record<string, string>) : null;
    const m = p.merchantId;
    const notice =
      p.query.notice === 'retried'
        ? 'Retry queued: the delivery is due now.'
        : p.query.notice === 'skipped'
          ? 'Skipped: the next delivery of its ordering key may go.'
          : undefined;
    // Skip: what releases an ordering key by hand (a held delivery, or an ordered one still waiting).
    const skippable = d.held || (d.ordering_key !== null && d.status === 'pending');
    const action = (what: string) => href(p.viewer, `/dashboard/deliveries/${d.id}/${what}`, { merchant_id: m });
    return page(
      { title: `Delivery ${d.id}`, viewer: p.viewer, merchantId: m, active: 'Deliveries', live: true, notice },
      html`<div data-part="delivery"><dl>
<dt>Status</dt><dd>${badge(d.status)}</dd>
<dt>Event</dt><dd><a href="${href(p.viewer, `/dashboard/events/${d.event_id}`, { merchant_id: m })}">${d.event_id}</a> (${d.event_type})</dd>
<dt>Endpoint</dt><dd><a href="${href(p.viewer, `/dashboard/endpoints/${d.endpoint_id}`, { merchant_id: m })}">${d.endpoint_id}</a></dd>
<dt>Next attempt</dt><dd>${d.status === 'pending' ? time(d.next_attempt_at) : '–'}</dd>
${d.ordering_key === null ? '' : html`<dt>Ordering key</dt><dd><code>${d.ordering_key}</code>${d.held ? html` <span class="bad" data-held>held: the next deliveries of this key wait until it succeeds or is skipped</span>` : ''}</dd>`}
${d.skipped_at ? html`<dt>Skipped</dt><dd>${time(d.skipped_at)}</dd>` : ''}
</dl>
<p>${postButton(p.viewer, action('retry'), 'Retry now')} ${skippable ? postButton(p.viewer, action('skip'), 'Skip', html``, 'Skip this delivery and let the next of its ordering key go?') : ''}</p>
<h2>Attempts</h2>
${d.attempts.map(
  (
    a,
  ) => html`<section class="card" aria-label="Attempt ${a.attempt}"><h3>Attempt ${a.attempt}: ${a.status_code ?? a.error_class ?? '–'}</h3>
<dl><dt>Started</dt><dd>${time(a.started_at)}</dd><dt>Duration</dt><dd>${a.duration_ms} ms</dd>
<dt>Status</dt><dd>${a.status_code ?? '–'}</dd><dt>Error class</dt><dd>${a.error_class ?? '–'}${a.error_message ? `: ${a.error_message}` : ''}</dd>
<dt>Next retry</dt><dd>${time(a.next_retry_at)}</dd></dl>
<details><summary>Request headers</summary><pre aria-label="Request headers of attempt ${a.attempt}">${attemptHeaders(d.event_id, a.started_at, custom)}</pre></details>
${a.response_body ? html`<pre aria-label="Response excerpt">${a.response_body}</pre>` : ''}</section>`,
)}
${d.attempts.length ? html`<p class="muted">${HEADERS_NOTE}${custom === null ? ' The endpoint is deleted, so its own headers are not shown.' : ''}</p>` : ''}
${d.attempts.length ? '' : html`<p class="empty">No attempt yet.</p>`}</div>`,
    );
  });

  dash.post('/dashboard/deliveries/:id/skip', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    p.ok(await p.api('POST', `/v1/deliveries/${id}/skip`));
    return {
      redirect: href(p.viewer, `/dashboard/deliveries/${id}`, { merchant_id: p.merchantId, notice: 'skipped' }),
    };
  });

  dash.post('/dashboard/deliveries/:id/retry', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    p.ok(await p.api('POST', `/v1/deliveries/${id}/retry`));
    return {
      redirect: href(p.viewer, `/dashboard/deliveries/${id}`, { merchant_id: p.merchantId, notice: 'retried' }),
    };
  });
}
