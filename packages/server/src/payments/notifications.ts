/**
 * Bank notifications: how an acquirer tells payhook about a clearance it decided later (a delayed
 * payment approved or declined, a pay-back confirmed).
 *
 *   POST /v1/bank/notifications
 *   bank-key: <key id>                       which configured bank key signed it
 *   bank-signature: sha256=<hex>             HMAC-SHA256 of the exact body bytes under that key's secret
 *   {"id":"ntf_123","payment_reference":"<uuid>","status":"approved|declined|delayed|paid_back",
 *    "debited":false,"message":"approved"}
 *
 * `id` is the bank's id for the notification and the idempotency key: the same notification again
 * gets the first answer and changes nothing. A replayed body is therefore harmless, which is why the
 * HMAC covers the body alone and no timestamp.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PayhookError } from '../module-api.js';
import { paymentError } from './errors.js';
import type { TransactionChange } from './store/port.js';

export type BankStatus = 'approved' | 'declined' | 'delayed' | 'paid_back';

export interface BankNotification {
  id: string;
  paymentReference: string;
  status: BankStatus;
  debited: boolean;
  message: string;
}

/**
 * The `bank-signature` header value for a body: what a bank (or a test) sends.
 *
 * @example
 * const signature = signBankNotification(secret, body); // 'sha256=5f0c…'
 */
export function signBankNotification(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks the key and the signature; throws `bank_signature_invalid` (401) for a missing or unknown key,
 * or a signature that does not match, without saying which (no oracle for key ids).
 */
export function verifyBankNotification(
  keys: ReadonlyMap<string, string>,
  keyId: string | undefined,
  signature: string | undefined,
  body: string | Buffer,
): void {
  const secret = keyId ? keys.get(keyId) : undefined;
  if (!secret || !signature) throw paymentError('bank_signature_invalid');
  const expected = Buffer.from(signBankNotification(secret, body));
  const given = Buffer.from(signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw paymentError('bank_signature_invalid');
}

const STATUSES = new Set<BankStatus>(['approved', 'declined', 'delayed', 'paid_back']);
const FIELDS = new Set(['id', 'payment_reference', 'status', 'debited', 'message']);

/** Parses a notification body; `invalid_json`, `unknown_field` or `validation_failed` naming the field. */
export function parseBankNotification(body: string): BankNotification {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new PayhookError('invalid_json');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new PayhookError('validation_failed', 'The body must be a JSON object.');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (!FIELDS.has(k)) throw new PayhookError('unknown_field', undefined, { field: k });
  const bad = (field: string, message: string) => new PayhookError('validation_failed', message, { field });
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 200)
    throw bad('id', 'id must be a string of 1 to 200 characters.');
  if (typeof v.payment_reference !== 'string' || v.payment_reference.length === 0 || v.payment_reference.length > 100) {
    throw bad('payment_reference', 'payment_reference must be a non-empty string.');
  }
  if (typeof v.status !== 'string' || !STATUSES.has(v.status as BankStatus))
    throw bad('status', 'status must be approved, declined, delayed or paid_back.');
  if (v.debited !== undefined && typeof v.debited !== 'boolean') throw bad('debited', 'debited must be a boolean.');
  if (v.message !== undefined && (typeof v.message !== 'string' || v.message.length > 500))
    throw bad('message', 'message must be a string of at most 500 characters.');
  const status = v.status as BankStatus;
  if (v.debited === true && status !== 'declined') throw bad('debited', 'debited applies to a declined payment only.');
  return {
    id: v.id,
    paymentReference: v.payment_reference,
    status,
    debited: v.debited === true,
    message: (v.message as string | undefined) ?? status,
  };
}

/** The state-machine event a notification asks for. */
export function eventOfNotification(n: BankNotification): TransactionChange['event'] {
  switch (n.status) {
    case 'approved':
      return 'approve';
    case 'delayed':
      return 'delay';
    case 'declined':
      return n.debited ? 'decline_debited' : 'decline';
    case 'paid_back':
      return 'confirm_payback';
  }
}
