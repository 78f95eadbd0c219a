/**
 * `payhook listen --forward-to http://localhost:3000/webhooks`: webhooks on a laptop that payhook cannot
 * reach, the habit `stripe listen` made familiar. It holds `GET /v1/listen` (Server-Sent Events) open,
 * forwards each event to the local URL as a real webhook (the same envelope, Standard Webhooks headers)
 * signed with a local secret, and prints a line per delivery.
 *
 * - The secret is made once and kept in `$PAYHOOK_HOME/listen-secret` (default
 *   `~/.config/payhook/listen-secret`), so the local app's configuration survives restarts.
 * - A lost connection is retried with backoff (1 s doubling to 30 s), resuming after the last event
 *   forwarded, so nothing accepted meanwhile is missed. A stream silent for three heartbeats counts as lost
 *   (a laptop that slept keeps a dead socket open).
 * - Forwarding is one event at a time, in order. A local failure is printed, not retried: the developer
 *   sees it, fixes the app, and can replay with `payhook trigger` or the delivery's retry.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { decodeSecret, generateSecret, PayhookApiError, sign } from '@payhook/sdk';
import type { Env } from '../../config.js';
import { processEnv } from '../../env.js';
import { VERSION } from '../../version.js';
import { SseParser, type SseMessage } from '../sse.js';
import { action, clientFor, ConnectionError, DEFAULT_URL, splitList, UsageError } from './shared.js';

interface ListenFlags {
  url?: string;
  apiKey?: string;
  merchant?: string;
  forwardTo: string;
  events?: string;
}

const FORWARD_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;
/** Three missed heartbeats (sent every 15 s): the connection is dead even if the socket says otherwise. */
const SILENCE_MS = 45_000;

/** Where the local signing secret lives: `$PAYHOOK_HOME/listen-secret`, else `$XDG_CONFIG_HOME/payhook` or `~/.config/payhook`. */
export function listenSecretPath(env: Env = processEnv()): string {
  const home = env.PAYHOOK_HOME || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'payhook');
  return join(home, 'listen-secret');
}

/** The local secret, made on first use (readable by the user only) and the same on every later run. */
export function loadListenSecret(path: string): { secret: string; created: boolean } {
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (!secret.startsWith('whsec_')) throw new Error('not a whsec_ secret');
    decodeSecret(secret);
    return { secret, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(
        `${path} does not hold a whsec_ secret (${(err as Error).message}); delete it to make a new one`,
      );
    }
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = generateSecret();
  try {
    writeFileSync(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another `payhook listen` made it at the same moment: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadListenSecret(path);
    throw err;
  }
  chmodSync(path, 0o600);
  return { secret, created: true };
}

/** `2026-11-27 09:42:45` in local time, for people reading a terminal. */
function clock(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || (err instanceof PayhookApiError && err.code === 'timeout')) return 'timeout';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Posts one event to the local app as a webhook signed with the local secret; prints the outcome. */
async function forward(target: URL, secret: string, msg: SseMessage, stop: AbortSignal): Promise<void> {
  const id = msg.id!;
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  let outcome: string;
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': `payhook-listen/${VERSION}`,
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign({ secret, id, timestamp, payload: msg.data }),
      },
      body: msg.data,
      redirect: 'manual',
      signal: AbortSignal.any([stop, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    outcome = `[${res.status}]`;
  } catch (err) {
    if (stop.aborted) return;
    outcome = `[error: ${reason(err)}]`;
  }
  const ms = Math.round(performance.now() - started);
  say(`${clock()}  ${msg.event.padEnd(22)} ${id}  ${outcome.padEnd(6)} ${ms} ms`);
}

/** A refusal that reconnecting cannot fix (a bad key, a bad filter): a 4xx other than 429. */
function isFatal(err: unknown): boolean {
  return err instanceof PayhookApiError && err.status >= 400 && err.status < 500 && err.status !== 429;
}

async function listen(flags: ListenFlags): Promise<void> {
  if (!flags.apiKey)
    throw new UsageError("no API key: pass --api-key or set PAYHOOK_API_KEY (the merchant's sk_… key)");
  let target: URL;
  try {
    target = new URL(flags.forwardTo);
  } catch {
    throw new UsageError(`--forward-to is not a URL: ${flags.forwardTo}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new UsageError('--forward-to must be an http:// or https:// URL');
  const types = flags.events ? splitList(flags.events) : [];
  const base = (flags.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const client = clientFor({ url: base, apiKey: flags.apiKey, merchant: flags.merchant });
  const path = listenSecretPath();
  const { secret, created } = loadListenSecret(path);

  say(`Forwarding ${types.length ? types.join(', ') : 'all'} events from ${base} to ${target.href}`);
  say(`Webhook signing secret: ${secret}`);
  say(`  (${created ? 'made now and kept' : 'kept'} in ${path}; the same on every run: configure your app with it)`);

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let lastId: string | undefined;
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
          .listen({ types, after: lastId, signal: AbortSignal.any([stop.signal, conn.signal]) })
          .catch((err: unknown) => {
            throw !stop.signal.aborted && err instanceof PayhookApiError && err.code === 'network_error'
              ? new ConnectionError(base, err.cause)
              : err;
          });
        failures = 0;
        say(
          connectedOnce
            ? `Reconnected${lastId ? `; resuming after ${lastId}` : ''}`
            : 'Ready. Waiting for events (Ctrl-C to stop)',
        );
        connectedOnce = true;
        const parser = new SseParser();
        const decoder = new TextDecoder();
        quiet();
        for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
          quiet();
          for (const msg of parser.push(decoder.decode(chunk, { stream: true }))) {
            if (msg.comment !== undefined || !msg.id) continue;
            await forward(target, secret, msg, stop.signal);
            if (stop.signal.aborted) break;
            lastId = msg.id;
          }
          if (stop.signal.aborted) break;
        }
        if (!stop.signal.aborted) say(`${clock()}  payhook closed the stream`);
      } catch (err) {
        if (stop.signal.aborted) break;
        if (isFatal(err)) throw err;
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

export function registerListenCommand(program: Command): void {
  program
    .command('listen')
    .description('forward your events to a local URL, signed with a local secret (for a machine payhook cannot reach)')
    .requiredOption('--forward-to <url>', 'where to POST each event, e.g. http://localhost:3000/webhooks')
    .option(
      '--events <types>',
      "comma-separated event types or prefix.* wildcards (default: all), e.g. 'order.*,transaction.*'",
    )
    .addOption(new Option('--url <url>', 'payhook API base URL').env('PAYHOOK_URL').default(DEFAULT_URL))
    .addOption(
      new Option('--api-key <key>', "the merchant's API key (sk_…), or the admin key with --merchant").env(
        'PAYHOOK_API_KEY',
      ),
    )
    .addOption(
      new Option('--merchant <id>', 'with the admin key: the merchant to listen for (mer_…)').env(
        'PAYHOOK_MERCHANT_ID',
      ),
    )
    .addHelpText(
      'after',
      '\nThe signing secret is kept in $PAYHOOK_HOME/listen-secret (default ~/.config/payhook/listen-secret).\n',
    )
    .action(action(async (flags: ListenFlags) => listen(flags)));
}
