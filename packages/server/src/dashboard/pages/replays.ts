/**
 * Bulk replay from an endpoint's page: a form for `POST /v1/endpoints/{id}/replay` (a time window, the
 * event types, which deliveries, which recipients: the API's body, docs/delivery.md#bulk-replay), and
 * the job's progress (`GET /v1/replays/{id}`) on the endpoint's page as `?replay=rpl_…`. The page is
 * live while a replay is shown: the live stream (overview.ts) watches the replay too, so its progress
 * bar moves and its end shows without a reload. A read-only viewer gets no form, and the API refuses
 * its POST all the same.
 */
import { csrfField, type Html, html, href, time } from '../html.js';
import type { Dashboard, PageContext } from '../page-context.js';

export interface ReplayView {
  id: string;
  endpoint_id: string;
  since: string;
  until: string;
  types: string[] | null;
  status: 'failed' | 'all';
  recipients: 'original' | 'current';
  state: 'queued' | 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  requeued: number;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

/** What the live stream compares to tell that a replay moved (the page renders the same mark). */
export const replayMark = (r: Pick<ReplayView, 'state' | 'done' | 'requeued'>): string =>
  `${r.state}:${r.done}:${r.requeued}`;

export const isReplayId = (id: string | undefined): id is string => !!id && /^rpl_[0-9A-Za-z]{1,64}$/.test(id);

/** The replay form of an endpoint's page (writers only; the caller leaves it out for the rest). */
export function replayForm(p: PageContext, action: string): Html {
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
  return html`<h2 id="h-replay">Replay events</h2>
<form method="post" action="${action}" class="stack" aria-labelledby="h-replay">${csrfField(p.viewer.csrf)}
<p class="muted">Sends the events of a time window to this endpoint again, as a background job; its progress shows here.</p>
<div class="field"><label for="r-since">since</label><input id="r-since" name="since" value="${dayAgo}" required aria-describedby="r-since-help"><small id="r-since-help">Events created at or after this time (ISO 8601 with a zone).</small></div>
<div class="field"><label for="r-until">until</label><input id="r-until" name="until" value="" aria-describedby="r-until-help"><small id="r-until-help">Events created before this time; empty for now.</small></div>
<div class="field"><label for="r-types">types</label><input id="r-types" name="types" value="" aria-describedby="r-types-help"><small id="r-types-help">Comma-separated event types and <code>prefix.*</code> wildcards; empty for every type.</small></div>
<div class="field"><label for="r-status">deliveries</label><select id="r-status" name="status" aria-describedby="r-status-help"><option value="failed" selected>failed only</option><option value="all">all</option></select><small id="r-status-help">Only events whose delivery to this endpoint failed, or every event of the window.</small></div>
<div class="field"><label for="r-recipients">recipients</label><select id="r-recipients" name="recipients" aria-describedby="r-recipients-help"><option value="original" selected>original</option><option value="current">current</option></select><small id="r-recipients-help">Events this endpoint had a delivery for, or the events its event filter matches now (making a delivery where it had none).</small></div>
<button type="submit">Start replay</button></form>`;
}

/** A replay's progress, as the part of the endpoint's page the live refresh swaps. */
export function replayProgress(p: PageContext, r: ReplayView): Html {
  const finished = r.state === 'completed' || r.state === 'failed';
  return html`<div data-part="replay"><section aria-labelledby="h-progress" class="card" data-replay-state="${r.state}"><h2 id="h-progress">Replay ${r.id}: <span class="${r.state === 'failed' ? 'bad' : r.state === 'completed' ? 'ok' : 'pending'}">${r.state}</span></h2>
<p><progress id="r-progress" max="${Math.max(1, r.total)}" value="${finished && r.total === 0 ? 1 : r.done}" aria-label="Replay progress">${r.done} of ${r.total}</progress> <span role="status">${r.done} of ${r.total} events handled; ${r.requeued} ${r.requeued === 1 ? 'delivery' : 'deliveries'} sent again${finished ? '' : ' so far'}</span></p>
${r.error ? html`<p class="notice error" role="alert">${r.error}</p>` : ''}
<dl><dt>window</dt><dd>${time(r.since)} to ${time(r.until)}</dd><dt>types</dt><dd>${r.types?.join(', ') ?? 'all'}</dd><dt>deliveries</dt><dd>${r.status === 'failed' ? 'failed only' : 'all'}</dd><dt>recipients</dt><dd>${r.recipients}</dd><dt>started</dt><dd>${time(r.created_at)}</dd><dt>finished</dt><dd>${time(r.completed_at)}</dd></dl>
${finished ? html`<p><a href="${href(p.viewer, `/dashboard/endpoints/${r.endpoint_id}`, { merchant_id: p.merchantId })}">Hide</a></p>` : ''}</section></div>`;
}

export function registerReplayPages(dash: Dashboard): void {
  dash.post('/dashboard/endpoints/:id/replay', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    const f = p.form;
    const types = (f.types ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const body: Record<string, unknown> = { since: (f.since ?? '').trim() };
    if (f.until?.trim()) body.until = f.until.trim();
    if (types.length) body.types = types;
    if (f.status) body.status = f.status;
    if (f.recipients) body.recipients = f.recipients;
    const r = p.ok(await p.api('POST', `/v1/endpoints/${id}/replay`, body)) as ReplayView;
    return { redirect: href(p.viewer, `/dashboard/endpoints/${id}`, { merchant_id: p.merchantId, replay: r.id }) };
  });
}
