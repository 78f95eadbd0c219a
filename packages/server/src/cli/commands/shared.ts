/**
 * What every API command shares: the connection options, the API client (the SDK's `PayhookClient`),
 * `--json`, tables for people, confirmation of destructive commands, and one way of reporting errors
 * (message and stable code on stderr, exit status 1; 2 for a usage mistake; errors.ts).
 */
import { createInterface } from 'node:readline/promises';
import { type Command, Option } from 'commander';
import { PayhookApiError, PayhookClient } from '@payhook/sdk';
import { CliError, type CliErrorCode } from './errors.js';

export { CliError, type CliErrorCode } from './errors.js';

/** Where the API is when neither --url nor PAYHOOK_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** payhook could not be reached at all (not running, wrong URL). */
export class ConnectionError extends CliError {
  constructor(url: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(
      'connection_failed',
      `cannot reach payhook at ${url}: ${reason?.code ?? reason?.message ?? String(cause)} (is \`payhook serve\` running? set --url or PAYHOOK_URL)`,
    );
    this.name = 'ConnectionError';
  }
}

/** An answer from the API (as opposed to no answer: status 0). */
export function isApiAnswer(err: unknown): err is PayhookApiError {
  return err instanceof PayhookApiError && err.status > 0;
}

export interface CommonFlags {
  url?: string;
  apiKey?: string;
  merchant?: string;
  /** `--mode test|live` (PAYHOOK_MODE). */
  mode?: 'test' | 'live';
  json?: boolean;
}

/**
 * The mode a command acts in (src/modes.ts): a merchant key's own (`sk_live_…` live; `sk_test_…`, and
 * `sk_…` keys made before modes, test); with the admin key, `--mode` (test by default). `--mode` naming
 * the other mode of a merchant key is `mode_mismatch`, before any request.
 */
export function modeOf(flags: CommonFlags): 'test' | 'live' {
  const key = flags.apiKey ?? '';
  const own = key.startsWith('sk_live_') ? 'live' : key.startsWith('sk_') ? 'test' : null;
  if (own === null) return flags.mode ?? 'test';
  if (flags.mode !== undefined && flags.mode !== own)
    throw new UsageError(
      `this is a ${own}-mode key (${key.slice(0, 8)}…): it acts in ${own} mode only; use a ${flags.mode}-mode key (sk_${flags.mode}_…) or the admin key`,
      'mode_mismatch',
    );
  return own;
}

/** The line a command prints so people see which mode they are in. */
export function modeLine(flags: CommonFlags): string {
  const mode = modeOf(flags);
  return mode === 'live' ? 'Mode: live (real payments through the configured bank)\n' : 'Mode: test (bank simulator)\n';
}

/** Adds `--url`, `--api-key`, `--merchant` and `--json` to a command that calls the API. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'payhook API base URL').env('PAYHOOK_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'API key: a merchant key (sk_…) or the admin key').env('PAYHOOK_API_KEY'))
    .addOption(
      new Option('--merchant <id>', 'with the admin key: the merchant to act for (mer_…)').env('PAYHOOK_MERCHANT_ID'),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'test or live: a merchant key acts in its own mode (sk_test_… / sk_live_…); the admin key picks one (default test)',
      )
        .choices(['test', 'live'])
        .env('PAYHOOK_MODE'),
    )
    .option('--json', "print the API's JSON instead of a summary");
}

export function clientFor(flags: CommonFlags): PayhookClient {
  if (!flags.apiKey) throw new UsageError('no API key: pass --api-key or set PAYHOOK_API_KEY', 'missing_api_key');
  const url = flags.url ?? DEFAULT_URL;
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`--url must be an http:// or https:// URL, got "${url}"`);
  const mode = modeOf(flags);
  // A merchant key's mode is its own; only the admin key names one.
  const admin = !flags.apiKey.startsWith('sk_');
  return new PayhookClient({
    baseUrl: url,
    apiKey: flags.apiKey,
    merchantId: flags.merchant,
    livemode: admin && mode === 'live' ? true : undefined,
  });
}

/** A mistake in how the command was called: exit status 2, nothing was sent. */
export class UsageError extends CliError {
  constructor(message: string, code: CliErrorCode = 'usage_error', details: unknown = null) {
    super(code, message, details);
    this.name = 'UsageError';
  }
}

/** Reports an error as the CLI does (stderr, exit status); for commands that print before they fail. */
export function reportError(caught: unknown, opts: { json?: boolean; url?: string }): void {
  let err = caught;
  // No answer at all: say where payhook was looked for.
  if (err instanceof PayhookApiError && err.code === 'network_error')
    err = new ConnectionError(opts.url ?? DEFAULT_URL, err.cause);
  if (err instanceof PayhookApiError && err.code === 'timeout') err = new CliError('timeout', err.message);
  let code: string;
  let message: string;
  let details: unknown = null;
  if (isApiAnswer(err) || err instanceof CliError) {
    ({ code, message } = err);
    details = err.details ?? null;
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  } else {
    // A bug, not a user's mistake: still one line, never a stack trace.
    const e = err as { message?: string; code?: unknown };
    code = typeof e?.code === 'string' ? e.code : 'internal_error';
    message = e?.message ?? String(err);
    process.exitCode = 1;
  }
  if (opts.json) process.stderr.write(`${JSON.stringify({ error: { code, message, details } })}\n`);
  // The CLI's own messages say everything already; an API error's details may add the value at fault.
  else process.stderr.write(`payhook: ${message} (${code})${err instanceof CliError ? '' : detailLine(details)}\n`);
}

/**
 * Wraps an action: errors become one line on stderr (`payhook: <message> (<code>)`, or the error as
 * JSON with --json) and a non-zero exit status, never a stack trace.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (caught) {
      const cmd = args[args.length - 1] as Command;
      reportError(caught, cmd.opts() as CommonFlags);
    }
  };
}

/**
 * Asks before a destructive command: `--yes` skips the question; without a terminal to ask on (CI,
 * a script), `--yes` is required (`confirmation_required`).
 */
export async function confirm(yes: boolean | undefined, question: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY)
    throw new UsageError(`${question} Pass --yes to confirm (no terminal to ask on).`, 'confirmation_required');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim()))
      throw new UsageError('not confirmed; nothing changed', 'confirmation_required');
  } finally {
    rl.close();
  }
}

/** `--since`: an ISO 8601 time, or a duration back from now (`30m`, `24h`, `7d`). */
export function parseSince(value: string): Date {
  const m = /^(\d+)(m|h|d)$/.exec(value.trim());
  if (m)
    return new Date(Date.now() - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']);
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    throw new UsageError(
      `--since must be an ISO 8601 time (2026-11-27T00:00:00Z) or a duration (30m, 24h, 7d), got "${value}"`,
    );
  return new Date(t);
}

/** One `label: value` line per entry, labels aligned, for `show` commands. */
export function printFields(fields: [string, string | number | boolean | null | undefined][]): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  for (const [k, v] of fields)
    process.stdout.write(`${`${k}:`.padEnd(width)}  ${v === null || v === undefined || v === '' ? '-' : String(v)}\n`);
}

function detailLine(details: unknown): string {
  if (details === null || details === undefined) return '';
  const d = details as Record<string, unknown>;
  if (typeof d.field === 'string' && Object.keys(d).length <= 3) return '';
  return `\n  details: ${JSON.stringify(details)}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain table: a header row and left-aligned columns, for a terminal. */
export function printTable(headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of cells) process.stdout.write(`${line(r)}\n`);
  if (rows.length === 0) process.stdout.write('(none)\n');
}

export interface PageFlags {
  limit: string;
  cursor?: string;
}

/** Adds `--limit` and `--cursor` to a list command. */
export function withPaging(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'how many (1-250)', '50')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one');
}

/** The client's `{ limit, cursor }` from `--limit` and `--cursor`. */
export function pageParams(flags: PageFlags): { limit: number; cursor?: string } {
  return { limit: parsePositiveInt(flags.limit, '--limit'), cursor: flags.cursor };
}

export function parsePositiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of at least 1`);
  return n;
}

/** `a,b , c` → `['a','b','c']`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface PageOf<T> {
  data: T[];
  next_cursor: string | null;
}

export function printMore(page: PageOf<unknown>): void {
  if (page.next_cursor) process.stdout.write(`more: --cursor ${page.next_cursor}\n`);
}
