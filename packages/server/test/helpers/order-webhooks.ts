/**
 * The payment webhooks a receiver got for one order, each verified with the endpoint's secret (the
 * standardwebhooks library, as a receiver in another stack would), in the order's sequence order. Waits
 * until `count` have arrived. Used by the payment API tests (api-payments, api-refunds).
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { Receiver } from './receiver.js';

export interface OrderWebhook {
  type: string;
  data: Record<string, any>;
}

export async function orderWebhooks(
  receiver: Receiver,
  path: string,
  secret: string,
  orderId: string,
  count: number,
): Promise<OrderWebhook[]> {
  const wh = new StandardWebhook(secret);
  const mine = () =>
    receiver
      .for(path)
      .map((r) => ({ r, body: JSON.parse(r.body) }))
      .filter((x) => x.body.data?.order_id === orderId);
  await receiver.waitFor(() => mine().length >= count, 10_000, `${count} webhooks for ${orderId}`);
  return mine()
    .map(({ r, body }) => {
      wh.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      });
      return { type: body.type as string, data: body.data as Record<string, any> };
    })
    .sort((x, y) => x.data.sequence - y.data.sequence);
}
