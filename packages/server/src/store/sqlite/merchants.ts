/** Merchants on SQLite; a merchant is created with its first API key, in one transaction. */
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type { ListOptions, Merchant, Page } from '../types.js';
import type { SqliteCore } from './core.js';
import { toMerchant } from './rows.js';

export async function createMerchant(
  c: SqliteCore,
  m: Merchant,
  key: { id: string; hash: string; prefix: string },
): Promise<void> {
  c.transaction(() => {
    c.stmt('merchant_insert').run({ id: m.id, name: m.name, created_at: m.createdAt });
    c.stmt('api_key_insert').run({
      id: key.id,
      merchant_id: m.id,
      hash: key.hash,
      prefix: key.prefix,
      name: 'default',
      scopes: 'read,write',
      created_at: m.createdAt,
    });
  });
}

export async function getMerchant(c: SqliteCore, id: string): Promise<Merchant | null> {
  const row = c.stmt('merchant_get').get({ id }) as Parameters<typeof toMerchant>[0] | undefined;
  return row ? toMerchant(row) : null;
}

export async function listMerchants(c: SqliteCore, o: ListOptions): Promise<Page<Merchant>> {
  const rows = c.stmt('merchant_page').all({
    before: decodeCursor(o.cursor) ?? ID_MAX,
    limit: o.limit + 1,
  }) as Parameters<typeof toMerchant>[0][];
  return toPage(rows.map(toMerchant), o.limit);
}
