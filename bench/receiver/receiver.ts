/**
 * The webhook receiver every system delivers to. It runs in its own process (`receiver/main.ts`) so its
 * work does not share the sender's event loop, and listens on one port per endpoint so that each endpoint
 * is its own origin, as merchants' servers are.
 *
 * It counts distinct `webhook-id` values (a system cannot win by dropping work, and duplicates are
 * reported), checks the signature of every `sampleEvery`-th request with the third-party
 * `standardwebhooks` package (a bad one gets 401 and is not counted), records the arrival time of each
 * new id against the `bench_t0` accept time found in the body, and can hold requests open (a hanging
 * endpoint), answer one byte a second (a dripping endpoint) or close its ports (a receiver that is down).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { now } from '../lib/clock.js';

export interface EndpointSpec {
  /** Hold every request open until the client gives up. */
  hang?: boolean;
  /**
   * Answer 200 with a long body sent one byte a second, until the client gives up: a slow endpoint
   * that keeps answering, which a timeout between two chunks never ends.
   */
  drip?: boolean;
  secret?: string;
}

export interface ReceiverStats {
  requests: number;
  unique: number;
  duplicates: number;
  /** Sampled requests whose signature did not verify (answered 401, not counted). */
  badSignatures: number;
  verified: number;
  /** Requests without a webhook-id (answered 400). */
  rejected: number;
  /** Requests held open by hanging endpoints. */
  held: number;
  /** Requests answered one byte a second by dripping endpoints. */
  dripped: number;
  /**
   * Request-milliseconds held open by hanging and dripping endpoints (arrival to close, summed), up to
   * the last new arrival: ÷ (lastNewArrival - firstArrival), the sender's slots they held on average.
   */
  badOpenMs: number;
  /** Distinct ids per endpoint (held requests to hanging endpoints are not counted). */
  perEndpoint: number[];
  firstArrival: number | null;
  lastNewArrival: number | null;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** [percentile, ms] pairs for plotting. */
  spectrum: Array<[number, number]>;
}

const SPECTRUM = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100];
/** A dripping answer's length: at one byte a second, longer than any client waits. */
const DRIP_BYTES = 3600;

interface Listener {
  server: Server;
  port: number;
  sockets: Set<Socket>;
  spec: EndpointSpec;
}

export class Receiver {
  private listeners: Listener[] = [];
  private webhooks: Array<Webhook | null> = [];
  private seen = new Set<string>();
  private held = new Set<ServerResponse>();
  private s!: ReceiverStats;
  private t0s = new Float64Array(1 << 16);
  private arrivals = new Float64Array(1 << 16);
  private latencyCount = 0;
  /** Arrival of each `bench_key=<n>` seen in a body (payment scenario: joined with the pay call times). */
  private keyed = new Map<number, number>();
  private waiter: { count: number; resolve(ok: boolean): void; timer: NodeJS.Timeout } | null = null;
  private timelineTimer: NodeJS.Timeout | null = null;
  private timelineData: Array<[number, number]> = [];
  /** Requests to hanging and dripping endpoints open now, their request-ms so far, and when it last changed. */
  private badOpen = 0;
  private readonly badRes = new Set<ServerResponse>();
  private badOpenMs = 0;
  private badChangedAt = 0;

  constructor(private readonly sampleEvery = 50) {
    this.reset();
  }

  /** Replaces all endpoints with new ones on fresh ports; returns their URLs. */
  async configure(specs: EndpointSpec[]): Promise<string[]> {
    await this.closeServers();
    this.listeners = [];
    for (const spec of specs) {
      const index = this.listeners.length;
      const sockets = new Set<Socket>();
      const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.handle(index, req, res));
      server.headersTimeout = 66_000;
      server.requestTimeout = 0;
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      const port = await listen(server, 0);
      this.listeners.push({ server, port, sockets, spec });
    }
    this.setSecrets(specs.map((s) => s.secret ?? null));
    this.reset();
    return this.listeners.map((l) => `http://127.0.0.1:${l.port}/webhook`);
  }

  /** Secrets to verify sampled signatures with, one per endpoint (null: every sampled request fails). */
  setSecrets(secrets: ReadonlyArray<string | null>): void {
    this.webhooks = secrets.map((s) => (s ? new Webhook(s) : null));
  }

  reset(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
    this.seen = new Set();
    this.latencyCount = 0;
    this.keyed = new Map();
    this.stopTimeline();
    this.timelineData = [];
    this.badOpen = 0;
    this.badRes.clear();
    this.badOpenMs = 0;
    this.badChangedAt = now();
    this.s = {
      requests: 0,
      unique: 0,
      duplicates: 0,
      badSignatures: 0,
      verified: 0,
      rejected: 0,
      held: 0,
      dripped: 0,
      badOpenMs: 0,
      perEndpoint: this.listeners.map(() => 0),
      firstArrival: null,
      lastNewArrival: null,
    };
  }

  stats(): ReceiverStats {
    return { ...this.s, perEndpoint: [...this.s.perEndpoint] };
  }

  /** Resolves true once `count` distinct ids arrived, false on timeout. */
  waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.waiter) this.settle(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(false), timeoutMs);
      this.waiter = { count, resolve, timer };
      this.check();
    });
  }

  /** Closes every port and drops open connections: deliveries now fail with ECONNREFUSED. */
  async down(): Promise<void> {
    await this.closeServers();
  }

  /** Listens again on the same ports. */
  async up(): Promise<void> {
    for (const l of this.listeners) if (!l.server.listening) await listen(l.server, l.port);
  }

  /** Samples the distinct-id count every `intervalMs` until `stopTimeline`: the drain curve. */
  startTimeline(intervalMs: number): void {
    this.stopTimeline();
    this.timelineData = [[now(), this.s.unique]];
    this.timelineTimer = setInterval(() => this.timelineData.push([now(), this.s.unique]), intervalMs);
  }

  stopTimeline(): Array<[number, number]> {
    if (this.timelineTimer) clearInterval(this.timelineTimer);
    this.timelineTimer = null;
    return this.timelineData;
  }

  /** Percentiles of arrival − bench_t0 over new ids whose t0 is at or after `fromT0`. */
  latency(fromT0 = 0): LatencySummary {
    const values: number[] = [];
    for (let i = 0; i < this.latencyCount; i++) if (this.t0s[i] >= fromT0) values.push(this.arrivals[i] - this.t0s[i]);
    const sorted = Float64Array.from(values).sort();
    // Nearest-rank percentile: the smallest value with at least p% of the values at or below it.
    const at = (p: number) =>
      sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: sorted.length,
      mean: sorted.length ? sum / sorted.length : NaN,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: at(100),
      spectrum: SPECTRUM.map((p) => [p, at(p)] as [number, number]),
    };
  }

  async close(): Promise<void> {
    this.reset();
    if (this.waiter) this.settle(false);
    await this.closeServers();
  }

  private handle(index: number, req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrival = now();
      const s = this.s;
      s.requests++;
      if (s.firstArrival === null) s.firstArrival = arrival;
      const listener = this.listeners[index];
      if (listener.spec.hang || listener.spec.drip) {
        this.badCount(arrival, 1);
        this.badRes.add(res);
        // Not counted if a reset() came first (it starts the count again from nothing).
        res.on('close', () => this.badRes.delete(res) && this.badCount(now(), -1));
      }
      if (listener.spec.hang) {
        s.held++;
        this.held.add(res);
        res.on('close', () => this.held.delete(res));
        return;
      }
      if (listener.spec.drip) {
        s.dripped++;
        this.drip(res);
        return;
      }
      const id = req.headers['webhook-id'];
      if (typeof id !== 'string' || id === '') {
        s.rejected++;
        res.writeHead(400, { 'content-length': '0' }).end();
        return;
      }
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (s.requests % this.sampleEvery === 0 || s.perEndpoint[index] === 0) {
        if (!this.verify(index, body, req)) {
          s.badSignatures++;
          res.writeHead(401, { 'content-length': '0' }).end();
          return;
        }
        s.verified++;
      }
      if (this.seen.has(id)) {
        s.duplicates++;
      } else {
        this.seen.add(id);
        s.unique++;
        s.perEndpoint[index]++;
        s.lastNewArrival = arrival;
        s.badOpenMs = this.badOpenMs + this.badOpen * (arrival - this.badChangedAt);
        this.recordLatency(body, arrival);
        this.check();
      }
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  }

  private badCount(at: number, delta: number): void {
    this.badOpenMs += this.badOpen * (at - this.badChangedAt);
    this.badChangedAt = at;
    this.badOpen += delta;
  }

  /** 200 at once, then one byte a second until the client closes the connection (or reset()). */
  private drip(res: ServerResponse): void {
    this.held.add(res);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(DRIP_BYTES) });
    // writeHead only stores the status line and headers; without this they would leave with the first
    // byte, a second later, and the endpoint would look like one that hangs for a second.
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      if (++sent >= DRIP_BYTES) res.end('.');
      else res.write('.');
    }, 1000);
    res.on('close', () => {
      clearInterval(timer);
      this.held.delete(res);
    });
  }

  private verify(index: number, body: Buffer, req: IncomingMessage): boolean {
    const webhook = this.webhooks[index];
    if (!webhook) return false;
    try {
      webhook.verify(
        body,
        {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        },
        { jsonParse: false },
      );
      return true;
    } catch {
      return false;
    }
  }

  /** [key, arrival] of every `bench_key=<n>` that arrived (first arrival of each). */
  keyedArrivals(): Array<[number, number]> {
    return [...this.keyed];
  }

  private recordLatency(body: Buffer, arrival: number): void {
    const k = body.indexOf('bench_key=');
    if (k >= 0) {
      const key = Number.parseInt(body.toString('latin1', k + 10, k + 30), 10);
      if (Number.isFinite(key) && !this.keyed.has(key)) this.keyed.set(key, arrival);
    }
    // `"bench_t0":<ms>` in the data, or `bench_t0=<ms>` inside a string field (the payment scenario's
    // optional1, which payhook copies into every payment event).
    const at = body.indexOf('bench_t0');
    if (at < 0) return;
    const skip = body[at + 8] === 0x3d /* = */ ? 9 : 10;
    const t0 = Number.parseFloat(body.toString('latin1', at + skip, at + skip + 30));
    if (!Number.isFinite(t0)) return;
    if (this.latencyCount === this.t0s.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.t0s = grow(this.t0s);
      this.arrivals = grow(this.arrivals);
    }
    this.t0s[this.latencyCount] = t0;
    this.arrivals[this.latencyCount++] = arrival;
  }

  private check(): void {
    const w = this.waiter;
    if (w && this.s.unique >= w.count) this.settle(true);
  }

  private settle(ok: boolean): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    clearTimeout(w.timer);
    w.resolve(ok);
  }

  private async closeServers(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    await Promise.all(
      this.listeners.map(
        (l) =>
          new Promise<void>((resolve) => {
            if (!l.server.listening) return resolve();
            l.server.close(() => resolve());
            for (const socket of l.sockets) socket.destroy();
          }),
      ),
    );
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
