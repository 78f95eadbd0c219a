/**
 * The operator view (admin key): instance health (/readyz) and every merchant with its volumes and
 * failure rate over its latest 250 events and deliveries, each a link to that merchant's pages (the
 * admin acts for a merchant with `merchant_id`, as in the API). It also makes portal links.
 */
import { csrfField, html, href, page, table } from '../html.js';
import type { Dashboard } from '../page-context.js';
import { PageError } from '../page-context.js';

export function registerOperatorPages(dash: Dashboard): void {
  dash.get('/dashboard/operator', async (p) => {
    if (p.viewer.kind !== 'admin') throw new PageError(403, 'The operator view needs the admin key.');
    const [merchantsR, ready] = await Promise.all([p.api('GET', '/v1/merchants?limit=100'), p.api('GET', '/readyz')]);
    const merchants = (p.ok(merchantsR) as { data: { id: string; name: string; created_at: string }[] }).data;
    const rows = await Promise.all(
      merchants.map(async (m) => {
        const q = `merchant_id=${encodeURIComponent(m.id)}&limit=250`;
        const [ev, dl] = await Promise.all([p.api('GET', `/v1/events?${q}`), p.api('GET', `/v1/deliveries?${q}`)]);
        const dels = (dl.body?.data ?? []) as { status: string }[];
        const failed = dels.filter((d) => d.status === 'failed').length;
        const done = dels.filter((d) => d.status === 'failed' || d.status === 'succeeded').length;
        return [
          html`<a href="${href(p.viewer, '/dashboard', { merchant_id: m.id })}">${m.name}</a>`,
          m.id,
          `${(ev.body?.data ?? []).length}${ev.body?.next_cursor ? '+' : ''}`,
          `${dels.length}${dl.body?.next_cursor ? '+' : ''}`,
          done ? `${((failed / done) * 100).toFixed(1)}%` : '–',
          dels.filter((d) => d.status === 'pending').length,
        ];
      }),
    );
    const link = p.query.portal;
    return page(
      { title: 'Operator', viewer: p.viewer, active: 'Operator' },
      html`<h2>This instance</h2><p>${ready.status === 200 ? html`<span class="ok">ready</span>` : html`<span class="bad">not ready (${ready.status})</span>`}</p>
<pre>${JSON.stringify(ready.body, null, 2)}</pre>
<h2>Merchants</h2>${table(['Merchant', 'Id', 'Events', 'Deliveries', 'Failure rate', 'Pending'], rows, 'Merchants (latest 250 events and deliveries each)')}
<h2 id="h-portal">Portal link</h2>
${link ? html`<p class="notice" role="status">One-time link (open it once, before it expires): <code>${link}</code></p>` : ''}
<form method="post" action="/dashboard/operator/portal-link" class="filters" aria-labelledby="h-portal">${csrfField(p.viewer.csrf)}
<label>Merchant <select name="merchant_id">${merchants.map((m) => html`<option value="${m.id}">${m.name} (${m.id})</option>`)}</select></label>
<label class="check"><input type="checkbox" name="read_only" value="true"> read-only</label>
<button type="submit">Make a portal link</button></form>`,
    );
  });

  dash.post('/dashboard/operator/portal-link', async (p) => {
    const r = p.ok(
      await p.api('POST', `/v1/portal-links?merchant_id=${encodeURIComponent(p.form.merchant_id ?? '')}`, {
        read_only: p.form.read_only === 'true',
      }),
    ) as { url: string };
    return { redirect: href(p.viewer, '/dashboard/operator', { portal: r.url }) };
  });
}
