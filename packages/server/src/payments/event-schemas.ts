/**
 * JSON Schemas of the payment events' `data`, published at `GET /v1/event-types` so a receiver can
 * generate types or validate what it gets. One schema serves all six types (they share the shape);
 * each type narrows `status` and `order_status` to what that event can carry. A test checks real
 * event data against these schemas.
 */
import type { PaymentEventType } from './events.js';

type Schema = Record<string, unknown>;

const nullableString = (description: string): Schema => ({ type: ['string', 'null'], description });

function dataSchema(status: string[], orderStatus: string[]): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: [
      'order_id', 'transaction_id', 'reference', 'transaction_no', 'payment_reference', 'amount', 'amount_decimal', 'currency',
      'status', 'order_status', 'bank_message', 'customer_email', 'customer_mobile', 'card_last_four',
      'optional1', 'optional2', 'optional3', 'sequence',
    ],
    properties: {
      order_id: { type: 'string', pattern: '^ord_[0-9A-HJKMNP-TV-Z]{26}$', description: 'The order (`ord_…`).' },
      transaction_id: { type: 'string', pattern: '^txn_[0-9A-HJKMNP-TV-Z]{26}$', description: 'The payment attempt (`txn_…`).' },
      reference: { type: 'string', description: 'The merchant\'s own order reference.' },
      transaction_no: { type: 'string', description: 'Human transaction number (`FLN…`).' },
      payment_reference: { type: 'string', format: 'uuid', description: 'UUID the customer and the bank can quote.' },
      amount: { type: 'integer', minimum: 1, description: 'Integer minor units of `currency` (fils, cents, yen).' },
      amount_decimal: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$', description: 'The exact decimal amount, with the currency\'s decimal places ("100.00").' },
      currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' },
      status: { type: 'string', enum: status, description: 'The transaction status after this change.' },
      order_status: { type: 'string', enum: orderStatus, description: 'The order status after this change.' },
      bank_message: { type: 'string', description: 'The bank\'s last word about the transaction.' },
      customer_email: nullableString('Customer e-mail, as the order gave it.'),
      customer_mobile: nullableString('Customer mobile, as the order gave it.'),
      card_last_four: { type: 'string', pattern: '^[0-9]{4}$', description: 'The last four digits of the card; payhook keeps no more of it.' },
      optional1: nullableString('Free field of the order, returned as given.'),
      optional2: nullableString('Free field of the order, returned as given.'),
      optional3: nullableString('Free field of the order, returned as given.'),
      sequence: { type: 'integer', minimum: 1, description: 'Per order, increases by one with every event: ignore an event whose sequence is lower than one already handled.' },
    },
  };
}

export interface EventTypeDoc {
  type: PaymentEventType;
  description: string;
  schema: Schema;
}

export const PAYMENT_EVENT_DOCS: readonly EventTypeDoc[] = [
  { type: 'transaction.success', description: 'The bank approved the payment; `order.success` follows with the next sequence.', schema: dataSchema(['success'], ['paid']) },
  { type: 'transaction.delayed', description: 'The bank has not decided yet; a success or failure follows when it does.', schema: dataSchema(['delayed'], ['open']) },
  {
    type: 'transaction.failed',
    description: 'The bank declined the payment; `order.cancel` follows. `status` is `payback_pending` when the issuer debited the customer anyway: payhook pays it back and sends `transaction.paid_back`.',
    schema: dataSchema(['failed', 'payback_pending'], ['cancelled']),
  },
  { type: 'transaction.paid_back', description: 'The bank confirmed the pay-back of a debit taken for a failed payment.', schema: dataSchema(['paid_back'], ['cancelled']) },
  { type: 'order.success', description: 'The order became paid (right after its `transaction.success`).', schema: dataSchema(['success'], ['paid']) },
  { type: 'order.cancel', description: 'The order was cancelled because its payment failed (right after `transaction.failed`).', schema: dataSchema(['failed', 'payback_pending'], ['cancelled']) },
];
