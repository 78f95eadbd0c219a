/** A test client of `GET /v1/listen`: opens the stream with fetch and records every message and comment. */
import { SseParser, type SseMessage } from '../../src/cli/sse.js';

export interface OpenStream {
  status: number;
  headers: Headers;
  /** Every message and comment, in arrival order. */
  messages: SseMessage[];
  /** The event messages (those with an id). */
  events(): SseMessage[];
  /** Resolves when `pred` holds, checked on every message; rejects after `ms` or when the stream ends first. */
  waitFor(pred: (s: OpenStream) => boolean, what: string, ms?: number): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openStream(
  baseUrl: string,
  key: string,
  query = '',
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  const ac = new AbortController();
  const res = await fetch(`${baseUrl}/v1/listen${query}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: ac.signal,
  });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let finished = false;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const stream: OpenStream = {
    status: res.status,
    headers: res.headers,
    messages,
    events: () => messages.filter((m) => m.id !== undefined),
    waitFor(pred, what, ms = 10_000) {
      if (pred(stream)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stream: timed out waiting for ${what}`));
        }, ms);
        const check = () => {
          if (pred(stream)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (finished) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`stream ended before ${what}`));
          }
        };
        waiters.add(check);
      });
    },
    ended: Promise.resolve(),
    close: () => ac.abort(),
  };
  stream.ended = (async () => {
    if (!res.body) return;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        messages.push(...parser.push(decoder.decode(chunk, { stream: true })));
        for (const w of [...waiters]) w();
      }
    } catch {
      /* aborted by close(), or the server went away */
    }
    finished = true;
    for (const w of [...waiters]) w();
  })();
  return stream;
}

export type { SseMessage };
