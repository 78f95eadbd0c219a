/**
 * The events every system gets: the same payment event data, the same body size, spread the same way
 * over the endpoints. Events are made on demand, chunk by chunk, so 1,000,000 of them never sit in memory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { BenchEvent, PaymentEventData } from '../systems/types.js';
import { now } from './clock.js';

/** A `whsec_` secret (32 random bytes), as payhook makes them. */
export function makeSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A short run token, safe in queue names and PostgreSQL identifiers. */
export function makeRunId(): string {
  return Date.now().toString(36) + randomBytes(3).toString('hex');
}

const EVENT_TYPES = ['transaction.success', 'order.success'] as const;

/** The data of one payment event, modelled on the provider's success sample (see shared/seed). */
export function paymentData(n: number, t0: number): PaymentEventData {
  const amount = 10_000 + (n % 90_000);
  return {
    order_id: `ord_01JD${n.toString(36).padStart(22, '0')}`,
    transaction_id: `txn_01JD${n.toString(36).padStart(22, '0')}`,
    reference: `SHOP-ORDER-${String(n).padStart(9, '0')}`,
    transaction_no: `FLNIAREC${n.toString(16).padStart(13, '0')}`,
    payment_reference: randomUUID(),
    amount,
    amount_decimal: `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')}`,
    currency: 'AED',
    status: 'success',
    order_status: 'paid',
    bank_message: 'Approved: authorised by the issuing bank',
    customer_email: 'customer@example.com',
    customer_mobile: '555534533',
    card_last_four: '1111',
    optional1: 'FLSSUB_298617f8667047bb',
    optional2: 'Online Class: introduction to payment webhooks, evening cohort',
    optional3: 'Foloosi developer, merchant account MER-000042',
    sequence: 1 + (n % 4),
    bench_t0: t0,
  };
}

/** Event number `n` of a run, routed round-robin to one of `endpointCount` endpoints. */
export function makeEvent(runId: string, n: number, endpointCount: number, t0 = now()): BenchEvent {
  return {
    id: `evt_${runId}${n.toString(36).padStart(6, '0')}`,
    type: EVENT_TYPES[n % 2],
    createdAt: new Date(t0).toISOString(),
    endpoint: n % endpointCount,
    data: paymentData(n, t0),
  };
}

/** The Standard Webhooks envelope for an event: the exact bytes that are signed and sent. */
export function envelope(event: BenchEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, timestamp: event.createdAt, data: event.data });
}

/** The body of a `POST /v1/events` request that creates such an event (used by the ingest scenario). */
export function createEventRequestBody(): string {
  const data: Partial<PaymentEventData> = paymentData(1, 0);
  delete data.bench_t0;
  // A merchant type with the payment data's shape and size: payhook's own types are refused on
  // POST /v1/events (400 reserved_event_type), only the payment module emits them.
  return JSON.stringify({ type: 'shop.payment_recorded', data });
}
