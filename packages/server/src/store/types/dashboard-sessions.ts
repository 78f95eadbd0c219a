/** The Store's dashboard sessions: who is signed in to /dashboard (dashboard/sessions.ts). */
import type { MerchantId } from '../../ids.js';
import type { ApiKeyScope } from './api-keys.js';

export interface DashboardSessionRecord {
  /** Hex SHA-256 of the session id; the id itself is only ever in the cookie. */
  idHash: string;
  /** Null for a session of the admin key. */
  merchantId: MerchantId | null;
  /** The API key signed in with, in clear here: the store seals it; null for a portal-link session. */
  apiKey: string | null;
  scopes: readonly ApiKeyScope[];
  /** The portal link's nonce: unique, so a link opens one session only. */
  linkNonce: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface DashboardSessionStore {
  /**
   * Records a session; false (and nothing written) when its link nonce opened a session already. Expired
   * key sessions are removed on the way.
   */
  createDashboardSession(session: DashboardSessionRecord): Promise<boolean>;
  /** The session with this id hash, unless it expired or was signed out. */
  getDashboardSession(idHash: string, now: number): Promise<DashboardSessionRecord | null>;
  deleteDashboardSession(idHash: string): Promise<void>;
}
