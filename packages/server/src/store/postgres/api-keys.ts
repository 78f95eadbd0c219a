/** API keys on PostgreSQL: stored hashed (store/api-keys.ts maps the rows). */
import { scopesText, toApiKey, type ApiKeyRow } from '../api-keys.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type { ApiKeyRecord, ListOptions, NewApiKey, Page } from '../types.js';
import type { PostgresCore } from './core.js';

export async function createApiKey(c: PostgresCore, k: NewApiKey): Promise<void> {
  await c.db.run(
    'api_key_insert',
    {
      id: k.id,
      merchant_id: k.merchantId,
      hash: k.hash,
      prefix: k.prefix,
      name: k.name,
      scopes: scopesText(k.scopes),
      created_at: k.createdAt,
    },
    { idempotent: false },
  );
}

export async function findApiKey(c: PostgresCore, hash: string): Promise<ApiKeyRecord | null> {
  const [r] = await c.db.run<ApiKeyRow>('api_key_find', { hash }, { idempotent: true });
  return r ? toApiKey(r) : null;
}

export async function listApiKeys(c: PostgresCore, merchantId: string, o: ListOptions): Promise<Page<ApiKeyRecord>> {
  const rows = await c.db.run<ApiKeyRow>(
    'api_key_page',
    { merchant_id: merchantId, before: decodeCursor(o.cursor) ?? ID_MAX, limit: o.limit + 1 },
    { idempotent: true },
  );
  return toPage(rows.map(toApiKey), o.limit);
}

export async function revokeApiKey(
  c: PostgresCore,
  merchantId: string,
  id: string,
  now: number,
): Promise<string | null> {
  // Not idempotent: run again after a lost COMMIT it would find the key revoked and answer null.
  const [r] = await c.db.run<{ hash: string }>(
    'api_key_revoke',
    { merchant_id: merchantId, id, now },
    { idempotent: false },
  );
  return r?.hash ?? null;
}

export async function touchApiKey(c: PostgresCore, id: string, at: number): Promise<void> {
  await c.db.run('api_key_touch', { id, at }, { idempotent: true });
}
