/**
 * The dashboard's HTML: a tagged template that escapes every interpolated value (only `raw()` is not),
 * the page frame, and the small pieces pages share (tables, forms with their CSRF token, an inline SVG
 * chart). No client framework: pages are rendered here, whole, and work without JavaScript; the one
 * script adds live updates and confirmations (assets.ts).
 */
import { merchantOfScope, modeOfScope, type Mode } from '../modes.js';
import type { Viewer } from './session.js';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const raw = (text: string): Html => new Html(text);

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function part(v: unknown): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Html(out);
}

/** A link within the dashboard, keeping the admin's `merchant_id` (a merchant's own is implied). */
export function href(viewer: Viewer | null, path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== '' && !(k === 'merchant_id' && viewer?.kind === 'merchant')) q.set(k, v);
  return q.size ? `${path}?${q}` : path;
}

/**
 * The mode a session sees (src/modes.ts): a merchant session's is its key's (the session keeps the
 * key's scope, `mer_…` or `mer_…_live`); the admin's pages of a merchant are its test mode, because the
 * dashboard never asks the API for `livemode=true`.
 */
export function modeOf(viewer: Viewer): Mode {
  return viewer.kind === 'merchant' && viewer.merchantId ? modeOfScope(viewer.merchantId) : 'test';
}

export function modeBadge(viewer: Viewer): Html {
  const mode = modeOf(viewer);
  return html`<span class="mode ${mode}" title="${mode === 'live' ? 'Live mode: real payments and real webhooks' : 'Test mode: simulated payments; live data is not shown'}">${mode} mode</span>`;
}

export interface PageOptions {
  title: string;
  viewer: Viewer | null;
  /** The admin's chosen merchant, kept in the navigation. */
  merchantId?: string;
  active?: string;
  /** `data-live` on <body>: the script opens /dashboard/live and refreshes the marked parts. */
  live?: boolean;
  /** More for the live stream's query (the endpoint page's replay: `replay`, `seen`). */
  liveQuery?: Record<string, string>;
  notice?: string;
}

export function page(o: PageOptions, body: Html): Html {
  const m = o.merchantId;
  const nav: [string, string][] = o.viewer
    ? [
        ...(o.viewer.kind === 'admin' ? ([['Operator', '/dashboard/operator']] as [string, string][]) : []),
        ...((m || o.viewer.kind === 'merchant'
          ? [
              ['Overview', '/dashboard'],
              ['Endpoints', '/dashboard/endpoints'],
              ['Events', '/dashboard/events'],
              ['Deliveries', '/dashboard/deliveries'],
              ['Payments', '/dashboard/payments'],
            ]
          : []) as [string, string][]),
      ]
    : [];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${o.title} · payhook</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body${o.live ? raw(` data-live="${esc(href(null, '/dashboard/live', { merchant_id: m, ...o.liveQuery }))}"`) : ''}>
<a class="skip" href="#main">Skip to content</a>
<header>
<strong>payhook</strong>
${
  nav.length
    ? html`<nav aria-label="Dashboard"><ul>${nav.map(
        ([label, path]) =>
          html`<li><a href="${href(o.viewer, path, { merchant_id: m })}"${o.active === label ? raw(' aria-current="page"') : ''}>${label}</a></li>`,
      )}</ul></nav>`
    : ''
}
${
  o.viewer
    ? html`${modeBadge(o.viewer)}<form method="post" action="/dashboard/sign-out" class="inline">${csrfField(o.viewer.csrf)}<span class="who">${
        o.viewer.kind === 'admin' ? 'admin' : merchantOfScope(o.viewer.merchantId ?? '')
      }${o.viewer.canWrite ? '' : ' (read-only)'}</span> <button type="submit">Sign out</button></form>`
    : ''
}
</header>
<main id="main">
<h1>${o.title}</h1>
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
${body}
</main>
</body>
</html>
`;
}

export const csrfField = (token: string): Html => html`<input type="hidden" name="csrf" value="${token}">`;

/**
 * A form posting to `action` with the CSRF token; absent altogether for a viewer who cannot write.
 * `confirm`: a question the script asks first (assets.ts; without the script the form just posts).
 */
export function postButton(
  viewer: Viewer,
  action: string,
  label: string,
  extra: Html | string = '',
  confirm?: string,
): Html {
  if (!viewer.canWrite) return html``;
  return html`<form method="post" action="${action}" class="inline">${csrfField(viewer.csrf)}${extra}<button type="submit"${confirm ? raw(` data-confirm="${esc(confirm)}"`) : ''}>${label}</button></form>`;
}

export function table(headers: string[], rows: unknown[][], caption?: string): Html {
  if (rows.length === 0) return html`<p class="empty">None${caption ? ` (${caption.toLowerCase()})` : ''}.</p>`;
  return html`<div class="scroll"><table>${caption ? html`<caption>${caption}</caption>` : ''}<thead><tr>${headers.map(
    (h) => html`<th scope="col">${h}</th>`,
  )}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table></div>`;
}

export function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

export const time = (iso: string | null | undefined): Html =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html`–`;

/**
 * Bars over time as inline SVG: `series` of counts per bucket, stacked (ok, then failed). Described by
 * its `title` for screen readers; the numbers are in the table beside it too.
 */
export function barChart(title: string, buckets: { label: string; ok: number; failed: number }[]): Html {
  const w = 300;
  const h = 80;
  const max = Math.max(1, ...buckets.map((b) => b.ok + b.failed));
  const bw = w / Math.max(1, buckets.length);
  const bars = buckets.map((b, i) => {
    const okH = (b.ok / max) * h;
    const failH = (b.failed / max) * h;
    const x = (i * bw + 1).toFixed(1);
    return `<rect class="ok" x="${x}" y="${(h - okH).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${okH.toFixed(1)}"><title>${esc(b.label)}: ${b.ok}</title></rect>${
      b.failed
        ? `<rect class="failed" x="${x}" y="${(h - okH - failH).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${failH.toFixed(1)}"><title>${esc(b.label)}: ${b.failed} failed</title></rect>`
        : ''
    }`;
  });
  const total = buckets.reduce((n, b) => n + b.ok + b.failed, 0);
  return html`<figure class="chart"><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}: ${total} in ${buckets.length} buckets, highest ${max}">${raw(bars.join(''))}</svg><figcaption>${title}</figcaption></figure>`;
}
