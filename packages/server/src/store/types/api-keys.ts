/** The Store's API keys: stored hashed, named, scoped, revocable. */
import type { ApiKeyId, MerchantId } from '../../ids.js';
import type { ListOptions, Page } from './common.js';

/** What a key may do: `read` (GET, HEAD) and `write` (everything else); write comes with read. */
export type ApiKeyScope = 'read' | 'write';

export interface ApiKeyRecord {
  id: ApiKeyId;
  /** `null` for an admin key. */
  merchantId: MerchantId | null;
  /** A few leading characters of the key, safe to show (`sk_AbCd…`). */
  prefix: string;
  name: string;
  /** `['read']` or `['read', 'write']`. */
  scopes: ApiKeyScope[];
  createdAt: number;
  /** Within a minute of the last request made with it; `null` if never used. */
  lastUsedAt: number | null;
}

export interface NewApiKey {
  id: string;
  merchantId: string | null;
  hash: string;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: number;
}

export interface ApiKeyStore {
  createApiKey(key: NewApiKey): Promise<void>;
  /** A live (not revoked) key by the SHA-256 of the key. */
  findApiKey(hash: string): Promise<ApiKeyRecord | null>;
  /** The merchant's live keys, newest first. */
  listApiKeys(merchantId: string, options: ListOptions): Promise<Page<ApiKeyRecord>>;
  /** Revokes one of the merchant's live keys; its hash, or null when it has no such live key. */
  revokeApiKey(merchantId: string, id: string, now: number): Promise<string | null>;
  /** Records that the key was used at `at` (an earlier time never replaces a later one). */
  touchApiKey(id: string, at: number): Promise<void>;
}
