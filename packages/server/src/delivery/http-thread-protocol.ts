/**
 * The messages between the dispatcher's thread (http-thread.ts) and the HTTP worker (http-worker.ts).
 *
 * Requests and results cross in batches, as flat arrays of primitives (plus each request's header
 * object): one `postMessage` carries every request of one event-loop turn, and one carries every answer
 * the worker got in one of its turns. A flat array is the cheapest thing to structured-clone, and one
 * message per turn instead of one per request keeps the per-delivery cost of crossing threads to a few
 * array slots (docs/performance.md, "The HTTP client in a worker thread").
 */
import type { ErrorClass } from '../store/types.js';

/** What the worker's `HttpClient` is made from: plain data (a `DestinationPolicy` is rebuilt from its ranges). */
export interface HttpWorkerData {
  connectionsPerOrigin: number;
  /** `DestinationPolicy.allowed`: the ranges opened on top of the refused ones. */
  allowNetworks: string[];
  userAgent: string;
  /** `HttpClientOptions.bodyWaitMs`; http.ts's default when absent. */
  bodyWaitMs?: number;
  /** The most requests the worker has open at once; what it is handed beyond that waits its turn. */
  maxInFlight: number;
}

/**
 * `id, url, headers, body, timeoutMs, group, groupLimit, startBy` per request: `group` (the endpoint)
 * has at most `groupLimit` requests open at once, and a request not started by `startBy` (epoch ms) is
 * answered `notSent` (SendTurn in http.ts).
 */
export const REQUEST_FIELDS = 8;
export type RequestFields = [number, string, Record<string, string>, string, number, string, number, number];

/**
 * `id, statusCode, responseBody, retryAfter, errorClass, errorMessage, durationMs, bodyCut, notSent`
 * per result.
 */
export const RESULT_FIELDS = 9;
export type ResultFields = [
  number,
  number | null,
  string | null,
  string | undefined,
  ErrorClass | null,
  string | null,
  number,
  boolean,
  boolean,
];

export type ToWorker =
  /** `requests`: REQUEST_FIELDS values per request, one after the other. */
  | { kind: 'post'; requests: unknown[] }
  /** Finish what is in flight, close the connections, answer `closed`. */
  | { kind: 'close' };

export type FromWorker =
  /** `results`: RESULT_FIELDS values per answered request. */
  | { kind: 'results'; results: unknown[] }
  | { kind: 'closed' }
  /** Loaded, its client made: sent once, first. */
  | { kind: 'ready' };
