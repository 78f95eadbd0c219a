/**
 * Resend rows as `ResendRecord`s: the same columns and mapping on both backends (`resend_page` selects
 * the resend's id and time beside its event's columns).
 */
import type { ResendId } from '../ids.js';
import type { EventRecord, ResendRecord } from './types.js';

export type ResendRow<E> = E & { resend_id: ResendId; resent_at: number };

export function toResend<E>(r: ResendRow<E>, toEvent: (row: E) => EventRecord): ResendRecord {
  return { id: r.resend_id, event: toEvent(r), createdAt: Number(r.resent_at) };
}
