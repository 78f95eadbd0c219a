/**
 * What every API command shares: the connection options, the API client (the SDK's `PayhookClient`),
 * `--json`, tables for people, and one way of reporting errors (code and message on stderr, exit
 * status 1; 2 for a usage mistake).
 */
import { type Command, Option } from 'commander';
import { PayhookApiError, PayhookClient } from '@payhook/sdk';

/** Where the API is when neither --url nor PAYHOOK_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** payhook could not be reached at all (not running, wrong URL). */
export class ConnectionError extends Error {
  readonly code = 'connection_failed';
  constructor(url: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(
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
  json?: boolean;
}

/** Adds `--url`, `--api-key`, `--merchant` and `--json` to a command that calls the API. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'payhook API base URL').env('PAYHOOK_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'API key: a merchant key (sk_…) or the admin key').env('PAYHOOK_API_KEY'))
    .addOption(
      new Option('--merchant <id>', 'with the admin key: the merchant to act for (mer_…)').env('PAYHOOK_MERCHANT_ID'),
    )
    .option('--json', "print the API's JSON instead of a summary");
}

export function clientFor(flags: CommonFlags): PayhookClient {
  if (!flags.apiKey) throw new UsageError('no API key: pass --api-key or set PAYHOOK_API_KEY');
  const url = flags.url ?? DEFAULT_URL;
  if (!/^https?:\/\//i.test(url)) throw new Error(`--url must be an http:// or https:// URL, got "${url}"`);
  return new PayhookClient({ baseUrl: url, apiKey: flags.apiKey, merchantId: flags.merchant });
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Wraps an action: errors become one line on stderr (`payhook: <message> (<code>)`, or the API's
 * error JSON with --json) and a non-zero exit status, never a stack trace.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (caught) {
      let err = caught;
      const cmd = args[args.length - 1] as Command;
      const opts = cmd.opts() as CommonFlags;
      const json = Boolean(opts.json);
      // No answer at all: say where payhook was looked for.
      if (err instanceof PayhookApiError && err.code === 'network_error')
        err = new ConnectionError(opts.url ?? DEFAULT_URL, err.cause);
      if (isApiAnswer(err)) {
        if (json)
          process.stderr.write(
            `${JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } })}\n`,
          );
        else process.stderr.write(`payhook: ${err.message} (${err.code})${detailLine(err.details)}\n`);
        process.exitCode = 1;
      } else if (err instanceof UsageError) {
        process.stderr.write(`payhook: ${err.message}\n`);
        process.exitCode = 2;
      } else {
        const e = err as { message?: string; code?: string };
        process.stderr.write(`payhook: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}\n`);
        process.exitCode = 1;
      }
    }
  };
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
