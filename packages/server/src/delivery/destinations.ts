/**
 * Destination policy: which addresses payhook may send a webhook to.
 *
 * payhook makes requests to URLs its merchants type in, so every address that reaches something other
 * than the public internet is refused unless the operator opens it (`PAYHOOK_ALLOW_NETWORKS`). The
 * policy is applied twice: to an IP-literal URL when an endpoint is registered or changed (so the
 * merchant hears about it at once), and to the address actually connected to, after DNS, on every
 * attempt (so a host name that resolves to a refused address is caught, whenever it does).
 *
 * Addresses are checked with `node:net`'s `BlockList`, a real address parser, never by string prefix.
 * IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are refused as whole
 * ranges, except IPv4-mapped addresses, which are judged as the IPv4 address they are (so an allowed
 * `127.0.0.0/8` also allows `::ffff:127.0.0.1`, and a refused one refuses it).
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

export interface RefusedRange {
  readonly cidr: string;
  readonly label: string;
}

/** Every range refused by default, with the reason a refusal names. */
export const REFUSED_RANGES: readonly RefusedRange[] = [
  // IPv4 (IANA special-purpose registry)
  { cidr: '0.0.0.0/8', label: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', label: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', label: 'carrier-grade NAT (RFC 6598)' },
  { cidr: '127.0.0.0/8', label: 'loopback' },
  { cidr: '169.254.0.0/16', label: 'link-local (cloud metadata)' },
  { cidr: '172.16.0.0/12', label: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', label: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', label: 'documentation (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', label: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', label: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', label: 'benchmarking (RFC 2544)' },
  { cidr: '198.51.100.0/24', label: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', label: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', label: 'multicast' },
  { cidr: '240.0.0.0/4', label: 'reserved (includes broadcast)' },
  // IPv6
  { cidr: '::/128', label: 'unspecified' },
  { cidr: '::1/128', label: 'loopback' },
  { cidr: '::/96', label: 'IPv4-compatible (embeds an IPv4 address)' },
  { cidr: '64:ff9b::/96', label: 'NAT64 (embeds an IPv4 address)' },
  { cidr: '64:ff9b:1::/48', label: 'local-use NAT64 (embeds an IPv4 address)' },
  { cidr: '100::/64', label: 'discard-only' },
  { cidr: '2001::/32', label: 'Teredo (embeds an IPv4 address)' },
  { cidr: '2001:2::/48', label: 'benchmarking' },
  { cidr: '2001:db8::/32', label: 'documentation' },
  { cidr: '2001:10::/28', label: 'ORCHID' },
  { cidr: '2001:20::/28', label: 'ORCHIDv2' },
  { cidr: '2002::/16', label: '6to4 (embeds an IPv4 address)' },
  { cidr: 'fc00::/7', label: 'unique local (ULA)' },
  { cidr: 'fe80::/10', label: 'link-local' },
  { cidr: 'fec0::/10', label: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', label: 'multicast' },
];

/** The loopback ranges, which `npm start` (the local quick start) opens. */
export const LOOPBACK_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128'];

export type DestinationVerdict = { allowed: true } | { allowed: false; reason: string };

export class DestinationError extends Error {
  readonly code = 'PAYHOOK_BLOCKED';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationError';
  }
}

interface Subnet {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  label: string;
}

/** Parses `a.b.c.d/n` or `x::y/n` (a bare address means a single host); throws on anything else. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const trimmed = text.trim();
  const slash = trimmed.lastIndexOf('/');
  const address = (slash === -1 ? trimmed : trimmed.slice(0, slash)).replace(/^\[|\]$/g, '');
  const version = isIP(address);
  if (version === 0) throw new Error(`"${text}" is not an IP address or CIDR range`);
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max)
    throw new Error(`"${text}" has a prefix length outside 0-${max}`);
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** `::ffff:a.b.c.d` (in any spelling) as `a.b.c.d`; every other address as it is, lower-cased. */
export function normaliseAddress(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv4(bare) || !bare.includes(':')) return bare;
  const mapped = mappedIPv4(bare);
  return mapped ?? bare;
}

function mappedIPv4(v6: string): string | null {
  const groups = expandIPv6(v6);
  if (!groups) return null;
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return null;
  if (groups[5] !== 0xffff) return null;
  return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
}

/** The eight 16-bit groups of an IPv6 address (with an optional dotted IPv4 tail), or null. */
function expandIPv6(v6: string): number[] | null {
  if (isIP(v6) !== 6) return null;
  let text = v6.split('%')[0];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1].split('.').map(Number);
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array(fill).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/** URLs whose verdict `checkUrl` keeps; past this many it starts again (a bound on memory). */
const MAX_CACHED_URLS = 10_000;

export class DestinationPolicy {
  private readonly refused: Subnet[];
  private readonly refusedList = new BlockList();
  private readonly allowedList = new BlockList();
  readonly allowed: readonly string[];
  /**
   * `checkUrl`'s verdicts by URL. The policy never changes after construction, so a URL's verdict
   * never does: the dispatcher checks every attempt's URL, and an endpoint's URL is the same on each
   * of them (parsing it and asking the block lists cost a few µs an attempt).
   */
  private readonly urlVerdicts = new Map<string, DestinationVerdict>();

  /** `allow`: CIDR ranges (or single addresses) opened on top of the refused ranges. */
  constructor(allow: readonly string[] = []) {
    this.refused = REFUSED_RANGES.map((r) => ({ ...parseCidr(r.cidr), label: r.label }));
    for (const r of this.refused) this.refusedList.addSubnet(r.address, r.prefix, r.family);
    this.allowed = [...allow];
    for (const cidr of allow) {
      const c = parseCidr(cidr);
      this.allowedList.addSubnet(c.address, c.prefix, c.family);
    }
  }

  /** Whether payhook may connect to `address` (an IP address; v4, v6 or IPv4-mapped v6). */
  check(address: string): DestinationVerdict {
    const ip = normaliseAddress(address);
    const family = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : null;
    if (!family) return { allowed: false, reason: `"${address}" is not an IP address` };
    if (this.allowedList.check(ip, family)) return { allowed: true };
    if (!this.refusedList.check(ip, family)) return { allowed: true };
    const range = this.refused.find((r) => r.family === family && this.inSubnet(ip, family, r));
    return {
      allowed: false,
      reason: `${ip} is in a refused range: ${range?.label ?? 'not a public address'} (${range ? `${range.address}/${range.prefix}` : '?'})`,
    };
  }

  /**
   * The registration-time check: an IP-literal URL in a refused range is refused; a host name passes
   * here and is checked on every connection, after DNS. Expects a URL that `new URL` accepts.
   */
  checkUrl(url: string): DestinationVerdict {
    const known = this.urlVerdicts.get(url);
    if (known) return known;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, ''); // throws on a URL it cannot parse: not kept
    const verdict: DestinationVerdict = isIP(host) === 0 ? { allowed: true } : this.check(host);
    if (this.urlVerdicts.size >= MAX_CACHED_URLS) this.urlVerdicts.clear();
    this.urlVerdicts.set(url, verdict);
    return verdict;
  }

  private inSubnet(ip: string, family: 'ipv4' | 'ipv6', subnet: Subnet): boolean {
    const one = new BlockList();
    one.addSubnet(subnet.address, subnet.prefix, subnet.family);
    return one.check(ip, family);
  }
}
