/**
 * The work every baseline does per delivery, written once so that no baseline does less than another:
 * build the envelope, sign it (HMAC-SHA256, Standard Webhooks headers), POST it through a keep-alive
 * undici pool (one per origin), read the response, and return what a log of the attempt would hold.
 * A non-2xx or a network error throws, so that each queue applies its own retry policy.
 */
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import type { BenchEndpoint, BenchEvent } from '../systems/types.js';
import { envelope } from './workload.js';

/** What a system records about one attempt. */
export interface AttemptRecord {
  eventId: string;
  endpoint: number;
  statusCode: number;
  startedAt: number;
  durationMs: number;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Decodes a `whsec_` secret into HMAC key bytes. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** `webhook-signature` value (one `v1,` entry) for a message. */
export function signV1(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

export interface SenderOptions {
  /** Connections per origin; requests beyond it wait in the pool. */
  connections: number;
  timeoutMs: number;
}

export class WebhookSender {
  private readonly pools: Pool[];
  private readonly paths: string[];
  private readonly keys: Buffer[];

  constructor(
    endpoints: readonly BenchEndpoint[],
    private readonly options: SenderOptions,
  ) {
    this.pools = [];
    this.paths = [];
    this.keys = [];
    const byOrigin = new Map<string, Pool>();
    for (const endpoint of endpoints) {
      const url = new URL(endpoint.url);
      let pool = byOrigin.get(url.origin);
      if (!pool) {
        pool = new Pool(url.origin, {
          connections: options.connections,
          pipelining: 1,
          keepAliveTimeout: 60_000,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        byOrigin.set(url.origin, pool);
      }
      this.pools[endpoint.index] = pool;
      this.paths[endpoint.index] = url.pathname + url.search;
      this.keys[endpoint.index] = secretKey(endpoint.secret);
    }
  }

  /** Builds, signs and POSTs one event; resolves with the attempt, throws `DeliveryError` on failure. */
  async deliver(event: BenchEvent): Promise<AttemptRecord> {
    const body = envelope(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const startedAt = Date.now();
    const i = event.endpoint;
    let statusCode: number;
    try {
      const response = await this.pools[i].request({
        path: this.paths[i],
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'payhook-bench/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signV1(this.keys[i], event.id, timestamp, body),
        },
        body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        // One deadline for the whole attempt: a body dripping a byte a second never trips bodyTimeout,
        // which measures the gap between chunks (payhook has the same total deadline).
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      statusCode = response.statusCode;
      await response.body.dump();
    } catch (error) {
      throw new DeliveryError(`POST failed: ${(error as Error).message}`, null);
    }
    if (statusCode < 200 || statusCode >= 300) throw new DeliveryError(`endpoint answered ${statusCode}`, statusCode);
    return { eventId: event.id, endpoint: i, statusCode, startedAt, durationMs: Date.now() - startedAt };
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(this.pools)].map((pool) => pool.destroy()));
  }
}
