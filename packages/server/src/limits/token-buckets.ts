/**
 * Token buckets, one a key: each holds up to `burst` tokens and refills at `ratePerSecond`; a request
 * takes one. The events route uses one per API key (PAYHOOK_EVENT_RATE_PER_KEY, _BURST_PER_KEY).
 *
 * The buckets live in this process's memory, so the limit is per process: N API processes on one
 * PostgreSQL let a key through at up to N times the rate. A shared counter would cost a database round
 * trip per event, which is the whole budget of the ingest path; the limit is there to stop a runaway
 * client from starving the others, and per process it does.
 *
 * Memory is bounded: a full bucket is the same as none, so full ones are dropped when the map reaches
 * `maxKeys`, and if every bucket is in use the oldest goes (that key starts again with a full burst).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1))
      throw new Error('a token bucket needs a positive rate and a burst of at least 1');
  }

  /** Takes a token for `key`: 0 when it got one, otherwise the ms until one will be there. */
  take(key: string, now = Date.now()): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = this.level(b, now);
      b.at = Math.max(b.at, now);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.ratePerSecond);
  }

  /** How many keys are tracked (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  private level(b: { tokens: number; at: number }, now: number): number {
    return Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) * this.ratePerSecond) / 1000);
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) if (this.level(b, now) >= this.burst) this.buckets.delete(key);
    while (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
