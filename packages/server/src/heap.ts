/**
 * How far the V8 heaps of a payhook process grow past what their last full collection kept alive
 * (`PAYHOOK_HEAP_GROWTH`, `payhook serve` applies it at start). Left to itself, V8 lets an isolate's old
 * generation grow to a multiple of the live heap before it collects again, the multiple larger the
 * cheaper its collections look: under a delivery backlog the main thread's heap grew from 67 to 135 MB
 * with 30–44 MB alive, and the HTTP worker's and the checkpointer's isolates did the same
 * (docs/performance.md, "The peak RSS is the V8 heaps, not the backlog"). A fixed growth factor bounds
 * that: at 50 %, a full collection runs once the old generation is half again what survived the last.
 *
 * It is a process-wide V8 flag, so it belongs to whoever owns the process: `payhook serve` sets it; an
 * application that embeds payhook (`createPayhook`) keeps its own heap policy unless it calls this.
 * Measured (docs/performance.md, "The heaps' growth"): peak RSS of the backlog scenario 326–332 MB →
 * 271–272 MB at 100,000 queued, with the drain and throughput rates within their run-to-run spread.
 */
import { setFlagsFromString } from 'node:v8';

/** Sets the growth of every V8 heap of this process, its worker threads' included; 0 leaves V8's own rule. */
export function limitHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0)
    throw new RangeError(`heap growth must be a whole percentage; got ${percent}`);
  // Read by V8 each time it sets the next collection's limit, so it applies to heaps already made; 0 is
  // the flag's own default (V8's rule).
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
