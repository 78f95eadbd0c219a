/**
 * A tiny SVG plotter (no dependencies): line charts for latency percentiles and drain curves, grouped bars
 * for throughput. Enough for a reader to see the shape of the results in a browser or on GitHub.
 */

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

const W = 760,
  H = 420,
  M = { left: 70, right: 190, top: 40, bottom: 55 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 10) return `${+v.toFixed(0)}`;
  if (a >= 1) return `${+v.toFixed(1)}`;
  return `${+v.toPrecision(2)}`;
}

/** Round tick positions covering [lo, hi]. */
function linearTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function frame(title: string, xLabel: string, yLabel: string, body: string[], legend: string[]): string {
  const plotW = W - M.left - M.right;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left + plotW / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left + plotW / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="16" y="${M.top + (H - M.top - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${M.top + (H - M.top - M.bottom) / 2})">${esc(yLabel)}</text>`,
    ...body,
    ...legend,
    '</svg>',
  ].join('\n');
}

function legendItems(names: string[]): string[] {
  return names.map((name, i) => {
    const y = M.top + 10 + i * 20;
    const x = W - M.right + 15;
    return `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${y + 1}">${esc(name)}</text>`;
  });
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Label x positions 0..n-1 with these names instead of numbers (percentile spectra). */
  xCategories?: string[];
  /** Logarithmic y axis (latency spans orders of magnitude). */
  yLog?: boolean;
}

export function lineChart(o: LineChartOptions): string {
  const plotW = W - M.left - M.right,
    plotH = H - M.top - M.bottom;
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x),
    ys = all.map(([, y]) => y);
  const xMin = o.xCategories ? 0 : Math.min(0, ...xs),
    xMax = o.xCategories ? o.xCategories.length - 1 : Math.max(1, ...xs);
  let yMin: number, yMax: number, yTicks: number[];
  const yPos = (y: number) => (o.yLog ? Math.log10(Math.max(y, yMin)) : y);
  if (o.yLog) {
    yMin = 10 ** Math.floor(Math.log10(Math.max(1e-3, Math.min(...ys.filter((y) => y > 0), 1))));
    yMax = 10 ** Math.ceil(Math.log10(Math.max(yMin * 10, ...ys)));
    yTicks = [];
    for (let t = yMin; t <= yMax * 1.0001; t *= 10) yTicks.push(t);
  } else {
    yMin = 0;
    yTicks = linearTicks(0, Math.max(1, ...ys));
    yMax = Math.max(yTicks[yTicks.length - 1], ...ys);
  }
  const X = (x: number) => M.left + ((x - xMin) / (xMax - xMin || 1)) * plotW;
  const Y = (y: number) => M.top + plotH - ((yPos(y) - yPos(yMin)) / (yPos(yMax) - yPos(yMin) || 1)) * plotH;
  const body: string[] = [
    `<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const t of yTicks)
    body.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/><text x="${M.left - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    );
  const xTicks = o.xCategories ? o.xCategories.map((_, i) => i) : linearTicks(xMin, xMax);
  for (const t of xTicks)
    body.push(
      `<line x1="${X(t)}" x2="${X(t)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#f3f3f3"/><text x="${X(t)}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(o.xCategories ? o.xCategories[t] : fmt(t))}</text>`,
    );
  o.series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const color = COLORS[i % COLORS.length];
    body.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`,
    );
    if (pts.length <= 20)
      for (const [x, y] of pts)
        body.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${color}"/>`);
  });
  return frame(o.title, o.xLabel, o.yLabel, body, legendItems(o.series.map((s) => s.name)));
}

export interface BarGroup {
  label: string;
  bars: Array<{ name: string; value: number }>;
}

export function barChart(o: { title: string; yLabel: string; groups: BarGroup[] }): string {
  const plotW = W - M.left - M.right,
    plotH = H - M.top - M.bottom;
  const names = [...new Set(o.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const values = o.groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const ticks = linearTicks(0, Math.max(1, ...values));
  const yMax = Math.max(ticks[ticks.length - 1], ...values);
  const Y = (v: number) => M.top + plotH - (v / yMax) * plotH;
  const groupW = plotW / Math.max(1, o.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, names.length);
  const body: string[] = [
    `<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks)
    body.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/><text x="${M.left - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    );
  o.groups.forEach((g, gi) => {
    const x0 = M.left + gi * groupW + groupW * 0.1;
    body.push(
      `<text x="${M.left + gi * groupW + groupW / 2}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(g.label)}</text>`,
    );
    for (const b of g.bars) {
      if (!Number.isFinite(b.value)) continue;
      const i = names.indexOf(b.name);
      const x = x0 + i * barW;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${Y(b.value).toFixed(1)}" width="${(barW * 0.9).toFixed(1)}" height="${(M.top + plotH - Y(b.value)).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
      body.push(
        `<text x="${(x + barW * 0.45).toFixed(1)}" y="${(Y(b.value) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(b.value)}</text>`,
      );
    }
  });
  return frame(o.title, '', o.yLabel, body, legendItems(names));
}
