/**
 * The connection pool and how a Store operation runs on it: one statement, or one transaction, retried
 * when PostgreSQL went away or chose this transaction as a deadlock victim.
 *
 * Failure rules, in one place:
 * - A pool never crashes the process: an idle connection that dies (server restart,
 *   `pg_terminate_backend`, a network cut) is dropped by the pool and reported to `onError`; a
 *   checked-out one is watched too (node-postgres would otherwise throw its `error` event).
 * - An exhausted pool is back-pressure: a caller waits for a connection up to `connectionTimeoutMs`,
 *   then gets an error (the API answers 503-like, the dispatcher backs off), never a crash.
 * - A transient failure is retried a few times with backoff when that is safe: always if nothing can
 *   have committed (the connection failed before the statement or COMMIT was sent, or the server rolled
 *   back a deadlock victim); after that only for operations that are idempotent by design (reads,
 *   claims, attempt results keyed by attempt id, appends keyed by event id).
 */
import pg from 'pg';
import { isConnectionError } from '../faults.js';
import type { Statement } from './statements.js';
import { valuesFor } from './statements.js';

export interface DbOptions {
  connectionString: string;
  schema: string;
  poolSize: number;
  connectionTimeoutMs: number;
  /** Named prepared statements per connection (off behind pgbouncer < 1.21 in transaction mode). */
  preparedStatements: boolean;
  /** Shown in pg_stat_activity (operators find payhook's sessions by it; tests terminate their own). */
  applicationName: string;
  onError: (err: Error, context: string) => void;
}

export type Row = object;

/** What a transaction body gets: statements by name, on the transaction's connection. */
export interface Tx {
  run<R extends Row = Row>(name: string, args?: Record<string, unknown>): Promise<R[]>;
}

export interface RunOptions {
  /** Safe to run twice: retried even when a lost connection leaves it unknown whether it committed. */
  idempotent: boolean;
}

/** SQLSTATEs after which the transaction certainly did not commit and may simply run again. */
const ROLLED_BACK = new Set(['40001', '40P01']);
/** A plan cached by a prepared statement no longer fits a table a newer payhook migrated. */
function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return (e?.code === '0A000' && /cached plan/.test(e.message ?? '')) || e?.code === '26000';
}

const RETRY_DELAYS_MS = [25, 150, 600, 1500];

/**
 * A pooled connection's longest life. PostgreSQL keeps a plan for a prepared statement, and PL/pgSQL for
 * each query of a function (the claim's: migration 0022), for the connection's life; it makes it again
 * when a table the plan reads is analysed. Where autovacuum is off nothing analyses them, and a plan made
 * on a state the tables have left (an empty day that has filled) would live as long as its connection.
 */
const POOL_CONNECTION_S = 300;

// int8 (count(*) and bigint ms) as numbers: every value payhook stores is far below 2^53. Set on this
// pool's clients only, so other users of `pg` in the process keep the driver's default.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export class Db {
  readonly pool: pg.Pool;
  private readonly o: DbOptions;
  private readonly statements: Map<string, Statement>;
  private closed = false;

  constructor(options: DbOptions, statements: Map<string, Statement>) {
    this.o = options;
    this.statements = statements;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      idleTimeoutMillis: 30_000,
      maxLifetimeSeconds: POOL_CONNECTION_S,
      keepAlive: true,
      application_name: options.applicationName,
      types,
    });
    this.pool.on('error', (err) => options.onError(err, 'idle database connection failed; it was dropped'));
    // Every connection works in payhook's schema. Queued before anything a caller sends on it.
    this.pool.on('connect', (client) => {
      client.query(`SET search_path TO ${quoteIdent(options.schema)}`).catch(() => {
        /* the caller's query reports it */
      });
    });
  }

  statement(name: string): Statement {
    const s = this.statements.get(name);
    if (!s) throw new Error(`unknown SQL statement ${name}`);
    return s;
  }

  private exec<R extends Row>(client: pg.PoolClient, name: string, args: Record<string, unknown>): Promise<R[]> {
    const s = this.statement(name);
    const config: pg.QueryConfig = { text: s.text, values: valuesFor(s, args) };
    if (this.o.preparedStatements) config.name = s.name;
    return client.query(config).then((r) => r.rows as R[]);
  }

  /** One statement in its own implicit transaction. */
  run<R extends Row = Row>(name: string, args: Record<string, unknown>, options: RunOptions): Promise<R[]> {
    return this.withClient((client, mark) => {
      mark();
      return this.exec<R>(client, name, args);
    }, options);
  }

  /**
   * `fn` in one transaction. `lock` names advisory locks taken first, in the same round trip as BEGIN
   * (shared ones for appends, exclusive ones for what must not interleave with them).
   */
  transaction<T>(
    fn: (tx: Tx) => Promise<T>,
    options: RunOptions & { lock?: { shared?: number[]; exclusive?: number[] } },
  ): Promise<T> {
    return this.withClient(
      (client, mark) =>
        inTransaction(
          client,
          `BEGIN; ${lockSql(options.lock)}`,
          () => fn({ run: (name, args = {}) => this.exec(client, name, args) }),
          mark,
        ),
      options,
    );
  }

  /**
   * Runs `fn` on a pooled connection with the retry rules above. `fn` calls `mark()` just before
   * sending what may commit; a connection failure before that is always safe to retry.
   */
  private async withClient<T>(
    fn: (client: pg.PoolClient, mark: () => void) => Promise<T>,
    options: RunOptions,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('the PostgreSQL store is closed');
      let client: pg.PoolClient | null = null;
      let sent = false;
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      try {
        client = await this.pool.connect();
        client.on('error', onError);
        return await fn(client, () => {
          sent = true;
        });
      } catch (err) {
        const lost = isConnectionError(err) || broken !== undefined;
        if (client) {
          client.off('error', onError);
          client.release(lost || isStalePlan(err) ? (err as Error) : undefined);
          client = null;
        }
        const retryable =
          ROLLED_BACK.has((err as { code?: string }).code ?? '') ||
          isStalePlan(err) ||
          (lost && (!sent || options.idempotent));
        if (!retryable || attempt >= RETRY_DELAYS_MS.length || this.closed) throw err;
        const base = RETRY_DELAYS_MS[attempt];
        await new Promise((r) => setTimeout(r, base + Math.random() * base));
      } finally {
        if (client) {
          client.off('error', onError);
          client.release(broken);
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** `body` between `begin` (which opens the transaction) and COMMIT; `mark` just before the COMMIT is sent. */
async function inTransaction<T>(
  client: pg.PoolClient,
  begin: string,
  body: () => Promise<T>,
  mark: () => void,
): Promise<T> {
  await client.query(begin);
  try {
    const result = await body();
    mark();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (!isConnectionError(err)) await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function lockSql(lock: { shared?: number[]; exclusive?: number[] } | undefined): string {
  const calls: string[] = [];
  // Sorted, so two transactions taking several never wait on each other in opposite orders.
  for (const k of [...new Set(lock?.exclusive ?? [])].sort((a, b) => a - b))
    calls.push(`pg_advisory_xact_lock(${LOCK_SPACE}, ${k | 0})`);
  for (const k of [...new Set(lock?.shared ?? [])].sort((a, b) => a - b))
    calls.push(`pg_advisory_xact_lock_shared(${LOCK_SPACE}, ${k | 0})`);
  return calls.length ? `SELECT ${calls.join(', ')}` : '';
}

/** The first key of every payhook advisory lock ('PHK\0'), so they cannot collide with another app's. */
export const LOCK_SPACE = 0x50484b00;

/** A 32-bit advisory lock key for a name (FNV-1a); collisions only make two unrelated things wait. */
export function lockKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Handled connection trouble, to stderr, at most once every 5 s (a restart would otherwise flood it). */
export function stderrReporter(): (err: Error, context: string) => void {
  let last = 0;
  return (err, context) => {
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    process.stderr.write(`payhook: ${context}: ${err.message}\n`);
  };
}
