/** Merchants on SQLite; a merchant is created with its live scope and first API keys, in one transaction. */
import { liveScopeOf } from '../../modes.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type { ListOptions, Merchant, NewFirstKey, Page } from '../types.js';
import type { SqliteCore } from './core.js';
import { toMerchant } from './rows.js';

export async function createMerchant(
  c: SqliteCore,
  m: Merchant,
  key: NewFirstKey,
  liveKey?: NewFirstKey,
): Promise<void> {
  const live = liveScopeOf(m.id);
  const firstKey = (k: NewFirstKey, scope: string) =>
    c.stmt('api_key_insert').run({
      id: k.id,
      merchant_id: scope,
      hash: k.hash,
      prefix: k.prefix,
      name: 'default',
      scopes: 'read,write',
      created_at: m.createdAt,
    });
  c.transaction(() => {
    c.stmt('merchant_insert').run({ id: m.id, name: m.name, created_at: m.createdAt });
    c.stmt('merchant_live_scope_insert').run({ id: live, name: m.name, created_at: m.createdAt, live_of: m.id });
    firstKey(key, m.id);
    if (liveKey) firstKey(liveKey, live);
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
