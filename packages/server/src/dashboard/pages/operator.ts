/**
 * The operator view (admin key): instance health (/readyz) and every merchant with its volumes and
 * failure rate: deliveries of the last 24 hours (totals, `GET /v1/deliveries/counts`) and its latest
 * 250 events, each a link to that merchant's pages (the
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
    const since = new Date(Date.now() - 86_400_000).toISOString();
    const rows = await Promise.all(
      merchants.map(async (m) => {
        const mq = `merchant_id=${encodeURIComponent(m.id)}`;
        const [ev, cr] = await Promise.all([
          p.api('GET', `/v1/events?${mq}&limit=250`),
          p.api('GET', `/v1/deliveries/counts?${mq}&since=${since}`),
        ]);
        // Totals of the last 24 hours (the API reads only that window of the merchant's deliveries).
        const c = (cr.status === 200 ? cr.body : { pending: 0, succeeded: 0, failed: 0, cancelled: 0 }) as Record<
          'pending' | 'succeeded' | 'failed' | 'cancelled',
          number
        >;
        const done = c.failed + c.succeeded;
        return [
          html`<a href="${href(p.viewer, '/dashboard', { merchant_id: m.id })}">${m.name}</a>`,
          m.id,
          `${(ev.body?.data ?? []).length}${ev.body?.next_cursor ? '+' : ''}`,
          c.pending + c.succeeded + c.failed + c.cancelled,
          done ? `${((c.failed / done) * 100).toFixed(1)}%` : '–',
          c.pending,
        ];
      }),
    );
    const link = p.query.portal;
    return page(
      { title: 'Operator', viewer: p.viewer, active: 'Operator' },
      html`<h2>This instance</h2><p>${ready.status === 200 ? html`<span class="ok">ready</span>` : html`<span class="bad">not ready (${ready.status})</span>`}</p>
<pre>${JSON.stringify(ready.body, null, 2)}</pre>
<h2>Merchants</h2><p class="muted">Events: the latest 250 at most. Deliveries, failure rate and pending: of the deliveries made in the last 24 hours.</p>${table(['Merchant', 'Id', 'Events (latest 250)', 'Deliveries, 24 h', 'Failure rate, 24 h', 'Pending (of 24 h)'], rows, 'Merchants')}
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
