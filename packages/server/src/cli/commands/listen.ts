/**
 * `payhook listen --forward-to http://localhost:3000/webhooks`: webhooks on a machine that payhook
 * cannot reach (a laptop, a CI job), the habit `stripe listen` made familiar. It holds `GET /v1/listen`
 * (Server-Sent Events) open, forwards each event to the local URL as a real webhook (the same envelope,
 * Standard Webhooks headers) signed with a local secret, and prints a line per delivery.
 *
 * It does not drop events:
 * - A failed forward (the app down, refused, timing out, 5xx) is retried with backoff, one event at a
 *   time and in order, each retry printed (../listen/forward.ts).
 * - Its position (the last event and the last resend handled) is kept beside its secret and saved after
 *   each event (../listen/home.ts), so a restart resumes there; `--from-now` skips what came meanwhile.
 * - A lost connection is retried with backoff (1 s doubling to 30 s), resuming from that position. A
 *   stream silent for three heartbeats counts as lost (a laptop that slept keeps a dead socket open).
 * - Events resent through the API (`payhook events resend`) come again, with their own ids.
 *
 * `--forward-to` is repeatable, `types=URL` for a route per type (../listen/routes.ts).
 */
import { API_VERSION_NAMES, isApiVersion, OLDEST_API_VERSION, renderVersion } from '../../events/versions.js';
import { Option, type Command } from 'commander';
import { PayhookApiError } from '@payhook/sdk';
import { clock, forward, reason, type Envelope } from '../listen/forward.js';
import { CursorFile, listenCursorPath, listenSecretPath, loadListenSecret, type StreamCursor } from '../listen/home.js';
import { checkRoutes, parseRoute, routesFor, streamTypes, type Route } from '../listen/routes.js';
import { SseParser, type SseMessage } from '../sse.js';
import {
  action,
  clientFor,
  ConnectionError,
  DEFAULT_URL,
  modeLine,
  modeOf,
  parsePositiveInt,
  splitList,
  UsageError,
} from './shared.js';

export { listenSecretPath, loadListenSecret } from '../listen/home.js';

interface ListenFlags {
  url?: string;
  apiKey?: string;
  merchant?: string;
  mode?: 'test' | 'live';
  forwardTo: string[];
  events?: string;
  fromNow?: boolean;
  maxAttempts?: string;
  apiVersion?: string;
}

const MAX_BACKOFF_MS = 30_000;
/** Three missed heartbeats (sent every 15 s): the connection is dead even if the socket says otherwise. */
const SILENCE_MS = 45_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A refusal that reconnecting cannot fix (a bad key, a bad filter): a 4xx other than 429. */
function isFatal(err: unknown): boolean {
  return err instanceof PayhookApiError && err.status >= 400 && err.status < 500 && err.status !== 429;
}

/** `: listening after=evt_… resends_after=rsd_…` → where the stream starts. */
function startOf(comment: string): StreamCursor | null {
  const m = /^listening after=(evt_\S+) resends_after=(rsd_\S+)$/.exec(comment);
  return m ? { after: m[1], resends_after: m[2] } : null;
}

/** A message of the stream as what to forward: an event, or a resend of one (its envelope carries the id). */
/**
 * The stream carries each event as stored (the oldest version's shape); with `--api-version` it is
 * rendered in that version before signing, by the same upgrades a delivery runs (events/versions.ts),
 * so the local app sees what a production endpoint of that version would.
 */
function envelopeOf(msg: SseMessage & { id: string }, apiVersion: string): Envelope {
  const body = renderVersion(msg.data, apiVersion);
  if (msg.id.startsWith('rsd_')) {
    const { id } = JSON.parse(msg.data) as { id: string };
    return { id, type: msg.event, body, resendId: msg.id };
  }
  return { id: msg.id, type: msg.event, body };
}

async function listen(flags: ListenFlags): Promise<void> {
  if (!flags.apiKey)
    throw new UsageError(
      "no API key: pass --api-key or set PAYHOOK_API_KEY (the merchant's sk_test_… or sk_live_… key)",
      'missing_api_key',
    );
  const routes: Route[] = checkRoutes(flags.forwardTo.map(parseRoute));
  const apiVersion = flags.apiVersion ?? OLDEST_API_VERSION;
  if (!isApiVersion(apiVersion))
    throw new UsageError(`--api-version must be one of ${API_VERSION_NAMES.join(', ')} (docs/versions.md)`);
  const maxAttempts =
    flags.maxAttempts !== undefined ? parsePositiveInt(flags.maxAttempts, '--max-attempts') : undefined;
  const types = streamTypes(routes, flags.events ? splitList(flags.events) : undefined);
  const base = (flags.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const client = clientFor({ url: base, apiKey: flags.apiKey, merchant: flags.merchant, mode: flags.mode });
  const mode = modeOf(flags);
  const secretPath = listenSecretPath();
  const { secret, created } = loadListenSecret(secretPath);
  // The admin key listens to one merchant in one mode: each keeps its own cursor. (A merchant key's
  // mode is its own, so its entry needs no mode.)
  const scope = flags.merchant && mode === 'live' ? `${flags.merchant} live` : flags.merchant;
  const cursors = new CursorFile(listenCursorPath(), base, flags.apiKey, scope);
  let cursor = flags.fromNow ? null : cursors.load();

  for (const r of routes)
    say(
      `Forwarding ${r.types ? r.types.join(', ') : routes.length > 1 ? 'other' : types.length ? types.join(', ') : 'all'} events from ${base} to ${r.url.href}`,
    );
  say(modeLine(flags).trimEnd());
  say(`Webhook signing secret: ${secret}`);
  say(
    `  (${created ? 'made now and kept' : 'kept'} in ${secretPath}; the same on every run: configure your app with it)`,
  );
  if (cursor) say(`Resuming after ${cursor.after} (where the last run stopped; --from-now skips what came since)`);

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const forwarding = { secret, stop: stop.signal, maxAttempts, showRoute: routes.length > 1, say };

  let failures = 0;
  let connectedOnce = false;
  try {
    while (!stop.signal.aborted) {
      const conn = new AbortController();
      let silence: NodeJS.Timeout | undefined;
      const quiet = () => {
        clearTimeout(silence);
        silence = setTimeout(() => conn.abort(new Error(`nothing heard for ${SILENCE_MS / 1000} s`)), SILENCE_MS);
      };
      try {
        const stream = await client.events
          .listen({
            types,
            after: cursor?.after,
            resendsAfter: cursor?.resends_after,
            signal: AbortSignal.any([stop.signal, conn.signal]),
          })
          .catch((err: unknown) => {
            throw !stop.signal.aborted && err instanceof PayhookApiError && err.code === 'network_error'
              ? new ConnectionError(base, err.cause)
              : err;
          });
        failures = 0;
        say(
          connectedOnce
            ? `Reconnected${cursor ? `; resuming after ${cursor.after}` : ''}`
            : 'Ready. Waiting for events (Ctrl-C to stop)',
        );
        connectedOnce = true;
        const parser = new SseParser();
        const decoder = new TextDecoder();
        quiet();
        for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
          quiet();
          for (const msg of parser.push(decoder.decode(chunk, { stream: true }))) {
            if (msg.comment !== undefined) {
              // The stream's starting point: kept at once, so a crash before the first event loses nothing.
              const start = startOf(msg.comment);
              if (start && !cursor) {
                cursor = start;
                cursors.save(cursor);
              }
              continue;
            }
            if (!msg.id) continue;
            const e = envelopeOf(msg as SseMessage & { id: string }, apiVersion);
            // Forwarding may take a while (retries): the stream is not silent, we are not reading it.
            clearTimeout(silence);
            const targets = routesFor(routes, e.type);
            if (targets.length === 0) say(`${clock()}  ${e.type.padEnd(22)} ${e.id}  no route takes this type`);
            for (const route of targets) if (!(await forward(route, e, forwarding))) break;
            if (stop.signal.aborted) break;
            quiet();
            const next: StreamCursor = cursor ?? { after: '', resends_after: '' };
            cursor = e.resendId ? { ...next, resends_after: e.resendId } : { ...next, after: msg.id };
            if (cursor.after && cursor.resends_after) cursors.save(cursor);
          }
          if (stop.signal.aborted) break;
        }
        if (!stop.signal.aborted) say(`${clock()}  payhook closed the stream`);
      } catch (err) {
        if (stop.signal.aborted) break;
        if (isFatal(err) || err instanceof UsageError || (err as { code?: string }).code === 'forward_failed')
          throw err;
        say(`${clock()}  connection lost: ${conn.signal.aborted ? reason(conn.signal.reason) : reason(err)}`);
      } finally {
        clearTimeout(silence);
      }
      if (stop.signal.aborted) break;
      const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures++, 5));
      say(`${clock()}  reconnecting in ${delay / 1000} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        stop.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  say('Stopped.');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerListenCommand(program: Command): void {
  program
    .command('listen')
    .description('forward your events to a local URL, signed with a local secret (for a machine payhook cannot reach)')
    .requiredOption(
      '--forward-to <[types=]url>',
      "where to POST each event, e.g. http://localhost:3000/webhooks; repeatable, with types for a route per type: 'order.*=http://localhost:3000/orders'",
      collect,
    )
    .option(
      '--events <types>',
      "comma-separated event types or prefix.* wildcards (default: all, or those of the routes), e.g. 'order.*,transaction.*'",
    )
    .option('--from-now', 'start from now instead of where the last run stopped')
    .option(
      '--api-version <date>',
      `render events in this event version, as an endpoint of it receives them (default ${OLDEST_API_VERSION}, the stored shape; docs/versions.md)`,
    )
    .option('--max-attempts <n>', 'stop (exit 1) when one event fails this many times (default: retry until delivered)')
    .addOption(new Option('--url <url>', 'payhook API base URL').env('PAYHOOK_URL').default(DEFAULT_URL))
    .addOption(
      new Option(
        '--api-key <key>',
        "the merchant's API key (sk_test_… or sk_live_…), or the admin key with --merchant",
      ).env('PAYHOOK_API_KEY'),
    )
    .addOption(
      new Option('--merchant <id>', 'with the admin key: the merchant to listen for (mer_…)').env(
        'PAYHOOK_MERCHANT_ID',
      ),
    )
    .addOption(
      new Option('--mode <mode>', "with the admin key: the merchant's mode to listen to (default test)")
        .choices(['test', 'live'])
        .env('PAYHOOK_MODE'),
    )
    .addHelpText(
      'after',
      [
        '',
        'The signing secret and where each stream stopped are kept in $PAYHOOK_HOME (default ~/.config/payhook):',
        'listen-secret and listen-cursor.json. A forward that fails (app down, 5xx, timeout) is retried after',
        '1 s, doubling to 30 s; a 4xx answer is printed and not retried. Headless use (CI): docs/cli.md.',
        '',
      ].join('\n'),
    )
    .action(action(async (flags: ListenFlags) => listen(flags)));
}
