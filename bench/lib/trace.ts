/**
 * A latency trace of payhook's store calls (`BENCH_TRACE=<dir>`): where the time between an accept and
 * the delivery's arrival goes, per stage, without changing what payhook does.
 *
 * The store is wrapped in a proxy that times every asynchronous call, and follows each event through
 * the calls it passes: its accept time (`bench_t0` in the data), `appendEvents` (called, committed),
 * the `claimDue` that took its delivery (called, returned) or the append that claimed it for the
 * dispatcher's offer (`offerNewDeliveries`: claim called and claimed when the offer is handed its
 * deliveries, after the commit), and the `recordResults` that wrote its outcome (called: the attempt
 * has ended). Beside it: the event loop's delay, and for PostgreSQL the
 * pool's waiting clients, sampled every 10 ms. On close it writes `<dir>/trace-<system>-<run>.json`
 * and prints a summary to stderr. Only the bench uses it; it costs a few map operations per call.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { now } from './clock.js';

interface Calls {
  n: number;
  empty: number;
  durations: number[];
}

interface Journey {
  t0: number;
  appendCalled?: number;
  committed?: number;
  claimCalled?: number;
  claimed?: number;
  /** Claimed by its own append, for the dispatcher's offer, rather than by a `claimDue`. */
  atAppend?: boolean;
  resultCalled?: number;
}

export interface TraceSummary {
  system: string;
  events: number;
  /** Of `events`, those their own append claimed (the dispatcher's offer). */
  claimedAtAppend: number;
  /** Per store method: calls, calls that returned nothing, and the duration percentiles (ms). */
  calls: Record<string, { n: number; empty: number; p50: number; p99: number; totalMs: number }>;
  /** Per stage, percentiles over the traced deliveries (ms). */
  stages: Record<string, { p50: number; p90: number; p99: number }>;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  poolWaitingMax: number | null;
  poolWaitingMean: number | null;
}

const BENCH_T0 = /"bench_t0":([0-9.]+)/;
const STAGES: Array<[string, keyof Journey, keyof Journey]> = [
  ['accept → appendEvents (HTTP, group turn)', 't0', 'appendCalled'],
  ['appendEvents → committed', 'appendCalled', 'committed'],
  ['committed → claim called (wake-up, loop)', 'committed', 'claimCalled'],
  ['claim called → claimed (claim query)', 'claimCalled', 'claimed'],
  ['claimed → result (queue, sign, POST, answer)', 'claimed', 'resultCalled'],
  ['accept → result', 't0', 'resultCalled'],
];

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class StoreTrace {
  private readonly calls = new Map<string, Calls>();
  private readonly journeys = new Map<string, Journey>();
  private readonly byDelivery = new Map<string, Journey>();
  private readonly loop = monitorEventLoopDelay({ resolution: 1 });
  private readonly sampler: NodeJS.Timeout;
  private poolSamples: number[] = [];
  private claimedTotal = 0;
  /** Every claim in order: when it was called, how long it took (ms), rows taken, endpoints left out. */
  private readonly claimLog: Array<[number, number, number, number]> = [];

  constructor(
    private readonly system: string,
    private readonly pool?: { waitingCount: number },
  ) {
    this.loop.enable();
    this.sampler = setInterval(() => {
      if (this.pool) this.poolSamples.push(this.pool.waitingCount);
    }, 10);
    this.sampler.unref();
  }

  /** The store, with every asynchronous method timed and the deliveries followed. */
  wrap<S extends object>(store: S): S {
    return new Proxy(store, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        if (key === 'offerNewDeliveries')
          return (offer: () => object | null) => (value as (o: unknown) => unknown).call(target, this.offer(offer));
        return (...args: unknown[]) => {
          const started = now();
          // Before the call: on SQLite an append runs its transaction, and hands the offer what it
          // claimed, synchronously inside the call, before its promise is returned.
          this.before(key, args, started);
          const out = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(out instanceof Promise)) return out;
          return out.then((result) => {
            this.after(key, args, result, started, now());
            return result;
          });
        };
      },
    });
  }

  /**
   * The dispatcher's offer, with each DirectClaim's `accept` (called after the append's commit with
   * the deliveries it claimed) following those deliveries as claimed at that moment.
   */
  private offer(offer: () => object | null): () => object | null {
    return () => {
      const claim = offer();
      if (!claim) return claim;
      return new Proxy(claim, {
        get: (target, key) => {
          const value = Reflect.get(target, key, target);
          if (key !== 'accept' || typeof value !== 'function') return value;
          return (batch: Array<{ id: string; eventId: string }>, ...rest: unknown[]) => {
            const at = now();
            this.follow(batch, at, at, true);
            return (value as (...a: unknown[]) => unknown).call(target, batch, ...rest);
          };
        },
      });
    };
  }

  /** Deliveries claimed (by a `claimDue`, or by their append: `atAppend`), each on its event's journey. */
  private follow(
    deliveries: Array<{ id: string; eventId: string }>,
    called: number,
    claimed: number,
    atAppend: boolean,
  ): void {
    for (const d of deliveries) {
      const j = this.journeys.get(d.eventId);
      if (!j || j.claimed !== undefined) continue;
      // Handed over by its append's offer after the commit, before appendEvents returns.
      if (atAppend) j.committed ??= claimed;
      j.claimCalled = called;
      j.claimed = claimed;
      j.atAppend = atAppend;
      this.byDelivery.set(d.id, j);
    }
  }

  private before(method: string, args: unknown[], at: number): void {
    if (method === 'appendEvents') {
      for (const e of args[0] as Array<{ id: string; data: string }>) {
        const m = BENCH_T0.exec(e.data);
        if (m) this.journeys.set(e.id, { t0: Number(m[1]), appendCalled: at });
      }
    } else if (method === 'recordResults') {
      for (const r of args[0] as Array<{ deliveryId: string }>) {
        const j = this.byDelivery.get(r.deliveryId);
        if (j && j.resultCalled === undefined) j.resultCalled = at;
      }
    }
  }

  private after(method: string, args: unknown[], result: unknown, started: number, ended: number): void {
    let c = this.calls.get(method);
    if (!c) {
      c = { n: 0, empty: 0, durations: [] };
      this.calls.set(method, c);
    }
    c.n++;
    c.durations.push(ended - started);
    if (Array.isArray(result) && result.length === 0) c.empty++;
    if (method === 'appendEvents') {
      for (const e of args[0] as Array<{ id: string }>) {
        const j = this.journeys.get(e.id);
        // Its offer's `accept`, after the commit, may have set it already.
        if (j) j.committed ??= ended;
      }
    } else if (method === 'claimDue') {
      this.claimedTotal += (result as unknown[]).length;
      const left = (args[0] as { excludeEndpoints?: unknown[] }).excludeEndpoints?.length ?? 0;
      this.claimLog.push([started, ended - started, (result as unknown[]).length, left]);
      this.follow(result as Array<{ id: string; eventId: string }>, started, ended, false);
    }
  }

  /** The claims so far: how many, how many came back empty, deliveries claimed, and every duration (ms). */
  claims(): { claims: number; empty: number; claimed: number; p50Ms: number; p99Ms: number; durations: number[] } {
    const c = this.calls.get('claimDue') ?? { n: 0, empty: 0, durations: [] };
    const sorted = [...c.durations].sort((a, b) => a - b);
    return {
      claims: c.n,
      empty: c.empty,
      claimed: this.claimedTotal,
      p50Ms: pct(sorted, 50),
      p99Ms: pct(sorted, 99),
      durations: sorted,
    };
  }

  summary(fromT0 = 0): TraceSummary {
    const calls: TraceSummary['calls'] = {};
    for (const [name, c] of this.calls) {
      const sorted = c.durations.sort((a, b) => a - b);
      calls[name] = {
        n: c.n,
        empty: c.empty,
        p50: pct(sorted, 50),
        p99: pct(sorted, 99),
        totalMs: sorted.reduce((a, b) => a + b, 0),
      };
    }
    const done = [...this.journeys.values()].filter((j) => j.t0 >= fromT0 && j.resultCalled !== undefined);
    const stages: TraceSummary['stages'] = {};
    for (const [label, from, to] of STAGES) {
      const sorted = done.map((j) => (j[to] as number) - (j[from] as number)).sort((a, b) => a - b);
      stages[label] = { p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99) };
    }
    const ms = (ns: number) => ns / 1e6;
    const pool = this.poolSamples;
    return {
      system: this.system,
      events: done.length,
      claimedAtAppend: done.filter((j) => j.atAppend).length,
      calls,
      stages,
      eventLoopDelayMs: {
        p50: ms(this.loop.percentile(50)),
        p99: ms(this.loop.percentile(99)),
        max: ms(this.loop.max),
      },
      poolWaitingMax: this.pool ? Math.max(0, ...pool) : null,
      poolWaitingMean: this.pool && pool.length ? pool.reduce((a, b) => a + b, 0) / pool.length : null,
    };
  }

  /** Writes the summary to `dir` and prints it; the first `skipMs` of accepts are left out (warm-up). */
  write(dir: string, runId: string, skipMs: number): TraceSummary {
    clearInterval(this.sampler);
    this.loop.disable();
    const first = Math.min(...[...this.journeys.values()].map((j) => j.t0));
    const summary = this.summary(first + skipMs);
    writeFileSync(join(dir, `trace-${this.system}-${runId}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    // The claims one by one, for a timeline (gaps where the loop claimed nothing, slow claims).
    writeFileSync(
      join(dir, `claims-${this.system}-${runId}.json`),
      `${JSON.stringify({ columns: ['startedMs', 'durationMs', 'rows', 'endpointsLeftOut'], claims: this.claimLog })}\n`,
    );
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
    const lines = [
      `trace ${this.system}: ${summary.events} deliveries followed, ${summary.claimedAtAppend} of them claimed by their append`,
    ];
    for (const [stage, s] of Object.entries(summary.stages))
      lines.push(`  ${stage.padEnd(46)} p50 ${f(s.p50)}  p90 ${f(s.p90)}  p99 ${f(s.p99)} ms`);
    for (const [name, c] of Object.entries(summary.calls))
      lines.push(`  ${name.padEnd(20)} ${c.n} calls (${c.empty} empty), p50 ${f(c.p50)} p99 ${f(c.p99)} ms`);
    const l = summary.eventLoopDelayMs;
    lines.push(`  event loop delay p50 ${f(l.p50)} p99 ${f(l.p99)} max ${f(l.max)} ms`);
    if (summary.poolWaitingMax !== null)
      lines.push(`  pool: waiting clients max ${summary.poolWaitingMax}, mean ${f(summary.poolWaitingMean ?? NaN)}`);
    process.stderr.write(`${lines.join('\n')}\n`);
    return summary;
  }
}
