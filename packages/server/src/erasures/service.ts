/**
 * An erasure (`POST /v1/erasures`): one merchant's customer's personal data redacted from the stored
 * event bodies and attempt response bodies of that merchant, and a record of it that keeps a hash of
 * the subject, never the subject.
 *
 *   1. candidates   the merchant's events whose body contains the subject (the e-mail, any case; the
 *                   order id), paged by id
 *   2. match        each is parsed: the subject's only if the e-mail sits under a personal key, or the
 *                   order id is one of its values (redact.ts); its personal values are collected
 *   3. redact       those events' bodies, and the response bodies of their deliveries' attempts
 *   4. write        the new texts and the record in one transaction (store.recordErasure)
 *
 * Only rows of the calling merchant are read and written: every store query is scoped by it, so the
 * same e-mail at another merchant stays as it is. Running the same erasure again finds nothing left.
 */
import { createHash } from 'node:crypto';
import { type ErasureId, type MerchantId, newId } from '../ids.js';
import type { AttemptText, ErasureRecord, Store, StoredText } from '../store/types.js';
import { ID_MIN } from '../store/cursor.js';
import { matchEvent, normalise, redactEventBody, redactText, type Subject } from './redact.js';

const PAGE = 500;

/** Hex SHA-256 of `<kind>:<normalised subject>`: what the record keeps. */
export function subjectHash(subject: Subject): string {
  const s = normalise(subject);
  return createHash('sha256').update(`${s.kind}:${s.value}`).digest('hex');
}

export async function eraseSubject(
  store: Store,
  merchantId: MerchantId,
  subject: Subject,
  now = Date.now(),
): Promise<ErasureRecord> {
  const s = normalise(subject);
  const events: StoredText[] = [];
  const matched: string[] = [];
  const values = new Set<string>();
  for (let after = ID_MIN as string; ; ) {
    const page = await store.findEventsContaining(merchantId, s.value, after, PAGE);
    for (const e of page) {
      const found = matchEvent(e.text, s);
      if (!found) continue;
      matched.push(e.id);
      for (const v of found) values.add(v);
      const text = redactEventBody(e.text, found);
      if (text !== e.text) events.push({ id: e.id, text });
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1].id;
  }
  const attempts: AttemptText[] = [];
  if (values.size > 0) {
    for (let i = 0; i < matched.length; i += PAGE) {
      for (const a of await store.attemptTextsOf(merchantId, matched.slice(i, i + PAGE))) {
        const text = redactText(a.text, values);
        if (text !== a.text) attempts.push({ ...a, text });
      }
    }
  }
  const record: ErasureRecord = {
    id: newId('era', now) as ErasureId,
    merchantId,
    subjectKind: s.kind,
    subjectHash: subjectHash(s),
    eventsRedacted: events.length,
    attemptsRedacted: attempts.length,
    createdAt: now,
  };
  await store.recordErasure(record, { events, attempts });
  return record;
}
