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

function flush(): void {
  flushQueued = false;
  if (results.length === 0) return;
  const message: FromWorker = { kind: 'results', results };
  results = [];
  port!.postMessage(message);
}

/** Collects the answers of one event-loop turn into one message. */
function answer(id: number, r: HttpResult): void {
  results.push(id, r.statusCode, r.responseBody, r.retryAfter, r.errorClass, r.errorMessage, r.durationMs, r.bodyCut);
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

function send(id: number, url: string, headers: Record<string, string>, body: string, timeoutMs: number): void {
  // post() answers every failure with a result; the catch is for a bug, which must not leave the
  // dispatcher's attempt waiting.
  const p = client.post(url, headers, body, timeoutMs).then(
    (r) => answer(id, r),
    (err: unknown) => {
      const { errorClass, message } = classifyError(err);
      answer(id, {
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
  void p.finally(() => inFlight.delete(p));
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'post') {
    const r = m.requests;
    for (let i = 0; i < r.length; i += REQUEST_FIELDS) {
      send(
        r[i] as RequestFields[0],
        r[i + 1] as RequestFields[1],
        r[i + 2] as RequestFields[2],
        r[i + 3] as RequestFields[3],
        r[i + 4] as RequestFields[4],
      );
    }
  } else if (m.kind === 'close') {
    void (async () => {
      await Promise.allSettled([...inFlight]);
      await client.close();
      flush();
      port.postMessage({ kind: 'closed' } satisfies FromWorker);
    })();
  }
});

port.postMessage({ kind: 'ready' } satisfies FromWorker);
