/**
 * Compiled with the client against freshly generated types, never run. Every `@ts-expect-error` line
 * must be a type error, so the check fails if the generated types lost their shape (paths typed as
 * `any`, `operations` an empty record) instead of passing vacuously.
 */
import type { operations } from '../src/payhook-api.js';
import { payhookClient } from '../src/client.js';

const client = payhookClient('http://127.0.0.1:8080', 'sk_example');

export async function misuse(): Promise<void> {
  // @ts-expect-error url is a string
  await client.POST('/v1/endpoints', { body: { url: 5 } });
  // @ts-expect-error no such path
  await client.GET('/v1/nothing');
  // @ts-expect-error status is pending, succeeded, failed or cancelled
  await client.GET('/v1/deliveries', { params: { query: { status: 'done' } } });
  // @ts-expect-error events.create needs data
  await client.POST('/v1/events', { body: { type: 'order.success' } });
  // @ts-expect-error the path parameter is required
  await client.POST('/v1/deliveries/{id}/retry', { body: {} });
}

// Operations are named by their operationId.
type Outcome = operations['orders.pay']['responses'][201]['content']['application/json']['outcome'];
export const paid: Outcome = 'success';
// @ts-expect-error not an outcome payhook answers
export const unknownOutcome: Outcome = 'maybe';
export type RetryAnswer = operations['deliveries.retry']['responses'][202]['content']['application/json']['status'];
