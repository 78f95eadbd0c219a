/**
 * The Store's erasures: a merchant's customer's personal data redacted from stored event bodies and
 * attempt response bodies (erasures/service.ts decides what to redact; the store finds and writes).
 */
import type { ErasureId, MerchantId } from '../../ids.js';

export type ErasureSubjectKind = 'customer_email' | 'order_id';

/** What is kept of an erasure: never the subject, only its hash. */
export interface ErasureRecord {
  id: ErasureId;
  merchantId: MerchantId;
  subjectKind: ErasureSubjectKind;
  /** Hex SHA-256 of `<kind>:<subject>` (the e-mail lower-cased). */
  subjectHash: string;
  eventsRedacted: number;
  attemptsRedacted: number;
  createdAt: number;
}

/** A stored text by its row id: an event body, or an attempt's response body. */
export interface StoredText {
  id: string;
  text: string;
}

/** An attempt's response body (attempts are found by their delivery). */
export interface AttemptText extends StoredText {
  deliveryId: string;
}

export interface ErasureStore {
  /**
   * The merchant's events whose body contains `needle` (compared case-insensitively, ASCII), with ids
   * greater than `afterId`, in id order, at most `limit`: the candidates an erasure then checks.
   */
  findEventsContaining(merchantId: MerchantId, needle: string, afterId: string, limit: number): Promise<StoredText[]>;
  /** The response bodies (non-null) of every attempt of every delivery of these events of the merchant. */
  attemptTextsOf(merchantId: MerchantId, eventIds: readonly string[]): Promise<AttemptText[]>;
  /**
   * Replaces those event bodies and attempt response bodies of the merchant (rows of other merchants are
   * never touched) and stores the record, in one transaction.
   */
  recordErasure(
    record: ErasureRecord,
    redacted: { events: readonly StoredText[]; attempts: readonly AttemptText[] },
  ): Promise<void>;
  getErasure(merchantId: MerchantId, id: string): Promise<ErasureRecord | null>;
}
