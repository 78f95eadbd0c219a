/**
 * Configuration: every setting has a default, an environment variable `PAYHOOK_*`, and (for `serve`) a
 * CLI flag that wins over the environment. Invalid values fail at start with a message naming the
 * variable, never later at request time.
 */

export type Role = 'api' | 'dispatcher' | 'all';

export interface Config {
  host: string;
  port: number;
  /** SQLite file path; used when `databaseUrl` is not set. */
  dbPath: string;
  /** `postgres://…` selects PostgreSQL. */
  databaseUrl: string | null;
  /** PostgreSQL schema holding payhook's tables. */
  databaseSchema: string;
  /** PostgreSQL connections per process. */
  databasePoolSize: number;
  /** A session (not transaction-pooled) connection for LISTEN, when `databaseUrl` goes through pgbouncer. */
  databaseListenUrl: string | null;
  /** Named prepared statements on PostgreSQL (off behind pgbouncer < 1.21 in transaction mode). */
  databasePreparedStatements: boolean;
  /** Fixed admin key; when null, one is generated on first start and printed once. */
  adminKey: string | null;
  role: Role;
  /** Delays before retries 1..n, in ms. Its length is the number of retries after the first try. */
  retrySchedule: number[];
  /** ±fraction of jitter applied to each delay. */
  retryJitter: number;
  /** Default per-attempt timeout, ms (1,000–30,000). */
  timeoutMs: number;
  maxInFlight: number;
  maxInFlightPerEndpoint: number;
  /** How long a claim is held before another dispatcher may take it (must exceed the timeout). */
  leaseMs: number;
  /** How often an idle dispatcher looks for due work it was not woken for (retries, other processes). */
  pollIntervalMs: number;
  claimBatch: number;
  /** How long a rotated-out secret keeps signing. */
  secretOverlapMs: number;
  bodyLimitBytes: number;
  retentionDays: number;
  /** Deadline for SIGTERM: in-flight requests get this long, then their claims are released. */
  shutdownTimeoutMs: number;
  logLevel: string;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  // ── Destinations (SSRF) ── CIDR ranges opened on top of the refused ones (delivery/destinations.ts):
  // PAYHOOK_ALLOW_NETWORKS, comma-separated; empty by default, so only public addresses are allowed.
  allowNetworks: string[];
  /** How long an API key lookup is cached (0: none); a key revoked through another API process works this long at most. */
  authCacheTtlMs: number;
  /** Failed authentications from one address within `authFailureWindowMs` after which it gets 429 until the window ends. */
  authFailureLimit: number;
  authFailureWindowMs: number;
  /** Live (not deleted) endpoints one merchant may have. */
  maxEndpointsPerMerchant: number;
  /** Events a second one API key may send, per API process (a token bucket refilling at this rate)… */
  eventRatePerKey: number;
  /** …holding at most this many. */
  eventBurstPerKey: number;
  // Secrets at rest (secrets/master-key.ts) ----------------------------------------------------------
  /** PAYHOOK_MASTER_KEY: base64 of 32 bytes; null on SQLite means the key file `<db>.key`. Required on PostgreSQL. */
  masterKey: string | null;
  /** PAYHOOK_MASTER_KEY_PREVIOUS: comma-separated older keys that still open rows during a rotation. */
  masterKeyPrevious: string[];
}

/** The default retry schedule: about three days in all. */
export const DEFAULT_RETRY_SCHEDULE = ['5s', '5m', '30m', '2h', '5h', '10h', '14h', '20h', '24h'];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `5s`, `30m`, `2h`, `1d`, or a bare number of milliseconds. */
export function parseDuration(text: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new ConfigError(`${name}: "${text}" is not a duration (examples: 250ms, 5s, 30m, 2h)`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  return n;
}

function duration(env: NodeJS.ProcessEnv, name: string, fallback: string, min: number, max: number): number {
  const v = parseDuration(env[name] || fallback, name);
  if (v < min || v > max) throw new ConfigError(`${name} must be from ${min}ms to ${max}ms; got "${env[name]}"`);
  return v;
}

// ── Destinations (SSRF) and the attempt deadline ──────────────────────────────────────────────────
// (The import sits here, not at the top, to keep this section one block.)
import { parseCidr } from './delivery/destinations.js';
// The destination policy is on by default; PAYHOOK_ALLOW_NETWORKS opens ranges on top of it. The old
// opt-in switch is refused rather than ignored, so nobody believes it still does something.
function allowNetworks(env: NodeJS.ProcessEnv): string[] {
  if (env.PAYHOOK_BLOCK_PRIVATE_NETWORKS !== undefined) {
    throw new ConfigError(
      'PAYHOOK_BLOCK_PRIVATE_NETWORKS was replaced: private, loopback and other non-public destinations are now refused by default; open ranges with PAYHOOK_ALLOW_NETWORKS (comma-separated CIDRs) and remove PAYHOOK_BLOCK_PRIVATE_NETWORKS',
    );
  }
  const list = (env.PAYHOOK_ALLOW_NETWORKS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const cidr of list) {
    try {
      parseCidr(cidr);
    } catch (err) {
      throw new ConfigError(`PAYHOOK_ALLOW_NETWORKS: ${(err as Error).message}`);
    }
  }
  return list;
}
/** The longest attempt any endpoint may ask for (`timeout_ms` up to 30 s) and the margin a lease keeps past it. */
export const MAX_ATTEMPT_MS = 30_000;
export const LEASE_MARGIN_MS = 5_000;
/** A claim's lease must outlast the longest attempt, else a slow attempt's delivery is claimed and sent again. */
function checkLease(leaseMs: number): void {
  if (leaseMs < MAX_ATTEMPT_MS + LEASE_MARGIN_MS) {
    throw new ConfigError(
      `PAYHOOK_LEASE must be at least ${(MAX_ATTEMPT_MS + LEASE_MARGIN_MS) / 1000}s: the longest attempt (an endpoint's timeout_ms, up to ${MAX_ATTEMPT_MS / 1000}s) plus a ${LEASE_MARGIN_MS / 1000}s margin, so no delivery is sent twice while an attempt is still running`,
    );
  }
}
// ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Reads the configuration from the environment, with `overrides` (CLI flags) on top. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const role = (env.PAYHOOK_ROLE || 'all') as Role;
  if (!['api', 'dispatcher', 'all'].includes(role))
    throw new ConfigError(`PAYHOOK_ROLE must be api, dispatcher or all; got "${role}"`);
  const schedule = (env.PAYHOOK_RETRY_SCHEDULE ? env.PAYHOOK_RETRY_SCHEDULE.split(',') : DEFAULT_RETRY_SCHEDULE)
    .filter((s) => s.trim() !== '')
    .map((s) => parseDuration(s, 'PAYHOOK_RETRY_SCHEDULE'));
  const jitter = env.PAYHOOK_RETRY_JITTER === undefined ? 0.2 : Number(env.PAYHOOK_RETRY_JITTER);
  if (!(jitter >= 0 && jitter < 1)) throw new ConfigError('PAYHOOK_RETRY_JITTER must be from 0 to below 1');
  const sync = (env.PAYHOOK_SQLITE_SYNCHRONOUS || 'NORMAL').toUpperCase();
  if (sync !== 'NORMAL' && sync !== 'FULL') throw new ConfigError('PAYHOOK_SQLITE_SYNCHRONOUS must be NORMAL or FULL');
  const timeoutMs = duration(env, 'PAYHOOK_TIMEOUT', '15s', 1000, 30_000);
  const config: Config = {
    host: env.PAYHOOK_HOST || '127.0.0.1',
    port: int(env, 'PAYHOOK_PORT', 8080, 0, 65535),
    dbPath: env.PAYHOOK_DB || './data/payhook.db',
    databaseUrl: env.PAYHOOK_DATABASE_URL || null,
    databaseSchema: env.PAYHOOK_DATABASE_SCHEMA || 'payhook',
    databasePoolSize: int(env, 'PAYHOOK_DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseListenUrl: env.PAYHOOK_DATABASE_LISTEN_URL || null,
    databasePreparedStatements: env.PAYHOOK_DATABASE_PREPARED_STATEMENTS !== 'false',
    adminKey: env.PAYHOOK_ADMIN_KEY || null,
    role,
    retrySchedule: schedule,
    retryJitter: jitter,
    timeoutMs,
    maxInFlight: int(env, 'PAYHOOK_MAX_IN_FLIGHT', 512, 1, 100_000),
    maxInFlightPerEndpoint: int(env, 'PAYHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', 32, 1, 10_000),
    leaseMs: duration(env, 'PAYHOOK_LEASE', '60s', 1000, 86_400_000),
    pollIntervalMs: duration(env, 'PAYHOOK_POLL_INTERVAL', '1s', 10, 3_600_000),
    claimBatch: int(env, 'PAYHOOK_CLAIM_BATCH', 500, 1, 10_000),
    secretOverlapMs: duration(env, 'PAYHOOK_SECRET_OVERLAP', '24h', 0, 30 * 86_400_000),
    bodyLimitBytes: int(env, 'PAYHOOK_BODY_LIMIT', 256 * 1024, 1024, 64 * 1024 * 1024),
    retentionDays: int(env, 'PAYHOOK_RETENTION_DAYS', 30, 1, 3650),
    shutdownTimeoutMs: duration(env, 'PAYHOOK_SHUTDOWN_TIMEOUT', '10s', 0, 600_000),
    logLevel: env.PAYHOOK_LOG_LEVEL || 'info',
    sqliteSynchronous: sync,
    allowNetworks: allowNetworks(env),
    authCacheTtlMs: duration(env, 'PAYHOOK_AUTH_CACHE_TTL', '10s', 0, 600_000),
    authFailureLimit: int(env, 'PAYHOOK_AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
    authFailureWindowMs: duration(env, 'PAYHOOK_AUTH_FAILURE_WINDOW', '1m', 1000, 3_600_000),
    maxEndpointsPerMerchant: int(env, 'PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT', 100, 1, 100_000),
    // Generous: payhook's own ingest benchmark sends ~6,000 events a second through one key.
    eventRatePerKey: int(env, 'PAYHOOK_EVENT_RATE_PER_KEY', 10_000, 1, 10_000_000),
    eventBurstPerKey: int(env, 'PAYHOOK_EVENT_BURST_PER_KEY', 20_000, 1, 10_000_000),
    // Secrets at rest: checked (base64, 32 bytes) when the keyring is made, see secrets/master-key.ts.
    masterKey: env.PAYHOOK_MASTER_KEY?.trim() || null,
    masterKeyPrevious: (env.PAYHOOK_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== ''),
    ...overrides,
  };
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(config.databaseSchema))
    throw new ConfigError(
      'PAYHOOK_DATABASE_SCHEMA must be 1-48 lower-case letters, digits and _, not starting with a digit',
    );
  checkLease(config.leaseMs);
  return config;
}
