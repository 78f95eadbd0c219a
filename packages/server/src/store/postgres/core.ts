/**
 * What every PostgreSQL Store operation works through: the pool and its transaction runner, the
 * statements by name (the core's, then modules'), the box that seals secrets, the due wake-ups, and the
 * schema that names this store's locks. The operations themselves live in one module a domain
 * (settings.ts, merchants.ts, … deliveries.ts) as functions of this core; store.ts builds it.
 */
import type { SecretBox } from '../../secrets/box.js';
import type { DirectClaim } from '../types.js';
import { lockKey, type Db } from './db.js';
import { loadStatements, type Statement } from './statements.js';
import type { Wakeups } from './wakeups.js';

export const STATEMENTS = loadStatements(new URL('./sql/', import.meta.url));

export class PostgresCore {
  /** Statements of modules (`moduleStore`), beside the core's `STATEMENTS`. */
  readonly moduleSql = new Map<string, string>();

  constructor(
    readonly schema: string,
    readonly db: Db,
    /** This store's statements: the core's, then those of modules (`moduleStore`); `db` runs them. */
    readonly statements: Map<string, Statement>,
    /** Every write of a secret or headers seals through it, every read opens (secrets/box.ts). */
    readonly box: SecretBox,
    readonly wakeups: Wakeups,
  ) {}

  /** The claim's floor as last read, for the day `atMost` was computed on (deliveries.ts, claimFloor). */
  claimFloor: { value: string; atMost: string; at: number } | null = null;

  /**
   * After this process made pending a delivery that may be older than the claim's floor (a retry, a
   * resend, a replay, an event appended with an old id): its next claim asks for the floor again rather
   * than wait out the floor's second. Other processes' claims see it within that second.
   */
  forgetClaimFloor(below?: string): void {
    if (below === undefined || (this.claimFloor && below < this.claimFloor.value)) this.claimFloor = null;
  }

  /** This process's dispatcher's offer for new deliveries (Store.offerNewDeliveries), if one registered. */
  claimOffer: (() => DirectClaim | null) | null = null;

  /** The advisory lock that orders appends (shared) against endpoint disabling (exclusive), per merchant. */
  endpointLock(merchantId: string): number {
    return lockKey(`endpoints:${this.schema}:${merchantId}`);
  }
}
