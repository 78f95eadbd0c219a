/**
 * Payments (the payment module's API, when it runs): orders, searched by reference or status; an
 * order's transactions and refunds, and the events it emitted, which are its state history (each
 * carries the transaction or refund status and the order status it moved to).
 */
import { badge, html, href, page, table, time } from '../html.js';
import type { Dashboard } from '../page-context.js';

interface Money {
  amount_decimal: string;
  currency: string;
}

const money = (x: Money) => `${x.amount_decimal} ${x.currency}`;

export function registerPaymentPages(dash: Dashboard): void {
  dash.get('/dashboard/payments', async (p) => {
    const { reference, status } = p.query;
    const q = new URLSearchParams({ limit: '100' });
    if (reference) q.set('reference', reference);
    if (status) q.set('status', status);
    const r = await p.api('GET', `/v1/orders?${q}`);
    const m = p.merchantId;
    const orders =
      r.status === 404
        ? null
        : (p.ok(r) as { data: (Money & { id: string; reference: string; status: string; created_at: string })[] });
    return page(
      { title: 'Payments', viewer: p.viewer, merchantId: m, active: 'Payments', live: true },
      orders === null
        ? html`<p class="empty">The payment module does not run in this payhook.</p>`
        : html`<form method="get" class="filters" role="search" aria-label="Search orders">${m && p.viewer.kind === 'admin' ? html`<input type="hidden" name="merchant_id" value="${m}">` : ''}
<label>Reference <input name="reference" value="${reference ?? ''}"></label>
<label>Status <input name="status" value="${status ?? ''}" placeholder="paid, pending, …"></label>
<button type="submit">Search</button></form>
<div data-part="orders">${table(
            ['Order', 'Reference', 'Amount', 'Status', 'Created'],
            orders.data.map((o) => [
              html`<a href="${href(p.viewer, `/dashboard/orders/${o.id}`, { merchant_id: m })}">${o.id}</a>`,
              o.reference,
              money(o),
              badge(o.status),
              time(o.created_at),
            ]),
            'Orders',
          )}</div>`,
    );
  });

  dash.get('/dashboard/orders/:id', async (p) => {
    const id = encodeURIComponent((p.request.params as { id: string }).id);
    const o = p.ok(await p.api('GET', `/v1/orders/${id}`)) as Money & {
      id: string;
      reference: string;
      status: string;
      amount_refunded_decimal: string;
      created_at: string;
      transactions: (Money & {
        id: string;
        status: string;
        card_last_four: string | null;
        bank_message: string | null;
        created_at: string;
      })[];
      refunds: (Money & {
        id: string;
        transaction_id: string;
        status: string;
        reason: string | null;
        created_at: string;
      })[];
      events: {
        event_id: string;
        type: string;
        sequence: number;
        transaction_id: string | null;
        refund_id: string | null;
        status: string | null;
        order_status: string | null;
        created_at: string;
      }[];
    };
    const m = p.merchantId;
    const ev = (id: string) =>
      html`<a href="${href(p.viewer, `/dashboard/events/${id}`, { merchant_id: m })}">${id}</a>`;
    return page(
      { title: `Order ${o.reference}`, viewer: p.viewer, merchantId: m, active: 'Payments', live: true },
      html`<div data-part="order"><dl><dt>Order</dt><dd>${o.id}</dd><dt>Amount</dt><dd>${money(o)}</dd><dt>Refunded</dt><dd>${o.amount_refunded_decimal} ${o.currency}</dd><dt>Status</dt><dd>${badge(o.status)}</dd><dt>Created</dt><dd>${time(o.created_at)}</dd></dl>
<h2>Transactions</h2>${table(
        ['Transaction', 'Amount', 'Card', 'Status', 'Bank', 'Created'],
        o.transactions.map((t) => [
          t.id,
          money(t),
          t.card_last_four ? `•••• ${t.card_last_four}` : '–',
          badge(t.status),
          t.bank_message ?? '–',
          time(t.created_at),
        ]),
        'Transactions',
      )}
<h2>Refunds</h2>${table(
        ['Refund', 'Transaction', 'Amount', 'Status', 'Reason', 'Created'],
        o.refunds.map((r) => [r.id, r.transaction_id, money(r), badge(r.status), r.reason ?? '–', time(r.created_at)]),
        'Refunds',
      )}
<h2>State history and events</h2>${table(
        ['#', 'Event', 'Type', 'Of', 'Status', 'Order status', 'At'],
        o.events.map((e) => [
          e.sequence,
          ev(e.event_id),
          e.type,
          e.refund_id ?? e.transaction_id ?? 'order',
          e.status ?? '–',
          e.order_status ?? '–',
          time(e.created_at),
        ]),
        'Events of this order',
      )}</div>`,
    );
  });
}
