/**
 * The Store's merchants (tenants); a merchant is created with its first API key, and with its live
 * scope (src/modes.ts: a row `<id>_live` that the merchant's live records hang off), with that scope's
 * first key when one is given.
 */
import type { ApiKeyId, MerchantId } from '../../ids.js';
import type { ListOptions, Page } from './common.js';

export interface Merchant {
  id: MerchantId;
  name: string;
  createdAt: number;
}

/** A scope's first key, the read+write key "default". */
export interface NewFirstKey {
  id: ApiKeyId;
  hash: string;
  prefix: string;
}

export interface MerchantStore {
  createMerchant(merchant: Merchant, key: NewFirstKey, liveKey?: NewFirstKey): Promise<void>;
  getMerchant(id: MerchantId): Promise<Merchant | null>;
  listMerchants(options: ListOptions): Promise<Page<Merchant>>;
}
