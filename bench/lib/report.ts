/**
 * Results: one Markdown and one JSON file per scenario (plus SVG plots) in bench/results/, holding the
 * figures, the ratios of payhook to every other system, the machine and every setting.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import type { Settings } from './settings.js';
import type { BenchSystem, ScenarioName } from '../systems/types.js';
import { payhookCode, type PayhookCode } from './payhook-code.js';

export interface Column {
  key: string;
  label: string;
  /** Decimal places in the Markdown table. */
  digits?: number;
  better?: 'higher' | 'lower';
}

export interface Row {
  system: string;
  /** Which workload variant (`1 endpoint`, `10 endpoints`); '' when the scenario has one. */
  variant: string;
  /** False when the run did not do all the work (missing deliveries, bad signatures, …). */
  valid: boolean;
  problems: string[];
  values: Record<string, number | null>;
}

export interface Ratio {
  subject: string;
  versus: string;
  variant: string;
  metric: string;
  value: number;
}

export interface ScenarioOutcome {
  columns: Column[];
  rows: Row[];
  /** Metrics compared as subject ÷ other (the first is the headline). */
  ratioMetrics: string[];
  notes: string[];
  plots: Array<{ name: string; svg: string }>;
  /** Raw series (latency spectra, drain curves) kept in the JSON. */
  series?: unknown;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverageBefore: number[];
  loadAverageAfter?: number[];
  redis: string | null;
  postgres: string | null;
  commit: string | null;
  /** Whether payhook ran from its build or its sources (lib/payhook-code.ts). */
  payhookCode: PayhookCode;
  /**
   * Cost of one write(2) to /dev/null, ns. Virtual machines differ most in syscall cost, and every
   * delivery makes several (socket writes and reads at both ends): it explains much of the difference
   * between this machine's absolute figures and another's.
   */
  syscallNs: number;
}

function syscallCost(): number {
  const fd = openSync('/dev/null', 'w');
  const byte = Buffer.from('x');
  const n = 20_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) writeSync(fd, byte);
  const ns = Number(process.hrtime.bigint() - t) / n;
  closeSync(fd);
  return Math.round(ns);
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    /* not a checkout */
  }
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: os.loadavg().map((l) => +l.toFixed(2)),
    redis: null,
    postgres: null,
    commit,
    payhookCode: payhookCode(),
    syscallNs: syscallCost(),
  };
}

export function computeRatios(outcome: ScenarioOutcome, systems: readonly BenchSystem[]): Ratio[] {
  const role = new Map(systems.map((s) => [s.id, s.role]));
  const ratios: Ratio[] = [];
  // Only complete runs are compared: a run that lost work has no meaningful figure.
  const valid = outcome.rows.filter((r) => r.valid);
  for (const subject of valid.filter((r) => role.get(r.system) === 'subject')) {
    for (const other of valid.filter((r) => r.variant === subject.variant && role.get(r.system) !== 'subject')) {
      for (const metric of outcome.ratioMetrics) {
        const a = subject.values[metric],
          b = other.values[metric];
        if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) continue;
        ratios.push({ subject: subject.system, versus: other.system, variant: subject.variant, metric, value: a / b });
      }
    }
  }
  return ratios;
}

function cell(value: number | null | undefined, digits = 0): string {
  if (value == null || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export interface ReportInput {
  scenario: ScenarioName;
  date: string;
  settings: Settings;
  machine: Machine;
  systems: readonly BenchSystem[];
  skipped: Array<{ system: string; reason: string }>;
  outcome: ScenarioOutcome;
  ratios: Ratio[];
  durationS: number;
}

const TITLES: Record<ScenarioName, string> = {
  throughput: 'Throughput: signed deliveries per second, first accept to last arrival',
  latency: 'Latency: accept to arrival at a steady rate',
  isolation: 'Isolation: healthy endpoints beside hanging ones',
  backlog: 'Backlog: drain after the receiver comes back',
  ingest: 'Ingest: POST /v1/events against a bare Fastify route',
  payment: 'Payments: orders paid through the API, pay → order.success',
  'scale-out': 'Scale-out: 1, 2 and 4 dispatcher processes on one PostgreSQL',
};

export function renderMarkdown(r: ReportInput): string {
  const { outcome, machine, settings } = r;
  const label = new Map(r.systems.map((s) => [s.id, s.label]));
  const lines: string[] = [];
  lines.push(`# ${TITLES[r.scenario]}${settings.quick ? ' (quick run)' : ''}`, '');
  lines.push(
    `Run on ${r.date} in ${r.durationS.toFixed(0)} s with \`npm run bench -- --scenario ${r.scenario}${settings.quick ? ' --quick' : ''}\`.`,
    '',
  );
  const variants = [...new Set(outcome.rows.map((row) => row.variant))];
  for (const variant of variants) {
    if (variant) lines.push(`## ${variant}`, '');
    lines.push(`| system | ${outcome.columns.map((c) => c.label).join(' | ')} | complete |`);
    lines.push(`| --- | ${outcome.columns.map(() => '---:').join(' | ')} | --- |`);
    for (const row of outcome.rows.filter((x) => x.variant === variant)) {
      const status = row.valid ? 'yes' : `**no**: ${row.problems.join('; ')}`;
      lines.push(
        `| ${label.get(row.system) ?? row.system} | ${outcome.columns.map((c) => cell(row.values[c.key], c.digits)).join(' | ')} | ${status} |`,
      );
    }
    lines.push('');
  }
  const notesWithProblems = outcome.rows.filter((x) => x.valid && x.problems.length);
  for (const row of notesWithProblems)
    lines.push(`- ${row.system}${row.variant ? ` (${row.variant})` : ''}: ${row.problems.join('; ')}`);
  if (notesWithProblems.length) lines.push('');
  lines.push('## Ratios', '');
  if (r.ratios.length === 0) {
    const subjects = r.systems.some((s) => s.role === 'subject');
    lines.push(
      subjects
        ? 'No baseline ran beside payhook in this scenario, so no ratios: its targets are the figures above (see the notes).'
        : 'No payhook run in this scenario yet (add `bench/systems/payhook.ts`), so no ratios: the table above is the baselines alone.',
      '',
    );
  } else {
    const better = new Map(outcome.columns.map((c) => [c.key, c.better]));
    lines.push('| payhook run | versus | variant | metric | ratio |', '| --- | --- | --- | --- | ---: |');
    for (const x of r.ratios) {
      const hint = better.get(x.metric) === 'lower' ? ' (lower is better)' : '';
      lines.push(`| ${x.subject} | ${x.versus} | ${x.variant || '–'} | ${x.metric}${hint} | ${x.value.toFixed(2)}× |`);
    }
    lines.push('');
  }
  for (const plot of outcome.plots) lines.push(`![${plot.name}](${plot.name})`, '');
  lines.push('## Notes', '');
  for (const note of outcome.notes) lines.push(`- ${note}`);
  lines.push(
    `- The machine is shared: other work (test suites, builds) may have run at the same time, so figures are noisy; compare systems within one file, where they ran minutes apart on the same workload. Load average before: ${machine.loadAverageBefore.join(', ')}; after: ${machine.loadAverageAfter?.join(', ') ?? '?'}.`,
  );
  for (const s of r.skipped) lines.push(`- Not run: ${s.system} (${s.reason}).`);
  lines.push('', '## Systems', '');
  for (const s of r.systems) lines.push(`- **${s.id}**, ${s.role}: ${s.label}${s.notes ? `. ${s.notes}` : ''}.`);
  lines.push('', '## Machine', '');
  lines.push(`- ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB memory`);
  lines.push(
    `- Node ${machine.node}, ${machine.os}; one write(2) to /dev/null takes ${machine.syscallNs} ns (bare metal: a few hundred)`,
  );
  lines.push(`- Redis ${machine.redis ?? 'not reached'}, PostgreSQL ${machine.postgres ?? 'not reached'}`);
  lines.push(
    `- payhook commit ${machine.commit ?? 'unknown'}, run from ${machine.payhookCode === 'dist' ? 'its build (packages/server/dist)' : 'its TypeScript sources through tsx (--from-source)'}`,
  );
  lines.push('', '## Settings', '', '```json', JSON.stringify(settings, null, 2), '```', '');
  return lines.join('\n');
}

export function writeReport(dir: URL, base: string, r: ReportInput): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeFileSync(new URL(name, dir), text);
    written.push(name);
  };
  for (const plot of r.outcome.plots) put(plot.name, plot.svg);
  put(`${base}.md`, renderMarkdown(r));
  put(
    `${base}.json`,
    `${JSON.stringify(
      {
        scenario: r.scenario,
        date: r.date,
        durationS: +r.durationS.toFixed(1),
        machine: r.machine,
        settings: r.settings,
        systems: r.systems.map(({ id, label, role, notes }) => ({ id, label, role, notes })),
        skipped: r.skipped,
        columns: r.outcome.columns,
        rows: r.outcome.rows,
        ratios: r.ratios,
        notes: r.outcome.notes,
        series: r.outcome.series ?? null,
      },
      null,
      2,
    )}\n`,
  );
  return written;
}
