/**
 * The HTTP worker thread's entry (started by http-thread.ts): one real `HttpClient` (http.ts), with
 * its undici pool, its destination policy and its deadlines, serving the requests the dispatcher's
 * thread posts in batches, and answering in batches (http-thread-protocol.ts).
 *
 * The destination policy is rebuilt here from its allowed ranges, so every check the in-process client
 * makes (IP literals before the request, every resolved address before a socket opens) is made in this
 * thread, before connecting. Host names resolve with the system resolver: an injected `lookup` is a
 * function and cannot cross threads, so a dispatcher given one keeps the in-process client.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DestinationPolicy } from './destinations.js';
import { slowAnswer } from './governor.js';
import { classifyError, HttpClient, type HttpResult } from './http.js';
import {
  type FromWorker,
  type HttpWorkerData,
  REQUEST_FIELDS,
  type RequestFields,
  type ToWorker,
} from './http-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('http-worker runs as a worker thread: http-thread.ts starts it');

const data = workerData as HttpWorkerData;
const client = new HttpClient({
  connectionsPerOrigin: data.connectionsPerOrigin,
  destinations: new DestinationPolicy(data.allowNetworks),
  userAgent: data.userAgent,
  bodyWaitMs: data.bodyWaitMs,
});

const inFlight = new Set<Promise<void>>();
let results: unknown[] = [];
let flushQueued = false;

/** A request handed over but not yet opened: more than `maxInFlight` are open, or its group is full. */
interface Waiting {
  id: number;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  group: string;
  groupLimit: number;
  startBy: number;
}
/** Oldest first. Short: the dispatcher hands over at most `maxInFlight` plus its waiting room. */
const waiting: Waiting[] = [];
/** Requests open, in all and by group (endpoint). */
let open = 0;
const openByGroup = new Map<string, number>();

function flush(): void {
  flushQueued = false;
  if (results.length === 0) return;
  const message: FromWorker = { kind: 'results', results };
  results = [];
  port!.postMessage(message);
}

/** Collects the answers of one event-loop turn into one message. */
function answer(id: number, r: HttpResult): void {
  results.push(
    id,
    r.statusCode,
    r.responseBody,
    r.retryAfter,
    r.errorClass,
    r.errorMessage,
    r.durationMs,
    r.bodyCut,
    r.notSent === true,
  );
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

/**
 * Opens the waiting requests that have room, oldest first, in this turn: the place of a request that
 * just ended is taken here, not after a round trip to the dispatcher's thread (the point of the waiting
 * room, docs/performance.md). One past its `startBy` is answered `notSent`.
 */
function pump(): void {
  if (waiting.length === 0) return;
  const now = Date.now();
  let kept = 0;
  for (let i = 0; i < waiting.length; i++) {
    const w = waiting[i]!;
    if (w.startBy < now) {
      answer(w.id, NOT_SENT);
      continue;
    }
    const inGroup = openByGroup.get(w.group) ?? 0;
    if (open < data.maxInFlight && inGroup < w.groupLimit) {
      openByGroup.set(w.group, inGroup + 1);
      send(w);
    } else waiting[kept++] = w;
  }
  waiting.length = kept;
}

const NOT_SENT: HttpResult = {
  statusCode: null,
  responseBody: null,
  retryAfter: undefined,
  errorClass: null,
  errorMessage: 'not sent: handed back to the dispatcher unopened',
  durationMs: 0,
  bodyCut: false,
  internal: true,
  notSent: true,
};

function send(w: Waiting): void {
  open++;
  // post() answers every failure with a result; the catch is for a bug, which must not leave the
  // dispatcher's attempt waiting.
  const p = client.post(w.url, w.headers, w.body, w.timeoutMs).then(
    (r) => {
      answer(w.id, r);
      if (waiting.length > 0 && !r.internal && slowAnswer(r.errorClass, r.durationMs, r.bodyCut))
        returnWaitingOf(w.group);
    },
    (err: unknown) => {
      const { errorClass, message } = classifyError(err);
      answer(w.id, {
        statusCode: null,
        responseBody: null,
        retryAfter: undefined,
        errorClass,
        errorMessage: message,
        durationMs: 0,
        bodyCut: false,
      });
    },
  );
  inFlight.add(p);
  void p.finally(() => {
    inFlight.delete(p);
    open--;
    const left = (openByGroup.get(w.group) ?? 1) - 1;
    if (left <= 0) openByGroup.delete(w.group);
    else openByGroup.set(w.group, left);
    pump();
  });
}

/**
 * A slow answer (governor.ts `slowAnswer`: none, a cut body, a second or more) puts the endpoint in
 * trouble on the dispatcher's side, where it gets one request at a time and no room here. What it was
 * handed before that is given back unsent rather than opened at once behind the slow one: the
 * dispatcher decides again with what it now knows.
 */
function returnWaitingOf(group: string): void {
  let kept = 0;
  for (let i = 0; i < waiting.length; i++) {
    const w = waiting[i]!;
    if (w.group === group) answer(w.id, NOT_SENT);
    else waiting[kept++] = w;
  }
  waiting.length = kept;
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'post') {
    const r = m.requests;
    for (let i = 0; i < r.length; i += REQUEST_FIELDS) {
      waiting.push({
        id: r[i] as RequestFields[0],
        url: r[i + 1] as RequestFields[1],
        headers: r[i + 2] as RequestFields[2],
        body: r[i + 3] as RequestFields[3],
        timeoutMs: r[i + 4] as RequestFields[4],
        group: r[i + 5] as RequestFields[5],
        groupLimit: r[i + 6] as RequestFields[6],
        startBy: r[i + 7] as RequestFields[7],
      });
    }
    pump();
  } else if (m.kind === 'close') {
    void (async () => {
      // Everything handed over is opened in turn (or answered `notSent`) before the pool closes.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await client.close();
      flush();
      port.postMessage({ kind: 'closed' } satisfies FromWorker);
    })();
  }
});

port.postMessage({ kind: 'ready' } satisfies FromWorker);
