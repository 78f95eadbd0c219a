/**
 * A real HTTP receiver for tests: listens on a free port, records every request, and answers per path
 * as the test scripts it (fail N times then succeed, a fixed status, a redirect, hang until closed,
 * answer 200 at once and then drip a body that never ends).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'fail-then-ok'; failures: number; status?: number }
  | { kind: 'hang' }
  /** 200 and its headers at once, one body byte, then nothing more until the client lets go. */
  | { kind: 'drip' };

/** A request opened or its response closed, in the order the receiver saw them. */
export interface OpenClose {
  path: string;
  open: boolean;
}

export class Receiver {
  readonly received: Received[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly failuresLeft = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly waiters: { pred: () => boolean; resolve: () => void }[] = [];
  private active = new Map<string, number>();
  /** Highest number of requests held open at once, per path. */
  readonly peakConcurrency = new Map<string, number>();
  /** Every request's opening and its response's closing, in order (peaks across paths, what was open when). */
  readonly openLog: OpenClose[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  on(path: string, behaviour: Behaviour): this {
    this.behaviours.set(path, behaviour);
    if (behaviour.kind === 'fail-then-ok') this.failuresLeft.set(path, behaviour.failures);
    return this;
  }

  private handle(path: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    this.received.push({ path, headers, body, at: Date.now() });
    const n = (this.active.get(path) ?? 0) + 1;
    this.active.set(path, n);
    this.peakConcurrency.set(path, Math.max(this.peakConcurrency.get(path) ?? 0, n));
    this.openLog.push({ path, open: true });
    // Closed when the response closes, or as soon as the sender's end of the connection is read (its
    // EOF or reset), whichever comes first: Node emits the response's 'close' only in a later phase of
    // the event loop, after requests read in the same turn (one on a new connection the sender opened
    // after closing this one would otherwise count as open beside it).
    let closed = false;
    const socket = res.socket;
    const close = () => {
      if (closed) return;
      closed = true;
      socket?.off('end', close);
      socket?.off('error', close);
      this.active.set(path, (this.active.get(path) ?? 1) - 1);
      this.openLog.push({ path, open: false });
    };
    res.on('close', close);
    socket?.once('end', close);
    socket?.once('error', close);
    const b = this.behaviours.get(path) ?? { kind: 'ok' };
    if (b.kind === 'hang') {
      this.hanging.add(res);
      this.check();
      return;
    }
    if (b.kind === 'drip') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3600' });
      res.write('.');
      this.check();
      return;
    }
    if (b.kind === 'status') {
      res.writeHead(b.status, b.headers).end(b.body ?? '');
      this.check();
      return;
    }
    if (b.kind === 'fail-then-ok') {
      const left = this.failuresLeft.get(path) ?? 0;
      if (left > 0) {
        this.failuresLeft.set(path, left - 1);
        res.writeHead(b.status ?? 500).end('not yet');
        this.check();
        return;
      }
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    this.check();
  }

  /** Cuts every request held by `hang` now: the sender sees the connection reset. */
  cutHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /** Requests open now whose path starts with `prefix`. */
  openNow(prefix: string): number {
    let n = 0;
    for (const [path, count] of this.active) if (path.startsWith(prefix)) n += count;
    return n;
  }

  for(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves when `pred` holds (checked after every request), or rejects after `ms`. */
  waitFor(pred: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver: timed out waiting for ${what}`)), ms);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private check(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].pred()) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/**
 * Polls `fn` until it returns a truthy value (for state that changes in the database, not at the receiver).
 * A `null` or `undefined` never comes back, so the result's type drops them: `fn` may return `x | null`.
 */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  ms = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
