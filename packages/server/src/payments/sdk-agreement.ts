/**
 * The SDK's payment event types, pinned to the server's one definition of each shape (events.ts,
 * refund-events.ts) at compile time: `npm run typecheck` fails when they drift. The SDK cannot import
 * the server's tables (it is published on its own, with no dependencies), so the agreement is checked
 * here, where both are in view; its runtime guard (`isPaymentEvent`) is checked against every schema
 * and real events by test/payments/event-shape.test.ts.
 *
 * What must hold: every event the server emits is a value of the SDK's types (a receiver typed with the
 * SDK can read all of it), and the SDK names no field, type or status the server never sends.
 */
import type {
  OrderStatus as SdkOrderStatus,
  PaymentEventData as SdkData,
  PaymentEventType as SdkType,
  RefundEventData as SdkRefundData,
  RefundStatus as SdkRefundStatus,
  TransactionStatus as SdkStatus,
} from '@payhook/sdk';
import type { EventTransactionStatus, PaymentEventData } from './events.js';
import type { ModuleEventType, RefundEventData } from './refund-events.js';
import type { OrderStatus, RefundStatus } from './state.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

export type SdkAgreement = [
  Holds<PaymentEventData extends SdkData ? true : false>,
  Holds<Same<keyof PaymentEventData, keyof SdkData>>,
  Holds<RefundEventData extends SdkRefundData ? true : false>,
  Holds<Same<keyof RefundEventData, keyof SdkRefundData>>,
  Holds<Same<ModuleEventType, SdkType>>,
  Holds<Same<EventTransactionStatus, SdkStatus>>,
  Holds<Same<RefundStatus, SdkRefundStatus>>,
  Holds<Same<OrderStatus, SdkOrderStatus>>,
];
