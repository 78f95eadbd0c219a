/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws on anything a
 * Prometheus server would refuse (a malformed name, label or value, a sample without a TYPE, a family
 * declared twice or split up) and on a histogram that is not self-consistent (buckets out of order or
 * decreasing, no `+Inf` bucket, `+Inf` ≠ `_count`, no `_sum`).
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | null = null;
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition must end with a line feed');
  for (const [i, line] of lines.entries()) {
    const at = `line ${i + 1}: ${line}`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name: ${at}`);
      let f = families.get(name);
      if (f && f !== current) throw new Error(`family ${name} is split: ${at}`);
      if (!f) {
        f = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, f);
      }
      current = f;
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type: ${at}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples: ${at}`);
        f.type = rest as MetricType;
      } else f.help = rest;
      continue;
    }
    const sample = parseSample(line, at);
    const family = current && belongsTo(sample.name, current) ? current : null;
    if (!family) throw new Error(`sample outside its family (no TYPE line before it): ${at}`);
    family.samples.push(sample);
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function belongsTo(sample: string, f: Family): boolean {
  if (sample === f.name) return f.type !== 'histogram';
  if (f.type === 'histogram') return ['_bucket', '_sum', '_count'].some((s) => sample === f.name + s);
  if (f.type === 'summary') return ['_sum', '_count'].some((s) => sample === f.name + s);
  return false;
}

function parseSample(line: string, at: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`bad sample: ${at}`);
  const [, name, , body, raw] = m;
  const labels: Record<string, string> = {};
  let rest = body ?? '';
  while (rest !== '') {
    const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!lm || !LABEL.test(lm[1])) throw new Error(`bad label in ${at}`);
    if (lm[1] in labels) throw new Error(`label ${lm[1]} twice: ${at}`);
    labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(lm[0].length);
  }
  return { name, labels, value: parseValue(raw, at) };
}

function parseValue(raw: string, at: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`bad value: ${at}`);
  return Number(raw);
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let h = series.get(key);
    if (!h) {
      h = { buckets: [] };
      series.set(key, h);
    }
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      h.buckets.push([parseValue(le, `le="${le}"`), s.value]);
    } else if (s.name.endsWith('_sum')) h.sum = s.value;
    else h.count = s.value;
  }
  for (const h of series.values()) {
    for (let i = 1; i < h.buckets.length; i++) {
      if (!(h.buckets[i][0] > h.buckets[i - 1][0])) throw new Error(`${f.name}: buckets not in increasing le`);
      if (h.buckets[i][1] < h.buckets[i - 1][1]) throw new Error(`${f.name}: bucket counts decrease`);
    }
    const last = h.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${f.name}: no +Inf bucket`);
    if (h.count !== last[1]) throw new Error(`${f.name}: _count ${h.count} is not the +Inf bucket ${last[1]}`);
    if (h.sum === undefined) throw new Error(`${f.name}: no _sum`);
  }
}

/**
 * The value of the one sample of `name` whose labels include `labels`; 0 when there is none (a counter
 * not counted yet), and an error when several match.
 */
export function sampleOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const found: number[] = [];
  for (const f of families.values())
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) found.push(s.value);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples match`);
  return found[0] ?? 0;
}
