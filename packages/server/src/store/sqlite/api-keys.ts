/** API keys on SQLite: stored hashed (store/api-keys.ts maps the rows). */
import { scopesText, toApiKey, type ApiKeyRow } from '../api-keys.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type { ApiKeyRecord, ListOptions, NewApiKey, Page } from '../types.js';
import type { SqliteCore } from './core.js';

export async function createApiKey(c: SqliteCore, k: NewApiKey): Promise<void> {
  c.stmt('api_key_insert').run({
    id: k.id,
    merchant_id: k.merchantId,
    hash: k.hash,
    prefix: k.prefix,
    name: k.name,
    scopes: scopesText(k.scopes),
    created_at: k.createdAt,
  });
}

export async function findApiKey(c: SqliteCore, hash: string): Promise<ApiKeyRecord | null> {
  const r = c.stmt('api_key_find').get({ hash }) as ApiKeyRow | undefined;
  return r ? toApiKey(r) : null;
}

export async function listApiKeys(c: SqliteCore, merchantId: string, o: ListOptions): Promise<Page<ApiKeyRecord>> {
  const rows = c.stmt('api_key_page').all({
    merchant_id: merchantId,
    before: decodeCursor(o.cursor) ?? ID_MAX,
    limit: o.limit + 1,
  }) as ApiKeyRow[];
  return toPage(rows.map(toApiKey), o.limit);
}

export async function revokeApiKey(c: SqliteCore, merchantId: string, id: string, now: number): Promise<string | null> {
  const r = c.stmt('api_key_revoke').get({ merchant_id: merchantId, id, now }) as { hash: string } | undefined;
  return r?.hash ?? null;
}

export async function touchApiKey(c: SqliteCore, id: string, at: number): Promise<void> {
  c.stmt('api_key_touch').run({ id, at });
}
