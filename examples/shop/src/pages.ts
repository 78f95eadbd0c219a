/**
 * The shop's one page, rendered on the server as plain HTML. Every value that came from outside (the
 * database, payhook, the request) goes through `esc`; nothing else is interpolated.
 */
import type { ShopOrder } from './db.js';

/** The products on sale; amounts in fils (AED minor units). */
export const PRODUCTS = [
  { id: 'karak', name: 'Karak tea', amount: 1500 },
  { id: 'dates', name: 'Box of Medjool dates', amount: 4500 },
  { id: 'oud', name: 'Oud perfume', amount: 25000 },
] as const;

/** The bank simulator's test cards (payhook's docs/payments.md). */
export const TEST_CARDS = [
  { number: '4111111111111111', label: 'Approved' },
  { number: '4000000000000002', label: 'Declined' },
  { number: '4000000000001000', label: 'Delayed, then approved' },
  { number: '4000000000002008', label: 'Delayed, then declined' },
  { number: '4000000000003006', label: 'Declined after debit, paid back' },
  { number: '4000000000004004', label: 'Declined after debit, pay-back retried' },
] as const;

export function esc(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** What a customer would call the order's state. */
export function statusLabel(o: Pick<ShopOrder, 'status' | 'payment_status'>): string {
  if (o.status === 'paid') return 'Paid';
  if (o.status === 'cancelled') {
    if (o.payment_status === 'paid_back') return 'Cancelled, paid back';
    if (o.payment_status === 'payback_pending') return 'Cancelled, pay-back pending';
    return 'Cancelled';
  }
  if (o.payment_status === 'delayed') return 'Awaiting the bank';
  return 'Awaiting payment';
}

/** Orders whose state will still change by webhook: without JavaScript, the page reloads while there are some. */
function settling(o: ShopOrder): boolean {
  return o.status === 'open' || o.payment_status === 'payback_pending';
}

export interface PageOptions {
  orders: ShopOrder[];
  /** A message after a checkout, or an error. */
  notice?: { kind: 'ok' | 'error'; text: string };
}

/** The table's rows: the part of the page that changes, sent again on `GET /updates` (updates.ts). */
export function renderRows(orders: ShopOrder[]): string {
  const rows = orders
    .map(
      (o) => `
      <tr data-order="${esc(o.id)}" data-status="${esc(o.status)}" data-payment="${esc(o.payment_status ?? '')}">
        <td><code>${esc(o.reference)}</code><br><small>${esc(o.id)}</small></td>
        <td>${esc(o.product)}</td>
        <td class="num">${esc(o.currency)} ${esc(o.amount_decimal)}</td>
        <td><span class="status ${esc(o.status)}">${esc(statusLabel(o))}</span></td>
        <td>${o.card_last_four ? `•••• ${esc(o.card_last_four)}` : ''}</td>
        <td><small>${esc(o.bank_message ?? '')}</small></td>
        <td class="num">${esc(o.sequence)}</td>
        <td><small>${esc(o.updated_at.replace('T', ' ').slice(0, 19))}</small></td>
      </tr>`,
    )
    .join('');
  return rows || '<tr><td colspan="8">No orders yet: buy something.</td></tr>';
}

export function renderPage({ orders, notice }: PageOptions): string {
  const products = PRODUCTS.map(
    (p) => `<option value="${esc(p.id)}">${esc(p.name)} (AED ${esc((p.amount / 100).toFixed(2))})</option>`,
  ).join('');
  const cards = TEST_CARDS.map(
    (c) =>
      `<option value="${esc(c.number)}">${esc(c.number.replace(/(\d{4})(?=\d)/g, '$1 '))}: ${esc(c.label)}</option>`,
  ).join('');
  // Without JavaScript the page cannot listen for updates: it reloads itself while orders are settling.
  const refresh = orders.some(settling) ? '<noscript><meta http-equiv="refresh" content="3"></noscript>' : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  ${refresh}
  <title>Corner Shop: orders</title>
  <style>
    body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }
    table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
    th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
    .num { text-align: right; white-space: nowrap; }
    .status { padding: .1rem .5rem; border-radius: 1rem; background: #eee; white-space: nowrap; }
    .status.paid { background: #d4f5dc; } .status.cancelled { background: #fadede; } .status.open { background: #fff3c4; }
    .notice { padding: .6rem 1rem; border-radius: .3rem; background: #e8f1ff; } .notice.error { background: #fadede; }
    form { display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; }
    label { display: flex; flex-direction: column; font-size: 13px; }
  </style>
</head>
<body>
  <h1>Corner Shop</h1>
  <p>Orders are created and paid through payhook; their status here changes only when payhook's webhooks arrive.</p>
  ${notice ? `<p class="notice ${esc(notice.kind)}" role="status">${esc(notice.text)}</p>` : ''}
  <form method="post" action="/buy">
    <label>Product <select name="product">${products}</select></label>
    <label>Test card <select name="card">${cards}</select></label>
    <label>E-mail <input name="email" type="email" value="customer@example.com"></label>
    <button type="submit">Buy</button>
  </form>
  <table>
    <thead><tr><th>Order</th><th>Product</th><th class="num">Amount</th><th>Status</th><th>Card</th><th>Bank</th><th class="num">Seq</th><th>Updated (UTC)</th></tr></thead>
    <tbody id="orders">${renderRows(orders)}</tbody>
  </table>
  <p><small id="live">Updates as webhooks arrive.</small></p>
  <script>
    // The shop pushes the rows after every change (GET /updates, Server-Sent Events): no reload.
    const rows = document.getElementById('orders');
    const live = document.getElementById('live');
    const updates = new EventSource('/updates');
    updates.addEventListener('orders', (e) => { rows.innerHTML = e.data; live.textContent = 'Updated ' + new Date().toLocaleTimeString(); });
    updates.onerror = () => { live.textContent = 'Reconnecting to the shop…'; };
  </script>
</body>
</html>
`;
}
