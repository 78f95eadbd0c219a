/** Every knob of a bench run, in one place; the results print them. `--quick` shrinks the counts. */
import { DEFAULT_POSTGRES_URL } from './postgres.js';

export interface Settings {
  quick: boolean;
  /** HTTP requests in flight, the same for every system. */
  concurrency: number;
  /** Per-attempt timeout where nothing hangs, ms. */
  timeoutMs: number;
  retryDelayMs: number;
  postgresUrl: string;
  redis: { host: string; port: number };
  /** Receiver checks the signature of one request in this many (and the first per endpoint). */
  sampleEvery: number;
  throughput: { events: number; endpointCounts: number[]; chunk: number };
  latency: { rate: number; durationMs: number; warmupMs: number };
  isolation: { events: number; endpoints: number; hanging: number; dripping: number; timeoutMs: number };
  /**
   * `events`: the large backlog; `reference`: the size its drain rate is compared with; `warmupMs`: accepts
   * at `ingestRate` before the idle ones, left out of the idle p99.
   */
  backlog: {
    events: number;
    reference: number;
    endpoints: number;
    ingestRate: number;
    idleMs: number;
    warmupMs: number;
  };
  ingest: { connections: number; durationMs: number; warmupMs: number };
  payment: { workers: number; saturateMs: number; rate: number; durationMs: number; warmupMs: number };
  /** Dispatcher processes per run, and the events each run delivers over `endpoints`. */
  scaleOut: { dispatchers: number[]; events: number; endpoints: number };
}

export function makeSettings(
  quick: boolean,
  overrides: { concurrency?: number; events?: number; rate?: number },
): Settings {
  const events = (full: number, small: number) => overrides.events ?? (quick ? small : full);
  return {
    quick,
    concurrency: overrides.concurrency ?? 50,
    timeoutMs: 15_000,
    retryDelayMs: 1000,
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    redis: { host: '127.0.0.1', port: 6379 },
    sampleEvery: 50,
    throughput: { events: events(100_000, 5_000), endpointCounts: [1, 10], chunk: 1000 },
    // Quick runs offer 1,000/s: on a busy 2-core machine the queues fall behind 2,000/s, and a smoke run
    // should finish quickly and still say something about latency rather than about queueing.
    latency: {
      rate: overrides.rate ?? (quick ? 1000 : 2000),
      durationMs: quick ? 5_000 : 30_000,
      warmupMs: quick ? 1_000 : 3_000,
    },
    isolation: {
      events: events(100_000, 5_000),
      endpoints: 50,
      hanging: 10,
      dripping: 10,
      timeoutMs: quick ? 1_000 : 5_000,
    },
    backlog: {
      events: events(2_000_000, 20_000),
      reference: quick ? 5_000 : 100_000,
      endpoints: 1,
      ingestRate: 200,
      idleMs: quick ? 1_000 : 5_000,
      warmupMs: quick ? 500 : 3_000,
    },
    ingest: { connections: 50, durationMs: quick ? 2_000 : 10_000, warmupMs: quick ? 500 : 2_000 },
    payment: {
      workers: 32,
      saturateMs: quick ? 3_000 : 15_000,
      rate: overrides.rate ?? (quick ? 100 : 200),
      durationMs: quick ? 4_000 : 30_000,
      warmupMs: quick ? 1_000 : 3_000,
    },
    scaleOut: { dispatchers: [1, 2, 4], events: events(100_000, 5_000), endpoints: 10 },
  };
}
