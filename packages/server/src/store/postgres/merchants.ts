/** Merchants on PostgreSQL; a merchant is created with its live scope and first API keys, in one statement. */
import type { MerchantId } from '../../ids.js';
import { liveScopeOf } from '../../modes.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type { ListOptions, Merchant, NewFirstKey, Page } from '../types.js';
import type { PostgresCore } from './core.js';
import { toMerchant } from './rows.js';

export async function createMerchant(
  c: PostgresCore,
  m: Merchant,
  key: NewFirstKey,
  liveKey?: NewFirstKey,
): Promise<void> {
  await c.db.run(
    'merchant_insert',
    {
      id: m.id,
      name: m.name,
      created_at: m.createdAt,
      key_id: key.id,
      hash: key.hash,
      prefix: key.prefix,
      live_id: liveScopeOf(m.id),
      live_key_id: liveKey?.id ?? null,
      live_hash: liveKey?.hash ?? null,
      live_prefix: liveKey?.prefix ?? null,
    },
    { idempotent: false },
  );
}

export async function getMerchant(c: PostgresCore, id: string): Promise<Merchant | null> {
  const [row] = await c.db.run<{ id: MerchantId; name: string; created_at: number }>(
    'merchant_get',
    { id },
    { idempotent: true },
  );
  return row ? toMerchant(row) : null;
}

export async function listMerchants(c: PostgresCore, o: ListOptions): Promise<Page<Merchant>> {
  const rows = await c.db.run<{ id: MerchantId; name: string; created_at: number }>(
    'merchant_page',
    { before: decodeCursor(o.cursor) ?? ID_MAX, limit: o.limit + 1 },
    { idempotent: true },
  );
  return toPage(rows.map(toMerchant), o.limit);
}
