/**
 * API key rows as `ApiKeyRecord`s: the same columns and mapping on both backends. Scopes are stored as
 * text, `read` or `read,write` (a CHECK in migration 0003 allows nothing else), so both dialects hold
 * them the same way and a key's power is readable in a plain SELECT.
 */
import type { ApiKeyId, MerchantId } from '../ids.js';
import type { ApiKeyRecord, ApiKeyScope } from './types.js';

export interface ApiKeyRow {
  id: ApiKeyId;
  merchant_id: MerchantId | null;
  prefix: string;
  name: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
}

export function scopesText(scopes: readonly ApiKeyScope[]): string {
  return scopes.includes('write') ? 'read,write' : 'read';
}

export function toApiKey(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    prefix: r.prefix,
    name: r.name,
    scopes: r.scopes === 'read,write' ? ['read', 'write'] : ['read'],
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}
