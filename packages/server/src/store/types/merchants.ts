/** The Store's merchants (tenants); a merchant is created with its first API key. */
import type { ApiKeyId, MerchantId } from '../../ids.js';
import type { ListOptions, Page } from './common.js';

export interface Merchant {
  id: MerchantId;
  name: string;
  createdAt: number;
}

export interface MerchantStore {
  createMerchant(merchant: Merchant, key: { id: ApiKeyId; hash: string; prefix: string }): Promise<void>;
  getMerchant(id: MerchantId): Promise<Merchant | null>;
  listMerchants(options: ListOptions): Promise<Page<Merchant>>;
}
