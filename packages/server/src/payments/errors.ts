/**
 * The payment module's error codes: a stable code, its HTTP status and what it means, as the core's
 * table (errors.ts) and listed with it in docs/errors.md. `createPayhook` refuses a code another part
 * already uses, so a code keeps one meaning.
 */
import { moduleErrors, type ErrorTable } from '../module-api.js';

export const PAYMENT_ERRORS = {
  order_not_found: { status: 404, message: 'No such order.' },
  transaction_not_found: { status: 404, message: 'No such transaction.' },
  refund_not_found: { status: 404, message: 'No such refund.' },
  invalid_amount: { status: 400, message: 'The amount must be a positive whole number of minor units.' },
  amount_too_large: { status: 400, message: 'The amount is above the maximum payhook takes in this currency.' },
  unknown_currency: { status: 400, message: 'The currency is not an ISO 4217 code payhook knows.' },
  card_invalid: { status: 400, message: 'The card number fails the Luhn check or is malformed.' },
  card_expired: { status: 400, message: 'The card has expired.' },
  order_not_payable: { status: 409, message: 'The order is already paid or cancelled.' },
  duplicate_reference: { status: 409, message: 'An order with this reference already exists for the merchant.' },
  transition_forbidden: { status: 409, message: 'The state machine does not allow this transition.' },
  bank_signature_invalid: { status: 401, message: 'The bank notification signature does not match.' },
  payment_in_progress: { status: 409, message: 'Another payment attempt for this order is still pending or delayed.' },
  notification_conflict: {
    status: 409,
    message: 'A bank notification with this id arrived before with a different body.',
  },
  transaction_not_refundable: {
    status: 409,
    message: 'Only a successful payment can be refunded; this one failed, is not settled yet, or was paid back.',
  },
  refund_exceeds_remaining: {
    status: 409,
    message: 'The refund is more than what remains of the payment to refund.',
  },
  refund_idempotency_conflict: {
    status: 409,
    message: 'The idempotency_key was used before for another refund request.',
  },
  payments_unavailable: { status: 503, message: 'The payment module is not attached to this payhook.' },
  bank_not_configured: {
    status: 503,
    message:
      'Live mode pays through a configured bank and none is configured (PAYHOOK_ACQUIRER_URL); test mode (sk_test_ keys) pays through the simulator.',
  },
} as const satisfies ErrorTable;

export type PaymentErrorCode = keyof typeof PAYMENT_ERRORS;

/**
 * A payment error, thrown like any `PayhookError`.
 *
 * @example
 * throw paymentError('order_not_found', undefined, { id });
 */
export const paymentError = moduleErrors(PAYMENT_ERRORS);

/** A payment code as the API's `errorResponses` takes it, for the OpenAPI document of a route. */
export function paymentErrorRef(code: keyof typeof PAYMENT_ERRORS): { code: string; status: number; message: string } {
  return { code, ...PAYMENT_ERRORS[code] };
}
