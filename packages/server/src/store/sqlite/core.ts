/**
 * What every SQLite Store operation works through: the open database, its prepared statements, write
 * transactions, the box that seals secrets, this process's due listeners and its endpoint moves. The
 * operations themselves live in one module a domain (settings.ts, merchants.ts, … deliveries.ts) as
 * functions of this core; store.ts opens the database and hands each Store method to its function.
 */
import type Database from 'better-sqlite3';
import type { SecretBox } from '../../secrets/box.js';
import type { DirectClaim } from '../types.js';
import { loadSqlFiles } from '../sql-files.js';
import { EndpointMoves } from './endpoint-moves.js';

export const SQL = loadSqlFiles(new URL('./sql/', import.meta.url));

type Stmt = Database.Statement<unknown[], unknown>;

export class SqliteCore {
  private readonly stmts = new Map<string, Stmt>();
  /** Statements of modules (`moduleStore`), beside the core's `SQL`. */
  readonly moduleSql = new Map<string, string>();
  private readonly dueListeners = new Set<() => void>();
  /** Moves of an endpoint's waiting deliveries, in bounded steps (endpoint-moves.ts). */
  readonly moves = new EndpointMoves(this);

  constructor(
    readonly db: Database.Database,
    /** Every write of a secret or headers seals through it, every read opens (secrets/box.ts). */
    readonly box: SecretBox,
  ) {}

  /** A prepared statement from the sql/ files (or a module's), prepared once. */
  stmt(name: string): Stmt {
    let s = this.stmts.get(name);
    if (!s) {
      const text = SQL[name] ?? this.moduleSql.get(name);
      if (!text) throw new Error(`unknown SQL statement ${name}`);
      s = this.db.prepare(text);
      this.stmts.set(name, s);
    }
    return s;
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE, so two processes never interleave writes). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** This process's dispatcher's offer for new deliveries (Store.offerNewDeliveries), if one registered. */
  claimOffer: (() => DirectClaim | null) | null = null;

  onDue(listener: () => void): () => void {
    this.dueListeners.add(listener);
    return () => this.dueListeners.delete(listener);
  }

  /** Tells this process's dispatchers that work is due. Called after the transaction commits. */
  notifyDue(): void {
    for (const l of this.dueListeners) l();
  }
}
