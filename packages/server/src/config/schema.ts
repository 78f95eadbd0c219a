/**
 * Every core setting of payhook, in one table: its section, its `PAYHOOK_*` variable, its default, its
 * bounds and what it does. `Config` is derived from this table, docs/configuration.md is rendered from
 * it (config/doc.ts, checked by a test), and nothing else defines a setting.
 */
import { parseCidr } from '../delivery/destinations.js';
import { type ConfigOf, define, type OverridesOf, type Retired } from './settings.js';

/** The default retry schedule: about three days in all. */
export const DEFAULT_RETRY_SCHEDULE = ['5s', '5m', '30m', '2h', '5h', '10h', '14h', '20h', '24h'];

/** The longest attempt any endpoint may ask for (`timeout_ms` up to 30 s) and the margin a lease keeps past it. */
export const MAX_ATTEMPT_MS = 30_000;
export const LEASE_MARGIN_MS = 5_000;

export const ROLES = ['api', 'dispatcher', 'all'] as const;
export type Role = (typeof ROLES)[number];

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export const CONFIG_SCHEMA = {
  server: {
    host: define.string('PAYHOOK_HOST', '127.0.0.1', 'Address the API listens on.'),
    port: define.int('PAYHOOK_PORT', 8080, 0, 65535, 'API port; 0 picks a free one.'),
    metricsPort: define.optionalInt(
      'PAYHOOK_METRICS_PORT',
      0,
      65535,
      'Also serve GET /metrics (admin key), /healthz and /readyz on this port, alone: the only HTTP a --role dispatcher process serves (docs/operations.md). Unset: none; 0 picks a free one.',
    ),
    role: define.oneOf(
      'PAYHOOK_ROLE',
      ROLES,
      'all',
      'What this process runs: the API, the dispatcher, or both (PostgreSQL runs many of each).',
    ),
    adminKey: define.optionalString(
      'PAYHOOK_ADMIN_KEY',
      'Fixed admin key; when unset, one is generated on first start and printed once.',
      'an API key',
    ),
    bodyLimitBytes: define.int(
      'PAYHOOK_BODY_LIMIT',
      256 * 1024,
      1024,
      64 * 1024 * 1024,
      'Largest request body, bytes.',
    ),
    shutdownTimeoutMs: define.duration(
      'PAYHOOK_SHUTDOWN_TIMEOUT',
      '10s',
      0,
      600_000,
      'On SIGTERM, in-flight attempts get this long; then their claims are released.',
    ),
    // heap.ts: the backlog scenario's peak RSS 326–332 MB with V8's rule, 271–272 MB at 50 %.
    heapGrowthPercent: define.int(
      'PAYHOOK_HEAP_GROWTH',
      50,
      0,
      400,
      "How far `payhook serve`'s V8 heaps (every thread's) grow past what their last full garbage collection kept before the next one, in percent. 0: V8's own rule, which lets a heap grow to several times what is alive.",
    ),
    logLevel: define.oneOf(
      'PAYHOOK_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
      'Log level (JSON logs on stdout).',
    ),
  },
  store: {
    dbPath: define.string('PAYHOOK_DB', './data/payhook.db', 'SQLite file; used when PAYHOOK_DATABASE_URL is not set.'),
    databaseUrl: define.optionalString(
      'PAYHOOK_DATABASE_URL',
      '`postgres://…` selects PostgreSQL instead of the embedded SQLite file.',
      'a postgres:// URL',
    ),
    sqliteSynchronous: define.oneOf(
      'PAYHOOK_SQLITE_SYNCHRONOUS',
      ['NORMAL', 'FULL'] as const,
      'NORMAL',
      'SQLite `synchronous` (WAL): NORMAL survives a crash of payhook; FULL also a power cut.',
      (t) => t.toUpperCase(),
    ),
    // On by default: one event a commit, a commit cost 110–150 µs on average and 0.4–0.7 ms at p99 with
    // the checkpoints in a thread, against 175–230 µs and 6.5–8.9 ms inside the commits (store/sqlite/
    // checkpointer.ts; docs/performance.md, "Checkpoints in a thread of their own").
    sqliteCheckpointThread: define.boolean(
      'PAYHOOK_SQLITE_CHECKPOINT_THREAD',
      true,
      "Copy SQLite's write-ahead log into the database file from a thread of its own, not inside the main thread's commits. `false` leaves it to SQLite's automatic checkpoint (every 1,000 pages of WAL, inside the commit that crosses it).",
    ),
    retentionDays: define.int('PAYHOOK_RETENTION_DAYS', 30, 1, 3650, 'Days events and their deliveries are kept.'),
    // Retention runs beside delivery in the dispatcher process: small batches with a pause between them
    // keep each prune transaction short, so claims and results never queue behind it (docs/operations.md).
    pruneIntervalMs: define.duration(
      'PAYHOOK_PRUNE_INTERVAL',
      '1h',
      1000,
      86_400_000,
      'How often a dispatcher prunes what is older than PAYHOOK_RETENTION_DAYS (and, on PostgreSQL, creates partitions ahead).',
    ),
    pruneBatch: define.int(
      'PAYHOOK_PRUNE_BATCH',
      1000,
      1,
      100_000,
      'Events removed per prune transaction when rows are deleted one by one (SQLite; PostgreSQL rows outside a droppable partition).',
    ),
    prunePauseMs: define.duration(
      'PAYHOOK_PRUNE_PAUSE',
      '100ms',
      0,
      60_000,
      'Pause between two prune batches, so delivery gets the database between them.',
    ),
    masterKey: define.optionalString(
      'PAYHOOK_MASTER_KEY',
      'Key sealing signing secrets and header values at rest (base64 of 32 bytes). Unset on SQLite: the key file `<db>.key`. Required on PostgreSQL.',
      'base64 of 32 bytes',
    ),
    masterKeyPrevious: define.list(
      'PAYHOOK_MASTER_KEY_PREVIOUS',
      'Older master keys that still open rows during a rotation (`payhook rotate-master-key`).',
      'comma-separated base64 keys',
      () => {},
    ),
  },
  postgres: {
    schema: define.string('PAYHOOK_DATABASE_SCHEMA', 'payhook', "PostgreSQL schema holding payhook's tables.", {
      test: (v) => SCHEMA_NAME.test(v),
      must: 'must be 1-48 lower-case letters, digits and _, not starting with a digit',
    }),
    poolSize: define.int('PAYHOOK_DATABASE_POOL_SIZE', 10, 1, 1000, 'PostgreSQL connections per process.'),
    listenUrl: define.optionalString(
      'PAYHOOK_DATABASE_LISTEN_URL',
      'A session (not transaction-pooled) connection for LISTEN, when PAYHOOK_DATABASE_URL goes through pgbouncer.',
      'a postgres:// URL',
    ),
    preparedStatements: define.boolean(
      'PAYHOOK_DATABASE_PREPARED_STATEMENTS',
      true,
      'Named prepared statements (turn off behind pgbouncer < 1.21 in transaction mode).',
    ),
  },
  delivery: {
    retrySchedule: define.durations(
      'PAYHOOK_RETRY_SCHEDULE',
      DEFAULT_RETRY_SCHEDULE,
      'Delays before retries 1..n; its length is the number of retries after the first try.',
    ),
    testRetrySchedule: define.durations(
      'PAYHOOK_TEST_RETRY_SCHEDULE',
      [],
      "Test mode's delays before retries 1..n (deliveries of `sk_test_` merchants' events), e.g. `5s,30s,2m` to see a failing test endpoint give up within minutes; unset: the same as PAYHOOK_RETRY_SCHEDULE.",
    ),
    retryJitter: define.fraction('PAYHOOK_RETRY_JITTER', 0.2, 0, 1, '± fraction of jitter applied to each delay.'),
    timeoutMs: define.duration(
      'PAYHOOK_TIMEOUT',
      '15s',
      1000,
      MAX_ATTEMPT_MS,
      "Default time one attempt may take (an endpoint's `timeout_ms` overrides it).",
    ),
    maxInFlight: define.int('PAYHOOK_MAX_IN_FLIGHT', 512, 1, 100_000, 'Attempts one dispatcher runs at once.'),
    maxInFlightPerEndpoint: define.int(
      'PAYHOOK_MAX_IN_FLIGHT_PER_ENDPOINT',
      32,
      1,
      10_000,
      'Attempts one dispatcher runs at once against one endpoint (the adaptive limit stays below it).',
    ),
    // A claim's lease must outlast the longest attempt, else a slow attempt's delivery is claimed and
    // sent again by another dispatcher while it is still running.
    leaseMs: define.duration(
      'PAYHOOK_LEASE',
      '60s',
      MAX_ATTEMPT_MS + LEASE_MARGIN_MS,
      86_400_000,
      'How long a claim is held before another dispatcher may take it.',
      `must be at least ${(MAX_ATTEMPT_MS + LEASE_MARGIN_MS) / 1000}s: the longest attempt (an endpoint's timeout_ms, up to ${MAX_ATTEMPT_MS / 1000}s) plus a ${LEASE_MARGIN_MS / 1000}s margin, so no delivery is sent twice while an attempt is still running`,
    ),
    pollIntervalMs: define.duration(
      'PAYHOOK_POLL_INTERVAL',
      '1s',
      10,
      3_600_000,
      'How often an idle dispatcher looks for due work it was not woken for (retries, other processes).',
    ),
    claimBatch: define.int('PAYHOOK_CLAIM_BATCH', 500, 1, 10_000, 'Deliveries claimed per query.'),
    // Named for what moves: the HTTP client. Claims, queues, rendering, signing and results stay on the
    // main thread (docs/architecture.md, "The HTTP worker thread"). It takes the main thread's CPU per
    // delivery from ~285 to ~135 µs at about the same CPU for the whole process. On by default since
    // the whole suite passed with it and the throughput runs of 2026-12-05 measured it (SQLite 4,443 /
    // 4,326 -> 5,524 / 6,019 deliveries/s, PostgreSQL 4,013 / 3,685 -> 4,178 / 4,130; docs/performance.md,
    // "The HTTP thread by default"). `false` keeps everything on one thread (one core, or a debugger).
    httpThread: define.boolean(
      'PAYHOOK_HTTP_THREAD',
      true,
      "Send webhooks from a worker thread (undici's requests and responses off the thread that claims, commits and serves the API). `false` keeps the client on the main thread (a one-core host, or stepping through it in a debugger).",
    ),
    secretOverlapMs: define.duration(
      'PAYHOOK_SECRET_OVERLAP',
      '24h',
      0,
      30 * 86_400_000,
      'How long a rotated-out signing secret keeps signing beside the new one.',
    ),
    rateLimitBurst: define.int(
      'PAYHOOK_RATE_LIMIT_BURST',
      1,
      0,
      1000,
      "Requests an endpoint with a `rate_limit` may send above its rate within one second (a rate-limited endpoint's busiest second is at most rate + this).",
    ),
    circuitFailures: define.int(
      'PAYHOOK_CIRCUIT_FAILURES',
      5,
      1,
      1_000_000,
      "Consecutive failed attempts that open an endpoint's circuit (no requests until its cool-down ends).",
    ),
    circuitCooldownMs: define.duration(
      'PAYHOOK_CIRCUIT_COOLDOWN',
      '30s',
      1000,
      86_400_000,
      'How long an open circuit waits before one probe; doubles each time a probe fails, up to PAYHOOK_CIRCUIT_COOLDOWN_MAX.',
    ),
    circuitCooldownMaxMs: define.duration(
      'PAYHOOK_CIRCUIT_COOLDOWN_MAX',
      '1h',
      1000,
      7 * 86_400_000,
      "The longest an open circuit's cool-down grows to.",
    ),
    disableAfterMs: define.duration(
      'PAYHOOK_DISABLE_AFTER',
      '5d',
      60_000,
      365 * 86_400_000,
      'An endpoint failing this long without one success is disabled (`disabled_reason: failing`); its deliveries wait for it.',
    ),
    operatorWebhookUrl: define.optionalString(
      'PAYHOOK_OPERATOR_WEBHOOK_URL',
      "Where every merchant's operational events (endpoint.*, delivery.exhausted) are also sent, for the operator; unset: nowhere.",
      'an http(s) URL',
    ),
    operatorWebhookSecret: define.optionalString(
      'PAYHOOK_OPERATOR_WEBHOOK_SECRET',
      'The `whsec_…` secret signing the operator webhooks (Standard Webhooks); required with PAYHOOK_OPERATOR_WEBHOOK_URL.',
      'whsec_ and base64',
    ),
    allowNetworks: define.list(
      'PAYHOOK_ALLOW_NETWORKS',
      'Address ranges opened on top of the refused ones (private, loopback, link-local, …); empty: only public addresses (docs/security.md).',
      'comma-separated CIDRs',
      (cidr) => {
        parseCidr(cidr);
      },
    ),
  },
  limits: {
    authCacheTtlMs: define.duration(
      'PAYHOOK_AUTH_CACHE_TTL',
      '10s',
      0,
      600_000,
      'How long an API key lookup is cached; a key revoked through another API process works this long at most.',
    ),
    authFailureLimit: define.int(
      'PAYHOOK_AUTH_FAILURE_LIMIT',
      20,
      1,
      1_000_000,
      'Failed authentications from one address within the window, after which it gets 429 until the window ends.',
    ),
    authFailureWindowMs: define.duration(
      'PAYHOOK_AUTH_FAILURE_WINDOW',
      '1m',
      1000,
      3_600_000,
      'The window of PAYHOOK_AUTH_FAILURE_LIMIT.',
    ),
    maxEndpointsPerMerchant: define.int(
      'PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT',
      100,
      1,
      100_000,
      'Live (not deleted) endpoints one merchant may have.',
    ),
    // Generous: 10,000 events a second through one key is about one process's whole
    // ingest on 2 cores (the ingest benchmark, which sends through one key, lifts it: bench/systems/payhook.ts).
    eventRatePerKey: define.int(
      'PAYHOOK_EVENT_RATE_PER_KEY',
      10_000,
      1,
      10_000_000,
      'Events per second one API key may send, per API process (a token bucket refilling at this rate).',
    ),
    eventBurstPerKey: define.int(
      'PAYHOOK_EVENT_BURST_PER_KEY',
      20_000,
      1,
      10_000_000,
      "The token bucket's size: events one key may send at once.",
    ),
  },
  dashboard: {
    publicUrl: define.optionalString(
      'PAYHOOK_PUBLIC_URL',
      'The address users reach payhook at (https://payhook.example.com): portal links are made on it, and an https address makes the dashboard cookie Secure. Unset: the address a request came to.',
      'an http(s) URL',
    ),
    portalLinkTtlMs: define.duration(
      'PAYHOOK_PORTAL_LINK_TTL',
      '15m',
      10_000,
      86_400_000,
      'How long a portal link (POST /v1/portal-links) can be opened; each opens one dashboard session.',
    ),
    sessionTtlMs: define.duration(
      'PAYHOOK_DASHBOARD_SESSION_TTL',
      '8h',
      60_000,
      30 * 86_400_000,
      'How long a dashboard sign-in lasts (with a key or a portal link).',
    ),
  },
  listen: {
    heartbeatMs: define.duration(
      'PAYHOOK_LISTEN_HEARTBEAT',
      '15s',
      10,
      600_000,
      'How often a `payhook listen` stream gets a comment line, so proxies keep it open.',
    ),
  },
};

export const RETIRED: Retired = {
  PAYHOOK_BLOCK_PRIVATE_NETWORKS:
    'was replaced: private, loopback and other non-public destinations are now refused by default; open ranges with PAYHOOK_ALLOW_NETWORKS (comma-separated CIDRs) and remove PAYHOOK_BLOCK_PRIVATE_NETWORKS',
};

/** payhook's configuration: one section per part, each value checked (config/load.ts). */
export type Config = ConfigOf<typeof CONFIG_SCHEMA>;
/** What `loadConfig`'s overrides may set: any settings of any sections. */
export type ConfigOverrides = OverridesOf<typeof CONFIG_SCHEMA>;
