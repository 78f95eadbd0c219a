// Shared fixtures for the SDK tests: signed webhooks, payment events, and servers on port 0.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, type PaymentEventData, type PaymentEventType } from '@payhook/sdk';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export function paymentData(overrides: Partial<PaymentEventData> = {}): PaymentEventData {
  return {
    order_id: 'ord_01JDTEST0000000000000000AA',
    transaction_id: 'txn_01JDTEST0000000000000000AA',
    reference: 'A-1001',
    transaction_no: 'FLNIAREC61a859e4a8977',
    payment_reference: 'e8807a6b-4496-4b4d-a101-7eec0cf60754',
    amount: 10000,
    amount_decimal: '100.00',
    currency: 'AED',
    status: 'success',
    order_status: 'paid',
    bank_message: 'approved',
    customer_email: 'customer@example.com',
    customer_mobile: '555534533',
    card_last_four: '1111',
    optional1: null,
    optional2: null,
    optional3: null,
    sequence: 1,
    ...overrides,
  };
}

let counter = 0;
/** A payment event envelope as payhook would send it. */
export function paymentEvent(type: PaymentEventType, data: Partial<PaymentEventData> = {}, id?: string) {
  return {
    id: id ?? `evt_TEST${String(++counter).padStart(22, '0')}`,
    type,
    timestamp: '2026-11-27T05:29:26.123Z',
    data: paymentData(data),
  };
}

/** Body and headers of a webhook, signed now (or at `timestamp`) with `secrets`. */
export function signed(
  event: { id: string } & Record<string, unknown>,
  secrets: string | string[] = SECRET,
  timestamp = Math.floor(Date.now() / 1000),
) {
  const body = JSON.stringify(event);
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  const signature = list.map((secret) => sign({ secret, id: event.id, timestamp, payload: body })).join(' ');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
  };
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** POSTs a webhook and returns status and parsed JSON body (or text). */
export async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}
