/**
 * The host process of one system run: it loads the system, creates and starts it, and produces the
 * scenario's events into it when the orchestrator says so. A fresh host per run keeps runs independent
 * (no warm JIT, pools or leftover timers carried from one system to the next) and makes the peak RSS of
 * the host the memory of that system.
 */
import { now, sleep } from './clock.js';
import { serveRpc } from './rpc.js';
import { loadSystem } from './systems.js';
import { makeEvent } from './workload.js';
import type { BenchEvent, SystemInstance, SystemOptions } from '../systems/types.js';

export interface CreateArgs {
  file: string;
  systemId: string;
  options: Omit<SystemOptions, 'log'>;
}

export interface ProduceArgs {
  count: number;
  offset: number;
  chunk: number;
  endpointCount: number;
}
export interface ProduceResult {
  firstAcceptAt: number;
  lastAcceptAt: number;
}

export interface SteadyArgs {
  /** `accept` (default): one event a call; `pay`: one order created and paid a call (payment scenario). */
  action?: 'accept' | 'pay';
  rate: number;
  durationMs: number | null;
  offset: number;
  endpointCount: number;
  /** How long to wait, after the last offer, for outstanding accepts to settle. */
  settleMs: number;
}
export interface SteadyResult {
  startedAt: number;
  /** Events whose accept resolved. */
  accepted: number;
  /** Accepts that rejected. */
  failed: number;
  /** Events not offered because too many accepts were already outstanding (the system fell behind). */
  skipped: number;
  /** Time for `accept` to resolve, ms. */
  acceptMs: { p50: number; p99: number; max: number };
  /** `pay` only: [payment number, time just before its pay call] of every payment that went through. */
  payStarts?: Array<[number, number]>;
}

export interface SaturateArgs {
  /** Payments in flight at once (closed loop: each worker pays the next order when one is done). */
  workers: number;
  durationMs: number;
  offset: number;
}
export interface SaturateResult {
  paid: number;
  failed: number;
  seconds: number;
  payStarts: Array<[number, number]>;
}

export interface MemoryResult {
  peakRss: number;
  samples: Array<[number, number]>;
}

/** Accepts still outstanding beyond which the steady producer stops offering more (bounded memory). */
const MAX_OUTSTANDING = 10_000;

let instance: SystemInstance | null = null;
let runId = '';
let steady: { stop: boolean; done: Promise<SteadyResult> } | null = null;
let peakRss = process.memoryUsage.rss();
const rssSamples: Array<[number, number]> = [];
const rssTimer = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  rssSamples.push([now(), rss]);
}, 250);

function need<K extends keyof SystemInstance>(name: K): NonNullable<SystemInstance[K]> {
  if (!instance) throw new Error('create first');
  const fn = instance[name];
  if (typeof fn !== 'function') throw new Error(`this system does not implement ${String(name)}()`);
  // biome-ignore lint/complexity/noBannedTypes: the member is one of several method types; binding keeps its own.
  return (fn as Function).bind(instance);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runSteady(args: SteadyArgs, control: { stop: boolean }): Promise<SteadyResult> {
  const pay = args.action === 'pay' ? (need('pay') as (n: number) => Promise<number>) : null;
  const accept = pay ? null : (need('accept') as (e: BenchEvent) => Promise<void>);
  const payStarts: Array<[number, number]> = [];
  const times: number[] = [];
  let made = 0,
    due = 0,
    failed = 0,
    skipped = 0,
    outstanding = 0;
  const startedAt = now();
  // Open loop: events are offered on the clock whatever the system's speed, as clients would send them.
  while (!control.stop && (args.durationMs === null || now() - startedAt < args.durationMs)) {
    const target = Math.floor(((now() - startedAt) * args.rate) / 1000);
    for (; due < target; due++) {
      if (outstanding >= MAX_OUTSTANDING) {
        skipped++;
        continue;
      }
      const t0 = now();
      const n = args.offset + made++;
      outstanding++;
      (pay ? pay(n).then((at) => void payStarts.push([n, at])) : accept!(makeEvent(runId, n, args.endpointCount, t0)))
        .then(
          () => {
            times.push(now() - t0);
          },
          () => {
            failed++;
          },
        )
        .finally(() => {
          outstanding--;
        });
    }
    await sleep(1);
  }
  for (let waited = 0; outstanding > 0 && waited < args.settleMs; waited += 10) await sleep(10);
  failed += outstanding; // never settled: counted as failed accepts
  const sorted = Float64Array.from(times).sort();
  return {
    startedAt,
    accepted: times.length,
    failed,
    skipped,
    acceptMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
    ...(pay ? { payStarts } : {}),
  };
}

/** Pays orders as fast as `workers` concurrent payers can for `durationMs` (payments/s at saturation). */
async function saturate({ workers, durationMs, offset }: SaturateArgs): Promise<SaturateResult> {
  const pay = need('pay') as (n: number) => Promise<number>;
  const payStarts: Array<[number, number]> = [];
  let next = offset,
    failed = 0;
  const started = now();
  const worker = async () => {
    while (now() - started < durationMs) {
      const n = next++;
      try {
        payStarts.push([n, await pay(n)]);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return { paid: payStarts.length, failed, seconds: (now() - started) / 1000, payStarts };
}

serveRpc({
  async create({ file, systemId, options }: CreateArgs) {
    const system = await loadSystem(file, systemId);
    runId = options.runId;
    const log = (message: string) => process.stderr.write(`  [${systemId}] ${message}\n`);
    instance = await system.create({ ...options, log });
    return { secrets: instance.secrets ? [...instance.secrets] : null };
  },
  start: () => need('start')(),
  async produce({ count, offset, chunk, endpointCount }: ProduceArgs): Promise<ProduceResult> {
    const acceptMany = need('acceptMany') as (e: readonly BenchEvent[]) => Promise<void>;
    const firstAcceptAt = now();
    for (let done = 0; done < count; done += chunk) {
      const size = Math.min(chunk, count - done);
      const t0 = now();
      const events = new Array<BenchEvent>(size);
      for (let i = 0; i < size; i++) events[i] = makeEvent(runId, offset + done + i, endpointCount, t0);
      await acceptMany(events);
    }
    return { firstAcceptAt, lastAcceptAt: now() };
  },
  steadyStart(args: SteadyArgs) {
    if (steady) throw new Error('a steady producer is already running');
    const control = { stop: false, done: null as unknown as Promise<SteadyResult> };
    control.done = runSteady(args, control);
    steady = control;
    return null;
  },
  async steadyStop({ wait }: { wait: boolean }): Promise<SteadyResult> {
    if (!steady) throw new Error('no steady producer is running');
    if (!wait) steady.stop = true;
    const result = await steady.done;
    steady = null;
    return result;
  },
  saturate: (args: SaturateArgs) => saturate(args),
  claimStats: () => need('claimStats')(),
  async waitRecorded({ count, timeoutMs }: { count: number; timeoutMs: number }) {
    const recorded = need('recorded') as () => Promise<number>;
    const deadline = now() + timeoutMs;
    let n = await recorded();
    while (n < count && now() < deadline) {
      await sleep(50);
      n = await recorded();
    }
    return { recorded: n, at: now() };
  },
  memory: (): MemoryResult => ({ peakRss, samples: rssSamples.splice(0) }),
  resetMemory() {
    peakRss = process.memoryUsage.rss();
    rssSamples.length = 0;
    return peakRss;
  },
  ingestTarget: () => need('ingestTarget')(),
  async close() {
    clearInterval(rssTimer);
    if (steady) {
      steady.stop = true;
      await steady.done;
    }
    await instance?.close();
    instance = null;
    setImmediate(() => process.exit(0));
    return null;
  },
});

// The orchestrator is gone (Ctrl-C, crash): clean up what the system created, then leave. The clean-up
// gets a few seconds, no more: a close that waits for work in progress (a 100,000-event import) kept
// orphaned hosts running for minutes, their appends and claims loading the machine under the next run.
const LEAVE_WITHIN_MS = 5_000;
const leave = () => {
  setTimeout(() => process.exit(1), LEAVE_WITHIN_MS).unref();
  void Promise.resolve()
    .then(() => instance?.close())
    .catch((error) =>
      process.stderr.write(`host: cleaning up after the orchestrator left failed: ${(error as Error).message}\n`),
    )
    .finally(() => process.exit(1));
};
process.on('disconnect', leave);
process.on('SIGTERM', leave);
process.on('SIGINT', () => {
  /* the orchestrator decides */
});
