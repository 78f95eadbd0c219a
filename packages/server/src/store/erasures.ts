/** The erasure record's row, the same on both backends (store/<dialect>/erasures.ts). */
import type { ErasureId, MerchantId } from '../ids.js';
import type { ErasureRecord, ErasureSubjectKind } from './types.js';

export interface ErasureRow {
  id: string;
  merchant_id: string;
  subject_kind: string;
  subject_hash: string;
  events_redacted: number;
  attempts_redacted: number;
  created_at: number;
}

export function toErasure(r: ErasureRow): ErasureRecord {
  return {
    id: r.id as ErasureId,
    merchantId: r.merchant_id as MerchantId,
    subjectKind: r.subject_kind as ErasureSubjectKind,
    subjectHash: r.subject_hash,
    eventsRedacted: Number(r.events_redacted),
    attemptsRedacted: Number(r.attempts_redacted),
    createdAt: Number(r.created_at),
  };
}

export function erasureParams(e: ErasureRecord) {
  return {
    id: e.id,
    merchant_id: e.merchantId,
    subject_kind: e.subjectKind,
    subject_hash: e.subjectHash,
    events_redacted: e.eventsRedacted,
    attempts_redacted: e.attemptsRedacted,
    created_at: e.createdAt,
  };
}
