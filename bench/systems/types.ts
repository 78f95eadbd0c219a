/**
 * The contract between the benchmark harness and a system under test.
 *
 * Every file in `bench/systems/` other than this one exports `systems: BenchSystem[]`; the harness finds
 * them by listing the folder, so a new system (payhook itself: `bench/systems/payhook.ts`) is one more
 * file and no edit anywhere else. Each run of a system happens in a fresh child process (the "host",
 * `bench/lib/host.ts`): one `create`, one `start`, the scenario's calls, one `close`. The receiver runs in
 * yet another process, so neither the system nor the receiver steals the other's event loop.
 *
 * What the harness asks of every system, so that the comparison is fair:
 * - deliver each accepted event once to `endpoints[event.endpoint].url` as an HTTP POST whose body is
 *   the JSON envelope `{"id","type","timestamp","data"}` (about 800 bytes), `data` copied verbatim
 *   (it carries `bench_t0`, the accept time, which the receiver reads to measure latency);
 * - sign it with HMAC-SHA256 Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 *   `webhook-signature: v1,<base64>`) under that endpoint's secret; the receiver checks a sample and
 *   rejects bad ones with 401, and counts unique `webhook-id` values, so dropped work is caught;
 * - treat only a 2xx as success and try again after a failure (connection refused, timeout, non-2xx);
 * - record the outcome of each attempt in its own store, the way that system normally would, and report
 *   how many deliveries have a recorded success through `recorded()`;
 * - keep at most `concurrency` HTTP requests in flight, and give up on one after `timeoutMs`.
 */

export type ScenarioName = 'throughput' | 'latency' | 'isolation' | 'backlog' | 'ingest' | 'payment' | 'scale-out';

/** How the harness compares systems: ratios are computed as subject ÷ baseline and subject ÷ ceiling. */
export type SystemRole = 'subject' | 'baseline' | 'ceiling';

/** One webhook endpoint, served by the harness's receiver on its own port (its own origin). */
export interface BenchEndpoint {
  /** Position in `SystemOptions.endpoints`; `BenchEvent.endpoint` refers to it. */
  index: number;
  /** `http://127.0.0.1:<port>/webhook`. */
  url: string;
  /**
   * A `whsec_` secret the harness made for this endpoint. A system that generates secrets itself
   * (payhook does) ignores it and returns its own in `SystemInstance.secrets`.
   */
  secret: string;
  /** True when the receiver will hold requests to this endpoint open until the client gives up. */
  hangs: boolean;
  /** True when the receiver answers this endpoint one byte a second, until the client gives up. */
  drips: boolean;
}

/** The payment event data (`data` of the envelope), as agreed for payhook's transaction/order events. */
export interface PaymentEventData {
  order_id: string;
  transaction_id: string;
  reference: string;
  transaction_no: string;
  payment_reference: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  status: string;
  order_status: string;
  bank_message: string;
  customer_email: string;
  customer_mobile: string;
  card_last_four: string;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  sequence: number;
  /** Accept time (ms, `performance.timeOrigin + performance.now()` of the producing process). */
  bench_t0: number;
}

/** One event to accept; it must reach exactly one endpoint, `endpoints[endpoint]`. */
export interface BenchEvent {
  /**
   * A unique `evt_…` id made by the harness. Systems without ids of their own use it as the
   * `webhook-id`; a system that assigns ids itself (payhook) may use its own: the receiver only counts
   * distinct ids.
   */
  id: string;
  type: string;
  /** ISO 8601 creation time, for the envelope's `timestamp`. */
  createdAt: string;
  endpoint: number;
  data: PaymentEventData;
}

export interface SystemOptions {
  scenario: ScenarioName;
  /** Short unique token (`[a-z0-9]`) for this run: name queues, schemas and files after it. */
  runId: string;
  endpoints: readonly BenchEndpoint[];
  /** Maximum HTTP requests in flight, overall. The same number for every system in a run. */
  concurrency: number;
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
  /**
   * Delay before retrying a failed attempt, in ms. The backlog scenario has the receiver down while it
   * queues, so a system with a long retry schedule would measure its schedule rather than its drain;
   * systems use this constant delay (or their test-compressed schedule) instead.
   */
  retryDelayMs: number;
  /** PostgreSQL for systems that need it: `postgres://postgres@127.0.0.1:5432/test`. */
  postgresUrl: string;
  /** Redis for systems that need it. */
  redis: { host: string; port: number };
  /**
   * scale-out: run this many dispatcher processes beside the process that accepts (which then runs no
   * dispatcher of its own). Unset: the system's usual setup.
   */
  dispatchers?: number;
  /** A scratch directory for this run (SQLite files and the like); the harness deletes it afterwards. */
  tmpDir: string;
  /** Progress lines for the person running the bench (stderr). */
  log(message: string): void;
}

/** Claims of the dispatcher processes of a scale-out run, summed (durations: percentiles over all). */
export interface ClaimStats {
  claims: number;
  empty: number;
  claimed: number;
  p50Ms: number;
  p99Ms: number;
}

/** What the ingest scenario hammers with autocannon. */
export interface IngestTarget {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  /** The request body; the harness passes a typical ~800-byte event create request if omitted. */
  body?: string;
  /** True when each accepted request also produces a delivery to the endpoints (payhook: yes). */
  delivers: boolean;
}

export interface SystemInstance {
  /**
   * The secrets this system signs with, index-aligned with `SystemOptions.endpoints`, when it did not
   * use the harness's. The receiver is told them before `start()`.
   */
  readonly secrets?: readonly string[];
  /** Starts the workers or dispatcher. Called once, before any event is accepted. */
  start(): Promise<void>;
  /**
   * Accepts a batch the way a bulk producer would (BullMQ `addBulk`, graphile-worker `addJobs`, one
   * transaction); resolves when every event in it is durably accepted. Used by throughput, isolation
   * and backlog. Batches hold up to 1,000 events.
   */
  acceptMany?(events: readonly BenchEvent[]): Promise<void>;
  /**
   * Accepts one event the way one API request would; resolves when it is accepted. Used at a steady
   * rate by latency, and by backlog to measure ingest while the backlog drains.
   */
  accept?(event: BenchEvent): Promise<void>;
  /** How many deliveries have their success recorded in the system's own store. */
  recorded?(): Promise<number>;
  /**
   * payment: creates one order through the API and pays it with the approving test card. The order's
   * `optional1` carries `bench_key=<n>`, which payhook copies into
   * its `order.success` event, so the receiver's arrival of payment `n` is joined with the time the
   * returned promise resolves with: the clock just before the pay call. Endpoints take `order.success` only.
   */
  pay?(n: number): Promise<number>;
  /**
   * scale-out: how the claims went in the dispatcher processes (claims, claims that came back empty,
   * claim duration percentiles in ms, deliveries claimed).
   */
  claimStats?(): Promise<ClaimStats>;
  /** The HTTP route the ingest scenario hammers. */
  ingestTarget?(): Promise<IngestTarget>;
  /** Stops everything and removes what the run created (queues, schemas, files). */
  close(): Promise<void>;
}

export interface BenchSystem {
  /** Used in `--systems`, file names and tables: `[a-z0-9-]`. */
  id: string;
  /** Human name with versions, for the results (`BullMQ 6.7.0 on Redis 7.0.15`). */
  label: string;
  role: SystemRole;
  /** Scenarios it runs by default. */
  scenarios: readonly ScenarioName[];
  /** Scenarios it can also run when named in `--systems` (not meaningful enough to run by default). */
  optionalScenarios?: readonly ScenarioName[];
  /** One line about how it is set up, printed with the results (`concurrency 50, localQueue 500`). */
  notes?: string;
  /** Resolves with null when it can run here, or with the reason it cannot (Redis not running). */
  unavailable?(): Promise<string | null>;
  create(options: SystemOptions): Promise<SystemInstance>;
}
