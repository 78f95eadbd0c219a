/**
 * Forwarding one event to one local route, as a webhook signed with the local secret, until the app
 * takes it. `payhook listen` must not drop an event because the app was restarting:
 *
 *   answer 2xx                      delivered
 *   answer 4xx (not 408/429)        the app's answer: printed, not retried (a resend or a fix replays it)
 *   5xx, 408, 429, no answer        printed, retried after 1 s, doubling to MAX_DELAY_MS, until it is
 *   (refused, reset, timeout…)      delivered, Ctrl-C, or `maxAttempts` (then listen stops, exit 1,
 *                                   with its cursor before the event, so the next run sends it again)
 *
 * Each attempt is signed anew (a fresh `webhook-timestamp`, so a retry after minutes still passes the
 * receiver's 5-minute tolerance) with the same `webhook-id`.
 */
import { PayhookApiError, sign } from '@payhook/sdk';
import { VERSION } from '../../version.js';
import { CliError } from '../commands/errors.js';
import type { Route } from './routes.js';

const FORWARD_TIMEOUT_MS = 10_000;
const FIRST_DELAY_MS = 1_000;
/** Retries wait at most this long: the app is back within half a minute of being back. */
export const MAX_DELAY_MS = 30_000;

export interface Forwarding {
  secret: string;
  stop: AbortSignal;
  /** Give up (and stop listening) after this many failed attempts at one event; no limit when absent. */
  maxAttempts?: number;
  /** More than one route: each line names its route. */
  showRoute: boolean;
  say(line: string): void;
}

export interface Envelope {
  /** The event id: the webhook's `webhook-id`. */
  id: string;
  type: string;
  /** The envelope bytes, as signed and sent. */
  body: string;
  /** Set for a resend: its `rsd_` id. */
  resendId?: string;
}

/** `2026-11-27 09:42:45` in local time, for people reading a terminal. */
export function clock(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || (err instanceof PayhookApiError && err.code === 'timeout')) return 'timeout';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

interface Outcome {
  /** What to print: `[200]`, `[error: ECONNREFUSED]`. */
  text: string;
  ms: number;
  retry: boolean;
  delivered: boolean;
}

async function attempt(route: Route, e: Envelope, o: Forwarding): Promise<Outcome | null> {
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  try {
    const res = await fetch(route.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': `payhook-listen/${VERSION}`,
        'webhook-id': e.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign({ secret: o.secret, id: e.id, timestamp, payload: e.body }),
      },
      body: e.body,
      redirect: 'manual',
      signal: AbortSignal.any([o.stop, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    const s = res.status;
    return {
      text: `[${s}]`,
      ms: Math.round(performance.now() - started),
      delivered: s >= 200 && s < 300,
      retry: s >= 500 || s === 408 || s === 429,
    };
  } catch (err) {
    if (o.stop.aborted) return null;
    return {
      text: `[error: ${reason(err)}]`,
      ms: Math.round(performance.now() - started),
      delivered: false,
      retry: true,
    };
  }
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      stop.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Forwards `e` to `route` until it is delivered or answered (true), or listening stops (false).
 * Throws `forward_failed` after `maxAttempts`.
 */
export async function forward(route: Route, e: Envelope, o: Forwarding): Promise<boolean> {
  const label = `${e.type.padEnd(22)} ${e.id}`;
  const where = `${o.showRoute ? `  -> ${route.url.href}` : ''}${e.resendId ? `  (resent ${e.resendId})` : ''}`;
  for (let n = 1; ; n++) {
    const out = await attempt(route, e, o);
    if (out === null) return false;
    const tries = n > 1 ? `  attempt ${n}` : '';
    if (!out.retry) {
      o.say(`${clock()}  ${label}  ${out.text.padEnd(6)} ${out.ms} ms${where}${tries}`);
      return true;
    }
    if (o.maxAttempts !== undefined && n >= o.maxAttempts) {
      o.say(`${clock()}  ${label}  ${out.text.padEnd(6)} ${out.ms} ms${where}${tries}  giving up`);
      throw new CliError(
        'forward_failed',
        `${e.id} was not delivered to ${route.url.href} in ${n} attempts (--max-attempts); the next run starts with it`,
        { event_id: e.id, url: route.url.href, attempts: n },
      );
    }
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(n - 1, 5));
    o.say(`${clock()}  ${label}  ${out.text.padEnd(6)} ${out.ms} ms${where}${tries}  retrying in ${delay / 1000} s`);
    await sleep(delay, o.stop);
    if (o.stop.aborted) return false;
  }
}
