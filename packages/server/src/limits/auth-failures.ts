/**
 * Slowing down key guessing: a client (by remote address) that presented `limit` wrong keys within
 * `windowMs` is refused (`429 too_many_auth_failures`, with `Retry-After`) until that window ends,
 * before payhook looks any key up. The window starts at the client's first failure; successes reset
 * nothing, so a client holding one valid key cannot use it to wipe its failures, and one client's
 * success never touches another's count.
 *
 * A client is an IPv4 address, or an IPv6 /64 (one host usually holds a whole /64, so counting single
 * IPv6 addresses would give it billions of fresh counters). Behind a reverse proxy every request
 * comes from the proxy's address: payhook does not read X-Forwarded-For, which a client can forge,
 * so there the proxy should do this limiting itself (docs/security.md).
 *
 * Memory is bounded by `maxClients`: when full, expired entries go first, then the oldest ones.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface AuthFailureOptions {
  /** Failures within the window after which the client is refused. */
  limit: number;
  windowMs: number;
  /** The most clients tracked at once. */
  maxClients?: number;
}

export class AuthFailures {
  private readonly clients = new Map<string, { count: number; since: number }>();
  private readonly maxClients: number;

  constructor(private readonly o: AuthFailureOptions) {
    this.maxClients = o.maxClients ?? 50_000;
  }

  /** 0 when `address` may try, otherwise the ms until its window ends. */
  blockedFor(address: string, now = Date.now()): number {
    const key = clientKey(address);
    const c = this.clients.get(key);
    if (c === undefined) return 0;
    if (now - c.since >= this.o.windowMs) {
      this.clients.delete(key);
      return 0;
    }
    return c.count >= this.o.limit ? c.since + this.o.windowMs - now : 0;
  }

  /** Counts one wrong key presented by `address`. */
  fail(address: string, now = Date.now()): void {
    const key = clientKey(address);
    let c = this.clients.get(key);
    if (c !== undefined && now - c.since >= this.o.windowMs) {
      this.clients.delete(key);
      c = undefined;
    }
    if (c === undefined) {
      if (this.clients.size >= this.maxClients) this.prune(now);
      c = { count: 0, since: now };
      this.clients.set(key, c);
    }
    c.count++;
  }

  /** How many clients are tracked (for tests of the bound). */
  get size(): number {
    return this.clients.size;
  }

  private prune(now: number): void {
    for (const [key, c] of this.clients) if (now - c.since >= this.o.windowMs) this.clients.delete(key);
    // Insertion order is window-start order: the first entry is the one closest to expiring anyway.
    while (this.clients.size >= this.maxClients) this.clients.delete(this.clients.keys().next().value as string);
  }
}

/** The counter a remote address falls under: IPv4 as it is (IPv4-mapped IPv6 too), IPv6 by its /64. */
export function clientKey(address: string): string {
  if (isIPv4(address)) return address;
  const bare = address.split('%')[0];
  if (!isIPv6(bare)) return address;
  const groups = expandIPv6(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` filled in, a dotted IPv4 tail as two groups). */
function expandIPv6(address: string): number[] {
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const [a, b, c, d] = g.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const gap = address.indexOf('::');
  if (gap < 0) return parse(address);
  const head = parse(address.slice(0, gap));
  const tail = parse(address.slice(gap + 2));
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
