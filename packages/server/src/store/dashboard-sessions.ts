/** Dashboard session rows as records: the same columns and mapping on both backends. */
import type { SecretBox } from '../secrets/box.js';
import { KeyringError } from '../secrets/keyring.js';
import type { MerchantId } from '../ids.js';
import { scopesText } from './api-keys.js';
import type { DashboardSessionRecord } from './types.js';

export interface DashboardSessionRow {
  id_hash: string;
  merchant_id: MerchantId | null;
  api_key: string | null;
  scopes: string;
  link_nonce: string | null;
  created_at: number | string;
  expires_at: number | string;
}

export function sessionParams(box: SecretBox, s: DashboardSessionRecord): Record<string, unknown> {
  return {
    id_hash: s.idHash,
    merchant_id: s.merchantId,
    api_key: s.apiKey === null ? null : box.sealSessionKey(s.apiKey),
    scopes: scopesText(s.scopes),
    link_nonce: s.linkNonce,
    created_at: s.createdAt,
    expires_at: s.expiresAt,
  };
}

/**
 * The record of a row; null when its key no longer opens (sealed under a master key this process no
 * longer holds, after a rotation): such a session has ended, and its browser signs in again. Sessions
 * are short-lived, so the master-key rotation does not reseal them.
 */
export function toDashboardSession(box: SecretBox, r: DashboardSessionRow): DashboardSessionRecord | null {
  let apiKey: string | null = null;
  if (r.api_key !== null)
    try {
      apiKey = box.openSessionKey(r.api_key);
    } catch (err) {
      if (err instanceof KeyringError) return null;
      throw err;
    }
  return {
    idHash: r.id_hash,
    merchantId: r.merchant_id,
    apiKey,
    scopes: r.scopes === 'read,write' ? ['read', 'write'] : ['read'],
    linkNonce: r.link_nonce,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
