/**
 * Endpoints: the list, create, and one endpoint's page: its fields (an edit form drawn from
 * `PATCH /v1/endpoints/{id}`'s schema, schema-form.ts), enable/disable, reveal and rotate the signing
 * secret, send a test webhook (in any event version), recover failed deliveries, replay a window of
 * events with its progress (replays.ts), and its latest deliveries; its circuit (state, failing since, next probe) and why it is disabled. A read-only viewer
 * gets the same page without forms; the API refuses their POSTs all the same.
 */
import { badge, csrfField, type Html, html, href, page, postButton, raw, table, time } from '../html.js';
import type { Dashboard, PageContext } from '../page-context.js';
import { bodyFields, fieldInputs, formBody } from '../schema-form.js';
import { isReplayId, type ReplayView, replayForm, replayMark, replayProgress } from './replays.js';

/** Labels where the field's name alone says too little (the schema's description is the help). */
const LABELS = { ordered: 'ordered delivery' };

/** Fields shown read-only above the form (the rest of GET's fields that no form field edits). */
const SHOWN = ['id', 'url', 'disabled', 'disabled_reason', 'created_at', 'updated_at'];

interface Circuit {
  state: 'closed' | 'open' | 'half_open';
  failing_since: string | null;
  next_probe_at: string | null;
}

/**
 * The event versions, from `GET /v1/event-types` (`versions`, oldest first): the choices of the
 * `api_version` select and of the test webhook's version. (It answers the catalogue too, in-process: a
 * few KiB per endpoint page, not worth a route of its own.)
 */
async function versionsOf(p: PageContext): Promise<string[]> {
  const r = p.ok(await p.api('GET', '/v1/event-types')) as { versions?: { version: string }[] };
  return (r.versions ?? []).map((v) => v.version);
}

export function circuitText(c: Circuit | undefined): Html {
  if (!c) return html`–`;
  return html`<span class="${c.state === 'closed' ? 'ok' : 'bad'}">${c.state.replace('_', '-')}</span>${
    c.failing_since ? html`, failing since ${time(c.failing_since)}` : ''
  }${c.next_probe_at ? html`, next probe ${time(c.next_probe_at)}` : ''}`;
}

export function registerEndpointPages(dash: Dashboard): void {
  const swaggerOf = (p: PageContext) => p.request.server;

  dash.get('/dashboard/endpoints', async (p) => {
    const list = p.ok(await p.api('GET', '/v1/endpoints?limit=250')) as {
      data: {
        id: string;
        url: string;
        event_types: string[] | null;
        disabled: boolean;
        api_version: string;
        circuit: Circuit;
      }[];
    };
    const m = p.merchantId;
    const create = p.viewer.canWrite
      ? html`<h2 id="h-new">New endpoint</h2><form method="post" action="${href(p.viewer, '/dashboard/endpoints', { merchant_id: m })}" class="stack" aria-labelledby="h-new">${csrfField(
          p.viewer.csrf,
        )}${fieldInputs(bodyFields(swaggerOf(p), '/v1/endpoints', 'post'), {}, { api_version: await versionsOf(p) }, LABELS)}<button type="submit">Create endpoint</button></form>`
      : html``;
    return page(
      { title: 'Endpoints', viewer: p.viewer, merchantId: m, active: 'Endpoints' },
      html`${table(
        ['Endpoint', 'URL', 'Event types', 'Version', 'State', 'Circuit'],
        list.data.map((e) => [
          html`<a href="${href(p.viewer, `/dashboard/endpoints/${e.id}`, { merchant_id: m })}">${e.id}</a>`,
          e.url,
          e.event_types?.join(', ') || 'all',
          e.api_version,
          e.disabled ? html`<span class="bad">disabled</span>` : 'enabled',
          circuitText(e.circuit),
        ]),
        'Endpoints',
      )}${create}`,
    );
  });

  dash.post('/dashboard/endpoints', async (p) => {
    const body = formBody(bodyFields(swaggerOf(p), '/v1/endpoints', 'post'), p.form, null);
    const ep = p.ok(await p.api('POST', '/v1/endpoints', body)) as { id: string };
    return {
      redirect: href(p.viewer, `/dashboard/endpoints/${ep.id}`, { merchant_id: p.merchantId, notice: 'created' }),
    };
  });

  const show = async (p: PageContext, id: string, extra?: Html) => {
    const replayId = isReplayId(p.query.replay) ? p.query.replay : null;
    const [epR, dlR, versions, replayR] = await Promise.all([
      p.api('GET', `/v1/endpoints/${encodeURIComponent(id)}`),
      p.api('GET', `/v1/deliveries?endpoint_id=${encodeURIComponent(id)}&limit=20`),
      versionsOf(p),
      replayId ? p.api('GET', `/v1/replays/${replayId}`) : null,
    ]);
    // A replay of another endpoint (a hand-edited URL) is not shown here.
    const replay = replayR ? (p.ok(replayR) as ReplayView) : null;
    const shownReplay = replay && replay.endpoint_id === id ? replay : null;
    const ep = p.ok(epR) as Record<string, unknown> & {
      id: string;
      disabled: boolean;
      api_version: string;
      circuit?: Circuit;
    };
    const m = p.merchantId;
    const base = `/dashboard/endpoints/${ep.id}`;
    const action = (what: string) => href(p.viewer, `${base}/${what}`, { merchant_id: m });
    const fields = bodyFields(swaggerOf(p), '/v1/endpoints/{id}', 'patch');
    const editable = new Set(fields.map(([k]) => k));
    // The circuit has its own line (state, since when it fails, the next probe), not raw JSON.
    const other = Object.entries(ep).filter(([k]) => k !== 'circuit' && (SHOWN.includes(k) || !editable.has(k)));
    const notice =
      p.query.notice === 'created' ? 'Endpoint created.' : p.query.notice === 'saved' ? 'Saved.' : undefined;
    const recent = (
      p.ok(dlR) as {
        data: { id: string; event_type: string; status: string; attempt_count: number; updated_at: string }[];
      }
    ).data;
    return page(
      {
        title: `Endpoint ${ep.id}`,
        viewer: p.viewer,
        merchantId: m,
        active: 'Endpoints',
        notice,
        live: shownReplay !== null,
        liveQuery: shownReplay ? { replay: shownReplay.id, seen: replayMark(shownReplay) } : undefined,
      },
      html`${extra ?? ''}${shownReplay ? replayProgress(p, shownReplay) : ''}<dl>${other.map(([k, v]) => html`<dt>${k.replace(/_/g, ' ')}</dt><dd>${typeof v === 'object' && v !== null ? html`<code>${JSON.stringify(v)}</code>` : String(v ?? '–')}</dd>`)}<dt>circuit</dt><dd data-circuit="${ep.circuit?.state ?? ''}">${circuitText(ep.circuit)}</dd></dl>
${
  p.viewer.canWrite
    ? html`<h2>Actions</h2><p>
${postButton(p.viewer, action('toggle'), ep.disabled ? 'Enable' : 'Disable', html`<input type="hidden" name="disabled" value="${ep.disabled ? 'false' : 'true'}">`)}
${postButton(p.viewer, action('secret'), 'Reveal secret')}
${postButton(p.viewer, action('rotate'), 'Rotate secret')}
</p>
<form method="post" action="${action('test')}" class="filters">${csrfField(p.viewer.csrf)}<label>Send a test webhook in version <select name="api_version">${versions.map(
        (v) => html`<option${v === ep.api_version ? raw(' selected') : ''}>${v}</option>`,
      )}</select></label><button type="submit">Send test webhook</button></form>
<form method="post" action="${action('recover')}" class="filters">${csrfField(p.viewer.csrf)}<label>Recover failed deliveries since <input name="since" value="${new Date(Date.now() - 86_400_000).toISOString()}"></label><button type="submit">Recover</button></form>
${ep.disabled ? html`<p class="muted">Replay: enable the endpoint first.</p>` : replayForm(p, action('replay'))}
<h2 id="h-edit">Edit</h2><form method="post" action="${action('edit')}" class="stack" aria-labelledby="h-edit">${csrfField(p.viewer.csrf)}${fieldInputs(fields, ep, { api_version: versions }, LABELS)}<button type="submit">Save</button></form>`
    : html`<p class="muted">Read-only: this session can look, not change.</p>`
}
<h2>Latest deliveries</h2>
${table(
  ['Delivery', 'Type', 'Status', 'Attempts', 'Updated'],
  recent.map((d) => [
    html`<a href="${href(p.viewer, `/dashboard/deliveries/${d.id}`, { merchant_id: m })}">${d.id}</a>`,
    d.event_type,
    badge(d.status),
    d.attempt_count,
    time(d.updated_at),
  ]),
  'Latest deliveries',
)}`,
    );
  };

  dash.get('/dashboard/endpoints/:id', (p) => show(p, (p.request.params as { id: string }).id));

  const id = (p: PageContext) => encodeURIComponent((p.request.params as { id: string }).id);
  const back = (p: PageContext, notice = 'saved') =>
    ({ redirect: href(p.viewer, `/dashboard/endpoints/${id(p)}`, { merchant_id: p.merchantId, notice }) }) as const;

  dash.post('/dashboard/endpoints/:id/edit', async (p) => {
    const current = p.ok(await p.api('GET', `/v1/endpoints/${id(p)}`)) as Record<string, unknown>;
    const body = formBody(bodyFields(swaggerOf(p), '/v1/endpoints/{id}', 'patch'), p.form, current);
    if (Object.keys(body).length) p.ok(await p.api('PATCH', `/v1/endpoints/${id(p)}`, body));
    return back(p);
  });
  dash.post('/dashboard/endpoints/:id/toggle', async (p) => {
    p.ok(await p.api('PATCH', `/v1/endpoints/${id(p)}`, { disabled: p.form.disabled === 'true' }));
    return back(p);
  });
  dash.post('/dashboard/endpoints/:id/rotate', async (p) => {
    p.ok(await p.api('POST', `/v1/endpoints/${id(p)}/rotate-secret`));
    return back(p);
  });
  dash.post('/dashboard/endpoints/:id/recover', async (p) => {
    const r = p.ok(await p.api('POST', `/v1/endpoints/${id(p)}/recover`, { since: p.form.since ?? '' })) as {
      recovered: number;
    };
    return show(p, id(p), html`<p class="notice" role="status">${r.recovered} failed deliveries are due again.</p>`);
  });
  // Revealing is a POST (with its CSRF token): the secret is shown in this answer only, never in a URL.
  dash.post('/dashboard/endpoints/:id/secret', async (p) => {
    const s = p.ok(await p.api('GET', `/v1/endpoints/${id(p)}/secret`)) as { secret: string };
    return show(p, id(p), html`<p class="notice" role="status">Signing secret: <code>${s.secret}</code></p>`);
  });
  dash.post('/dashboard/endpoints/:id/test', async (p) => {
    const version = p.form.api_version || undefined;
    const r = p.ok(
      await p.api('POST', `/v1/endpoints/${id(p)}/test`, version ? { api_version: version } : undefined),
    ) as {
      succeeded: boolean;
      status_code: number | null;
      duration_ms: number;
      error_class: string | null;
      response_body: string | null;
    };
    return show(
      p,
      id(p),
      html`<div class="notice${r.succeeded ? '' : ' error'}" role="status">Test webhook${version ? ` in version ${version}` : ''} ${r.succeeded ? 'delivered' : 'failed'}: ${
        r.status_code ?? r.error_class ?? '–'
      } in ${r.duration_ms} ms${r.response_body ? html`<pre>${r.response_body}</pre>` : ''}</div>`,
    );
  });
}
