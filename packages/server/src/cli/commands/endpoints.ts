/** `payhook endpoints add|list|show|update|enable|disable|delete|rotate-secret|recover|test|replay`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { CreateEndpointInput, Endpoint, UpdateEndpointInput } from '@payhook/sdk';
import { CLI_ERRORS } from './errors.js';
import { registerReplayCommand } from './replay.js';
import {
  action,
  clientFor,
  confirm,
  pageParams,
  parseSince,
  printFields,
  printJson,
  printMore,
  printTable,
  splitList,
  UsageError,
  withClientOptions,
  withPaging,
  type CommonFlags,
  type PageFlags,
} from './shared.js';

/** `--header 'x-a: 1'` (repeatable) → `{ 'x-a': '1' }`. */
function collectHeader(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf(':');
  if (at <= 0) throw new InvalidArgumentError(`expected "name: value", got "${value}"`);
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1).trim() };
}

/** `--events a,b.*` → the filter list; `*` or `all` → every type (null). */
function eventFilter(value: string): string[] | null {
  const types = splitList(value);
  if (types.length === 0) throw new UsageError('--events needs at least one type (or "all")');
  return types.length === 1 && (types[0] === 'all' || types[0] === '*') ? null : types;
}

/** `--timeout 5s` or `5000` → ms; `default` → null (the server's). */
function timeoutMs(value: string): number | null {
  if (value === 'default') return null;
  const m = /^(\d+)(ms|s)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--timeout must be like 5s or 5000ms (1-30 s), or "default"; got "${value}"`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** `--rate-limit 10` → 10 a second; `none` → no limit (null). */
function rateLimit(value: string): number | null {
  if (value === 'none') return null;
  if (!/^\d+$/.test(value.trim()))
    throw new UsageError(`--rate-limit must be a whole number a second, or "none"; got "${value}"`);
  return Number(value);
}

/** `--retry-schedule 5s,1m,1h` → the delays as given (the server checks the bounds); `default` → null. */
function retrySchedule(value: string): (number | string)[] | null {
  if (value === 'default') return null;
  const delays = splitList(value);
  if (delays.length === 0) throw new UsageError('--retry-schedule needs at least one delay (or "default")');
  return delays.map((d) => (/^\d+$/.test(d) ? Number(d) : d));
}

/** The circuit breaker, as a person reads it. */
function circuit(e: Endpoint): string {
  const c = e.circuit;
  if (c.state === 'closed') return c.failing_since ? `closed (failing since ${c.failing_since})` : 'closed';
  return `${c.state} (failing since ${c.failing_since ?? '?'}; next probe ${c.next_probe_at ?? 'now'})`;
}

function status(e: Endpoint): string {
  return e.disabled ? `disabled (${e.disabled_reason ?? 'merchant'})` : 'enabled';
}

function printEndpoint(e: Endpoint): void {
  printFields([
    ['Endpoint', e.id],
    ['URL', e.url],
    ['Status', status(e)],
    ['Events', e.event_types ? e.event_types.join(', ') : 'all'],
    ['Format', e.format],
    ['API version', e.api_version],
    ['Payload', e.payload_style],
    ['Description', e.description],
    // Header values may be credentials of the merchant's receiver: names only (--json has them all).
    ['Headers', Object.keys(e.headers).join(', ')],
    ['Timeout', e.timeout_ms === null ? 'server default' : `${e.timeout_ms} ms`],
    ['Ordered', e.ordered ? `yes (on failure: ${e.ordering_on_failure})` : 'no'],
    ['Rate limit', e.rate_limit === null ? 'none' : `${e.rate_limit}/s`],
    ['Retries', e.retry_schedule === null ? 'server default' : e.retry_schedule.map((s) => `${s}s`).join(', ')],
    ['Circuit', circuit(e)],
    ['Created', e.created_at],
    ['Updated', e.updated_at],
  ]);
}

type AddFlags = CommonFlags & {
  events?: string;
  description?: string;
  format?: string;
  header?: Record<string, string>;
  apiVersion?: string;
  payloadStyle?: 'snapshot' | 'thin';
};

/** `--payload-style snapshot|thin`. */
function payloadStyle(value: string): 'snapshot' | 'thin' {
  if (value !== 'snapshot' && value !== 'thin')
    throw new InvalidArgumentError(`expected snapshot or thin, got "${value}"`);
  return value;
}
type UpdateFlags = AddFlags & {
  endpointUrl?: string;
  timeout?: string;
  clearHeaders?: boolean;
  rateLimit?: string;
  retrySchedule?: string;
  ordered?: boolean;
  orderingOnFailure?: string;
};

/** `--ordering-on-failure skip|hold`. */
function orderingOnFailure(value: string): 'skip' | 'hold' {
  if (value !== 'skip' && value !== 'hold')
    throw new UsageError(`--ordering-on-failure must be skip or hold; got "${value}"`);
  return value;
}

export function registerEndpointCommands(program: Command): void {
  const endpoints = program.command('endpoints').description('manage where webhooks go');
  const one = (name: string, description: string) =>
    withClientOptions(endpoints.command(name).description(description));

  one('add <url>', 'register an endpoint and print its signing secret')
    .option('--events <types>', 'only these event types, comma-separated (exact names or prefix.*); default all')
    .option('--description <text>', 'a note for people')
    .option('--format <format>', 'payload format: standard (default) or foloosi')
    .option('--header <header>', 'a custom header sent with every webhook, "name: value" (repeatable)', collectHeader)
    .option('--api-version <date>', 'the event version it receives (docs/versions.md); default the latest')
    .option(
      '--payload-style <style>',
      'snapshot (default: the event data) or thin (the object it is about)',
      payloadStyle,
    )
    .action(
      action(async (url: string, flags: AddFlags) => {
        const body: CreateEndpointInput = { url };
        if (flags.events !== undefined) body.event_types = eventFilter(flags.events);
        if (flags.description !== undefined) body.description = flags.description;
        if (flags.format !== undefined) body.format = flags.format;
        if (flags.header !== undefined) body.headers = flags.header;
        if (flags.apiVersion !== undefined) body.api_version = flags.apiVersion;
        if (flags.payloadStyle !== undefined) body.payload_style = flags.payloadStyle;
        const ep = await clientFor(flags).endpoints.create(body);
        if (flags.json) return printJson(ep);
        process.stdout.write(`Created endpoint ${ep.id} -> ${ep.url}\n`);
        process.stdout.write(
          `Events: ${ep.event_types ? ep.event_types.join(', ') : 'all'}  Format: ${ep.format}  API version: ${ep.api_version}  Payload: ${ep.payload_style}\n`,
        );
        process.stdout.write(`Signing secret: ${ep.secret}\n`);
      }),
    );

  withPaging(one('list', 'list endpoints, newest first')).action(
    action(async (flags: CommonFlags & PageFlags) => {
      const body = await clientFor(flags).endpoints.list(pageParams(flags));
      if (flags.json) return printJson(body);
      printTable(
        ['ID', 'URL', 'EVENTS', 'STATUS'],
        body.data.map((e) => [e.id, e.url, e.event_types ? e.event_types.join(',') : 'all', status(e)]),
      );
      printMore(body);
    }),
  );

  one('show <id>', 'an endpoint, with its signing secret when --secret is given')
    .option('--secret', 'print the signing secret and those still signing after a rotation')
    .action(
      action(async (id: string, flags: CommonFlags & { secret?: boolean }) => {
        const client = clientFor(flags);
        const ep = await client.endpoints.get(id);
        const secrets = flags.secret ? await client.endpoints.getSecret(id) : undefined;
        if (flags.json) return printJson(secrets ? { ...ep, secrets } : ep);
        printEndpoint(ep);
        if (secrets) {
          printFields([['Secret', secrets.secret]]);
          for (const p of secrets.previous_secrets) printFields([['Previous', `${p.secret} (until ${p.expires_at})`]]);
        }
      }),
    );

  one('update <id>', 'change an endpoint: only the fields given')
    .option('--endpoint-url <url>', "the endpoint's new URL (--url is payhook's own)")
    .option('--events <types>', 'the event types, comma-separated (exact names or prefix.*), or "all"')
    .option('--description <text>', 'a note for people')
    .option('--format <format>', 'payload format: standard or foloosi')
    .option('--header <header>', 'replace the custom headers with these, "name: value" (repeatable)', collectHeader)
    .option('--clear-headers', 'remove every custom header')
    .option('--timeout <duration>', 'per-attempt timeout, 1s-30s, or "default" for the server\'s')
    .option('--ordered', 'deliver events that share an ordering key one at a time, in order')
    .option('--no-ordered', 'deliver without regard to ordering keys (releases waiting deliveries)')
    .option(
      '--ordering-on-failure <skip|hold>',
      'when an ordered delivery fails for good: let the next go, or hold the key',
    )
    .option('--rate-limit <n>', 'at most this many deliveries a second (1-10000), or "none"')
    .option(
      '--retry-schedule <delays>',
      'delays before each retry, comma-separated (5s,1m,1h; 1-20 of 1s-3d), or "default"',
    )
    .option('--api-version <date>', 'render its events in this version from now on (docs/versions.md)')
    .option('--payload-style <style>', 'snapshot (the event data) or thin (the object it is about)', payloadStyle)
    .action(
      action(async (id: string, flags: UpdateFlags) => {
        const patch: UpdateEndpointInput = {};
        if (flags.endpointUrl !== undefined) patch.url = flags.endpointUrl;
        if (flags.events !== undefined) patch.event_types = eventFilter(flags.events);
        if (flags.description !== undefined) patch.description = flags.description;
        if (flags.format !== undefined) patch.format = flags.format;
        if (flags.header !== undefined && flags.clearHeaders)
          throw new UsageError('--header and --clear-headers: one or the other');
        if (flags.header !== undefined) patch.headers = flags.header;
        if (flags.clearHeaders) patch.headers = {};
        if (flags.timeout !== undefined) patch.timeout_ms = timeoutMs(flags.timeout);
        if (flags.ordered !== undefined) patch.ordered = flags.ordered;
        if (flags.orderingOnFailure !== undefined)
          patch.ordering_on_failure = orderingOnFailure(flags.orderingOnFailure);
        if (flags.rateLimit !== undefined) patch.rate_limit = rateLimit(flags.rateLimit);
        if (flags.retrySchedule !== undefined) patch.retry_schedule = retrySchedule(flags.retrySchedule);
        if (flags.apiVersion !== undefined) patch.api_version = flags.apiVersion;
        if (flags.payloadStyle !== undefined) patch.payload_style = flags.payloadStyle;
        if (Object.keys(patch).length === 0)
          throw new UsageError(
            'nothing to change: give --endpoint-url, --events, --description, --format, --header, --clear-headers, --timeout, --rate-limit, --retry-schedule, --api-version, --payload-style, --ordered or --ordering-on-failure',
          );
        const ep = await clientFor(flags).endpoints.update(id, patch);
        if (flags.json) return printJson(ep);
        process.stdout.write(`Updated endpoint ${ep.id}\n`);
        printEndpoint(ep);
      }),
    );

  for (const [name, disabled, what] of [
    ['enable', false, 'deliver to the endpoint again (also one disabled by a 410 or failing); what waited goes now'],
    ['disable', true, 'stop delivering to the endpoint; its deliveries wait until it is enabled'],
  ] as const) {
    one(`${name} <id>`, what).action(
      action(async (id: string, flags: CommonFlags) => {
        const ep = await clientFor(flags).endpoints.update(id, { disabled });
        if (flags.json) return printJson(ep);
        process.stdout.write(`Endpoint ${ep.id} is ${status(ep)}\n`);
      }),
    );
  }

  one('delete <id>', 'delete an endpoint; its pending deliveries are cancelled, its delivery log stays')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .action(
      action(async (id: string, flags: CommonFlags & { yes?: boolean }) => {
        const client = clientFor(flags);
        const ep = await client.endpoints.get(id);
        await confirm(flags.yes, `Delete endpoint ${ep.id} (${ep.url})?`);
        await client.endpoints.delete(id);
        if (flags.json) return printJson({ id: ep.id, deleted: true });
        process.stdout.write(`Deleted endpoint ${ep.id}\n`);
      }),
    );

  one('rotate-secret <id>', 'make a new signing secret; the previous one keeps signing for the overlap (default 24 h)')
    .alias('rotate')
    .action(
      action(async (id: string, flags: CommonFlags) => {
        const body = await clientFor(flags).endpoints.rotateSecret(id);
        if (flags.json) return printJson(body);
        process.stdout.write(`New signing secret: ${body.secret}\n`);
        for (const p of body.previous_secrets)
          process.stdout.write(`Previous secret ${p.secret.slice(0, 12)}… keeps signing until ${p.expires_at}\n`);
      }),
    );

  one('recover <id>', 'retry every failed delivery of the endpoint since a time (after fixing its receiver)')
    .requiredOption('--since <time>', 'an ISO 8601 time, or a duration back from now: 30m, 24h, 7d')
    .action(
      action(async (id: string, flags: CommonFlags & { since: string }) => {
        const since = parseSince(flags.since);
        const body = await clientFor(flags).endpoints.recover(id, since);
        if (flags.json) return printJson(body);
        process.stdout.write(
          `${body.recovered} failed ${body.recovered === 1 ? 'delivery' : 'deliveries'} since ${since.toISOString()} due again now\n`,
        );
      }),
    );

  registerReplayCommand(one);

  one('test <id>', 'send a signed payhook.test webhook to the endpoint now and print what it answered')
    .option('--api-version <date>', "render it in this event version instead of the endpoint's (try before switching)")
    .action(
      action(async (id: string, flags: CommonFlags & { apiVersion?: string }) => {
        const t = await clientFor(flags).endpoints.test(id, { api_version: flags.apiVersion });
        // The endpoint failing is what the command found out, not a failure to run it; scripts (a deploy
        // check) still want to know it from the exit status.
        if (!t.succeeded) process.exitCode = CLI_ERRORS.endpoint_test_failed.exit;
        if (flags.json) return printJson(t);
        const answer =
          t.status_code !== null ? `[${t.status_code}]` : `[error: ${t.error_class}] ${t.error_message ?? ''}`;
        process.stdout.write(`Sent ${t.type} ${t.event_id} to ${t.url}: ${answer.trim()} in ${t.duration_ms} ms\n`);
        if (t.response_body) process.stdout.write(`Response: ${t.response_body.slice(0, 500)}\n`);
        if (!t.succeeded) process.stderr.write('payhook: the endpoint did not answer 2xx (endpoint_test_failed)\n');
      }),
    );
}
