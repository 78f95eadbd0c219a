/**
 * The `foloosi` payload format: the shape the payment provider in the seed publishes, so a merchant
 * already integrated with it can point the same handler at payhook.
 *
 *   {"data":{"transfer":{"transaction_status","transaction_no","payment_reference","transaction_amount",
 *     "transaction_currency","transaction_message","api":{"optional1","optional2","optional3",
 *     "customer_email","customer_mobile","card_last_four"}}}}
 *
 * Key order is the provider's (receivers that hash or diff bodies see the same bytes). The shape has no
 * event type, so `transaction_status` carries it (table below, also in docs/payments.md); the
 * `webhook-id` header still identifies the event and the signature headers are the standard ones.
 * `transaction_amount` is the decimal amount without trailing zeros ("100" for AED 100.00, "100.5" for
 * AED 100.50), as the provider's sample prints it.
 */
import { toDecimalString, isCurrency } from '../currencies.js';
import type { PaymentEventData } from '../events.js';
import type { ModuleEventType, RefundEventData } from '../refund-events.js';

export interface FoloosiPayload {
  data: {
    transfer: {
      transaction_status: string;
      transaction_no: string | null;
      payment_reference: string | null;
      transaction_amount: string | null;
      transaction_currency: string | null;
      transaction_message: string | null;
      api: {
        optional1: string | null;
        optional2: string | null;
        optional3: string | null;
        customer_email: string | null;
        customer_mobile: string | null;
        card_last_four: string | null;
      };
    };
  };
}

/**
 * `transaction_status` for each payment event type. A refund event fills the same shape about its
 * payment, with the refund's amount as `transaction_amount` and the bank's word on the refund as
 * `transaction_message`.
 */
export const FOLOOSI_STATUS: Readonly<Record<ModuleEventType, string>> = {
  'transaction.success': 'success',
  'transaction.delayed': 'delayed',
  'transaction.failed': 'failed',
  'transaction.paid_back': 'paid_back',
  'order.success': 'paid',
  'order.cancel': 'cancelled',
  'refund.created': 'refund_pending',
  'refund.succeeded': 'refunded',
  'refund.failed': 'refund_failed',
};

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function amountOf(data: Record<string, unknown>): string | null {
  const currency = data.currency;
  const amount = data.amount;
  if (isCurrency(currency) && typeof amount === 'number' && Number.isSafeInteger(amount)) {
    return toDecimalString(amount, currency, { trim: true });
  }
  // Not a payment event's data: fall back to a decimal the sender gave, trimmed the same way.
  const dec = str(data.amount_decimal);
  return dec && /^-?[0-9]+(\.[0-9]+)?$/.test(dec) ? dec.replace(/(\.[0-9]*?)0+$/, '$1').replace(/\.$/, '') : null;
}

/**
 * Maps an event's type and data to the foloosi shape. Payment events map field by field; any other
 * event (a merchant may send its own types to a foloosi endpoint) keeps its `data.status` or, failing
 * that, its type as `transaction_status`, and absent fields become `null` rather than disappearing, so
 * the shape a receiver parses never changes.
 *
 * @example
 * foloosiPayload('transaction.success', data).data.transfer.transaction_status; // "success"
 */
export function foloosiPayload(
  type: string,
  input: PaymentEventData | RefundEventData | Record<string, unknown>,
): FoloosiPayload {
  const data = input as Record<string, unknown>;
  const status = FOLOOSI_STATUS[type as ModuleEventType] ?? str(data.status) ?? type;
  return {
    data: {
      transfer: {
        transaction_status: status,
        transaction_no: str(data.transaction_no),
        payment_reference: str(data.payment_reference),
        transaction_amount: amountOf(data),
        transaction_currency: str(data.currency),
        transaction_message: str(data.bank_message),
        api: {
          optional1: str(data.optional1),
          optional2: str(data.optional2),
          optional3: str(data.optional3),
          customer_email: str(data.customer_email),
          customer_mobile: str(data.customer_mobile),
          card_last_four: str(data.card_last_four),
        },
      },
    },
  };
}

/**
 * The body bytes to sign and send for a foloosi endpoint, from the event's stored `data` JSON text.
 * Compact JSON: whitespace is not part of the shape, and compact bodies are what the signature covers.
 */
export function foloosiBody(type: string, dataJson: string): string {
  const data = JSON.parse(dataJson) as unknown;
  const record =
    data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  return JSON.stringify(foloosiPayload(type, record));
}
