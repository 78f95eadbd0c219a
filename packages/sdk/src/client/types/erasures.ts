/**
 * The API's JSON shapes of erasures of a customer's personal data (conventions in ./common.ts).
 */

/**
 * An erasure (`erasures.create`): one customer's personal data redacted from the merchant's stored
 * events and attempt answers. The subject itself is not kept, only its hash.
 *
 * @example
 * const e: Erasure = await client.erasures.create({ customer_email: 'customer@example.com' });
 * console.log(e.events_redacted, e.attempts_redacted);
 */
export interface Erasure {
  /** `era_…` */
  id: string;
  subject: 'customer_email' | 'order_id';
  /** Hex SHA-256 of `<subject>:<value>` (the e-mail trimmed and lower-cased). */
  subject_hash: string;
  events_redacted: number;
  attempts_redacted: number;
  created_at: string;
}

/**
 * What `erasures.create` erases: exactly one of a customer's e-mail or an order.
 *
 * @example
 * const input: CreateErasureInput = { order_id: 'ord_01J…' };
 */
export type CreateErasureInput =
  | { customer_email: string; order_id?: never }
  | { order_id: string; customer_email?: never };
