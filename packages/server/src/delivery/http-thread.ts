/**
 * The dispatcher's HTTP client in a worker thread: `ThreadedHttpClient` has the `HttpSender` interface
 * of the in-process `HttpClient` (http.ts) and runs one of those in a `node:worker_threads` Worker
 * (http-worker.ts), so undici's request objects, socket writes, response parsing and their garbage
 * (~45 % of the dispatcher's thread in the profile of docs/performance.md) run beside the API, the
 * group commits and the SQLite statements instead of between them.
 *
 * Requests cross in batches: every `post` of one event-loop turn is sent in one message at the end of
 * the turn (`setImmediate`), and the worker answers in batches the same way (http-thread-protocol.ts).
 * A batch of answers is taken ANSWER_CHUNK at a time, the rest a turn later: each answer runs its
 * attempt's end on this thread (classify, the result, the next send's rendering and signing), and a
 * burst of them in one task held the API's requests behind it (see ANSWER_CHUNK).
 *
 * The worker opens at most `maxInFlight` requests and holds up to `waitingRoom` more, waiting, each
 * with its endpoint's limit and a time it must start by (`SendTurn`): when a request ends, the worker
 * opens the next one in the same turn. Without that room, a finished request's place stayed empty for
 * two crossings and a turn of the dispatcher's thread (which may be inside a SQLite transaction), and
 * throughput was bound by that turnaround, not by either thread's CPU (docs/performance.md, "The
 * waiting room").
 * Rendering and signing stay on the dispatcher's thread: the signing keys are cached there, and HMAC
 * is ~2 % of the profile, not worth sending keys across.
 *
 * Lifecycle, as a small state machine:
 *
 *   OPEN ── close() ──► CLOSED (the worker finishes what is in flight, closes its pool, is terminated)
 *     └──── destroy() ─► CLOSED (the worker is terminated now: its sockets drop with it; every post in
 *                                 flight ends at once as a failure)
 *
 * and, while OPEN, the worker itself: none until `warm()` (the dispatcher's start) or the first post,
 * one from then on. If it stops unexpectedly (a crash, an out-of-memory, a terminate), every
 * request it held ends as an `unknown` failure marked `internal` (retried on the delivery's schedule,
 * never counted against the endpoint by the governor or the circuit breaker: the endpoint may well have
 * answered), and the next post starts a new worker. Nothing waits on a dead thread and nothing is lost:
 * a request that reached the endpoint before the crash is simply sent again, as after a process crash.
 *
 * Which client a dispatcher uses: `createHttpSender` below.
 */
import { Worker } from 'node:worker_threads';
import type { DestinationPolicy } from './destinations.js';
import { HttpClient, type HttpResult, type HttpSender, type LookupAll, type SendTurn } from './http.js';
import {
  type FromWorker,
  type HttpWorkerData,
  REQUEST_FIELDS,
  RESULT_FIELDS,
  type ResultFields,
  type ToWorker,
} from './http-thread-protocol.js';

/**
 * Answers taken in one turn of the event loop; the rest of a batch follows with `setImmediate`, so the
 * API's requests (read in the loop's poll phase) get a turn between chunks. In the backlog benchmark's
 * drain (100,000 deliveries, SQLite) the worker's answers came in bursts whose attempts' ends ran up to
 * 13 ms in one task, and a single accept waited behind several: accept p99 during the drain 25.8–33.9 ms
 * taking whole batches, 17.7–29.3 ms taking 16 at a time (six alternated pairs), the drain's rate and
 * the throughput within their spread
 * (docs/performance.md, "Answers taken in chunks").
 */
export const ANSWER_CHUNK = 16;

/**
 * Calls `take(first, end)` for items `[0, count)` at most `chunk` at a time: the first chunk now, each
 * next one a turn of the event loop later (`setImmediate`).
 */
export function inChunks(count: number, chunk: number, take: (first: number, end: number) => void, first = 0): void {
  const end = Math.min(count, first + chunk);
  if (end < count) setImmediate(() => inChunks(count, chunk, take, end));
  take(first, end);
}

export interface ThreadedHttpClientOptions {
  connectionsPerOrigin: number;
  /** The most requests the worker opens at once (the dispatcher's `maxInFlight`); `connectionsPerOrigin` when absent. */
  maxInFlight?: number;
  /**
   * How many requests beyond `maxInFlight` the worker takes and holds waiting (`HttpSender.waitingRoom`);
   * `maxInFlight` when absent: about as many requests are on their way between the threads at any time
   * (handed over, or answered and not yet seen by the dispatcher), and half that left endpoints beside
   * hanging ones short of requests (docs/performance.md, "The waiting room").
   */
  waitingRoom?: number;
  /** Sent to the worker as its allowed ranges; the worker enforces it before every connection. */
  destinations: DestinationPolicy;
  userAgent: string;
  /** How long a body may take after its headers (http.ts `BODY_WAIT_MS` when absent). */
  bodyWaitMs?: number;
  /** Told when the worker thread stops unexpectedly (the dispatcher logs it). */
  onWorkerError?(err: Error): void;
}

interface Waiting {
  resolve(r: HttpResult): void;
  startedAt: number;
}

/** One worker thread and the requests it holds. */
interface Thread {
  worker: Worker;
  inFlight: Map<number, Waiting>;
  /** Set when payhook itself ends the thread (close, destroy): its exit is not a crash. */
  ending: boolean;
  error: Error | null;
  /** Resolves close() when the worker answers `closed` (or dies first). */
  closed: (() => void) | null;
  /** Resolves when the worker has loaded (or died first). */
  ready: Promise<void>;
  markReady(): void;
}

export class ThreadedHttpClient implements HttpSender {
  private state: 'OPEN' | 'CLOSED' = 'OPEN';
  private current: Thread | null = null;
  private nextId = 1;
  /** The requests of this turn, not yet sent: REQUEST_FIELDS values each, and their callers. */
  private queued: unknown[] = [];
  private queuedWaiting: Waiting[] = [];
  private flushQueued = false;
  private readonly data: HttpWorkerData;
  readonly waitingRoom: number;

  constructor(private readonly o: ThreadedHttpClientOptions) {
    const maxInFlight = o.maxInFlight ?? o.connectionsPerOrigin;
    this.waitingRoom = o.waitingRoom ?? maxInFlight;
    this.data = {
      connectionsPerOrigin: o.connectionsPerOrigin,
      maxInFlight,
      allowNetworks: [...o.destinations.allowed],
      userAgent: o.userAgent,
      ...(o.bodyWaitMs === undefined ? {} : { bodyWaitMs: o.bodyWaitMs }),
    };
  }

  /** The worker thread now serving requests, if one is running (tests end it to play a crash). */
  get worker(): Worker | null {
    return this.current?.worker ?? null;
  }

  /**
   * Starts the worker now rather than at the first request (the dispatcher's start): a worker takes
   * ~0.3 s of CPU to load undici and open (~0.5 s from the sources, through tsx), which a process's
   * first webhook should not wait for. Resolves once it has loaded, or died trying; never rejects.
   */
  warm(): Promise<void> {
    if (this.state !== 'OPEN') return Promise.resolve();
    try {
      const t = this.current ?? this.start();
      // Waited for, so it keeps the process alive until it answers (an idle worker is unref'd; a
      // process whose only pending work is this wait would otherwise end with the promise unsettled).
      t.worker.ref();
      return t.ready.then(() => {
        if (this.current === t && t.inFlight.size === 0) t.worker.unref();
      });
    } catch (err) {
      this.o.onWorkerError?.(err as Error);
      return Promise.resolve();
    }
  }

  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
    turn?: SendTurn,
  ): Promise<HttpResult> {
    if (this.state !== 'OPEN') return Promise.resolve(internalFailure('the HTTP client is closed', 0));
    return new Promise((resolve) => {
      this.queued.push(
        this.nextId++,
        url,
        headers,
        body,
        timeoutMs,
        turn?.group ?? '',
        turn?.groupLimit ?? Number.MAX_SAFE_INTEGER,
        turn?.startBy ?? Number.MAX_SAFE_INTEGER,
      );
      this.queuedWaiting.push({ resolve, startedAt: performance.now() });
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Sends this turn's requests to the worker in one message, starting a worker if none runs. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.queuedWaiting.length === 0) return;
    const requests = this.queued;
    const waiting = this.queuedWaiting;
    this.queued = [];
    this.queuedWaiting = [];
    let t: Thread;
    try {
      t = this.current ?? this.start();
    } catch (err) {
      // No worker could be made (the entry cannot be found or loaded): these attempts fail and are
      // retried, as after a crash; the next turn tries again.
      const now = performance.now();
      for (const w of waiting)
        w.resolve(internalFailure('the HTTP worker thread could not start', Math.round(now - w.startedAt)));
      this.o.onWorkerError?.(err as Error);
      return;
    }
    // Held requests keep the process alive, as the in-process client's sockets do; an idle worker
    // does not.
    if (t.inFlight.size === 0) t.worker.ref();
    for (let i = 0; i < waiting.length; i++) t.inFlight.set(requests[i * REQUEST_FIELDS] as number, waiting[i]);
    t.worker.postMessage({ kind: 'post', requests } satisfies ToWorker);
  };

  private start(): Thread {
    const worker = startWorker(this.data);
    worker.unref();
    let markReady!: () => void;
    const ready = new Promise<void>((r) => {
      markReady = r;
    });
    const t: Thread = { worker, inFlight: new Map(), ending: false, error: null, closed: null, ready, markReady };
    this.current = t;
    worker.on('message', (m: FromWorker) => {
      if (m.kind === 'results') this.answer(t, m.results);
      else if (m.kind === 'ready') t.markReady();
      else t.closed?.();
    });
    worker.on('error', (err) => {
      t.error = err;
    });
    worker.on('exit', (code) => {
      if (this.current === t) this.current = null;
      const why = t.ending ? 'the HTTP client was shut down' : 'the HTTP worker thread stopped';
      this.fail(t, `${why} with the request in flight; it will be made again`);
      t.closed?.();
      t.markReady();
      if (!t.ending) this.o.onWorkerError?.(t.error ?? new Error(`the HTTP worker thread exited with code ${code}`));
    });
    return t;
  }

  private answer(t: Thread, results: unknown[]): void {
    // A request failed meanwhile (the worker died: `fail`) has left `inFlight`, and its answer is skipped.
    inChunks(results.length / RESULT_FIELDS, ANSWER_CHUNK, (first, end) => this.take(t, results, first, end));
  }

  private take(t: Thread, results: unknown[], first: number, end: number): void {
    for (let i = first * RESULT_FIELDS; i < end * RESULT_FIELDS; i += RESULT_FIELDS) {
      const id = results[i] as ResultFields[0];
      const waiting = t.inFlight.get(id);
      if (!waiting) continue;
      t.inFlight.delete(id);
      waiting.resolve({
        statusCode: results[i + 1] as ResultFields[1],
        responseBody: results[i + 2] as ResultFields[2],
        retryAfter: results[i + 3] as ResultFields[3],
        errorClass: results[i + 4] as ResultFields[4],
        errorMessage: results[i + 5] as ResultFields[5],
        durationMs: results[i + 6] as ResultFields[6],
        bodyCut: results[i + 7] as ResultFields[7],
        ...((results[i + 8] as ResultFields[8]) ? { internal: true as const, notSent: true as const } : {}),
      });
    }
    if (t.inFlight.size === 0) t.worker.unref();
  }

  /** Ends every request a thread holds as an internal failure. */
  private fail(t: Thread, message: string): void {
    const now = performance.now();
    for (const w of t.inFlight.values()) w.resolve(internalFailure(message, Math.round(now - w.startedAt)));
    t.inFlight.clear();
  }

  async close(): Promise<void> {
    if (this.state === 'CLOSED') return;
    // Anything posted this turn still goes: close() promises to wait for it.
    this.flush();
    this.state = 'CLOSED';
    const t = this.current;
    if (!t) return;
    t.ending = true;
    await new Promise<void>((resolve) => {
      t.closed = resolve;
      // Referenced while its `closed` is awaited, as in warm(): an idle worker is unref'd, and a
      // process with nothing else to do would end before the answer came (seen in a test's `after`).
      t.worker.ref();
      t.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    });
    this.current = null;
    await t.worker.terminate();
  }

  async destroy(): Promise<void> {
    this.state = 'CLOSED';
    const now = performance.now();
    for (const w of this.queuedWaiting)
      w.resolve(internalFailure('the HTTP client was shut down', Math.round(now - w.startedAt)));
    this.queued = [];
    this.queuedWaiting = [];
    const t = this.current;
    if (!t) return;
    this.current = null;
    t.ending = true;
    // Terminating the thread closes its sockets with it; the exit handler ends what it held.
    this.fail(t, 'the HTTP client was shut down with the request in flight; it will be made again');
    await t.worker.terminate();
  }
}

function internalFailure(message: string, durationMs: number): HttpResult {
  return {
    statusCode: null,
    responseBody: null,
    retryAfter: undefined,
    errorClass: 'unknown',
    errorMessage: message,
    durationMs,
    bodyCut: false,
    internal: true,
  };
}

/**
 * Built, this file is `dist/delivery/http-thread.js` beside `http-worker.js`. From the sources (tests,
 * the bench, `PAYHOOK_FROM_SOURCE`), it is a `.ts` file run through tsx, and on Node 20 a worker does not
 * inherit tsx's loader from `--import tsx` in `execArgv` (the worker fails on the `.ts` extension), so
 * the worker starts with a line that registers tsx's loader and then imports the `.ts` entry. The
 * `development` condition does carry over in `execArgv`.
 */
function startWorker(workerData: HttpWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./http-worker.js', here), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./http-worker.ts', here).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData },
  );
}

export interface HttpSenderOptions extends ThreadedHttpClientOptions {
  /** PAYHOOK_HTTP_THREAD: the client in a worker thread. */
  thread: boolean;
  /** An injected resolver (tests): a function cannot cross threads, so it keeps the in-process client. */
  lookup?: LookupAll;
}

/**
 * The dispatcher's client: threaded when asked, unless a `lookup` is injected (tests that must not
 * touch DNS give one; the threaded client resolves with the system resolver in its worker).
 */
export function createHttpSender(o: HttpSenderOptions): HttpSender {
  if (o.thread && !o.lookup) return new ThreadedHttpClient(o);
  return new HttpClient({
    connectionsPerOrigin: o.connectionsPerOrigin,
    destinations: o.destinations,
    userAgent: o.userAgent,
    lookup: o.lookup,
    bodyWaitMs: o.bodyWaitMs,
  });
}
