/**
 * Operational webhooks: what payhook tells a merchant (and the operator) about its endpoints and
 * deliveries, as events of the catalogue (docs/events.md#operational-events):
 *
 *   endpoint.disabled        410 Gone, failing for PAYHOOK_DISABLE_AFTER, or by hand
 *   endpoint.enabled         by hand (PATCH {"disabled": false}): what waited is sent now
 *   endpoint.circuit_opened  the circuit breaker stopped sending to it (store/circuit.ts)
 *   endpoint.circuit_closed  a probe succeeded: sending again
 *   delivery.exhausted       a delivery failed for good (its retries used up)
 *
 * For the merchant they are events like any other (stored, delivered, retried, signed with each
 * endpoint's secret), fanned out only to the merchant's endpoints that name them and never to the
 * endpoint they are about (store/fanout.ts). So they cannot loop: an endpoint's failures never produce
 * events it is sent, and a `delivery.exhausted` is not emitted for a delivery of an operational event.
 *
 * For the operator (PAYHOOK_OPERATOR_WEBHOOK_URL), every merchant's are posted at once by the process
 * that saw them, signed with PAYHOOK_OPERATOR_WEBHOOK_SECRET (Standard Webhooks, the `data` carrying
 * `merchant_id`), tried three times over a few seconds and then logged: the operator's channel is an
 * alerting feed beside the metrics, not a queue with payhook's delivery guarantee.
 */
import { createHmac } from 'node:crypto';
import { decodeSecret } from '@payhook/sdk';
import type { Logger } from 'pino';
import { ConfigError } from '../config/settings.js';
import { newId, type EndpointId, type MerchantId } from '../ids.js';
import { isLiveScope, merchantOfScope } from '../modes.js';
import { buildEnvelope } from '../store/envelope.js';
import { isOperationalType } from '../store/fanout.js';
import type { AttemptResult, ClaimedDelivery, EndpointTransition, NewEvent, Store } from '../store/types.js';

export interface OperatorWebhook {
  url: string;
  /** `whsec_…` */
  secret: string;
}

export interface OperationalOptions {
  store: Store;
  logger: Logger;
  operator: OperatorWebhook | null;
  userAgent: string;
  /** Delays between the operator webhook's tries (tests shorten them). */
  operatorRetryMs?: readonly number[];
}

const TRANSITION_TYPES = {
  disabled: 'endpoint.disabled',
  circuit_opened: 'endpoint.circuit_opened',
  circuit_closed: 'endpoint.circuit_closed',
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class OperationalEvents {
  private readonly operatorKey: Buffer | null;

  constructor(private readonly o: OperationalOptions) {
    if (o.operator) {
      let url: URL | null = null;
      try {
        url = new URL(o.operator.url);
      } catch {
        /* refused below */
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        throw new ConfigError('PAYHOOK_OPERATOR_WEBHOOK_URL: must be an absolute http(s) URL');
      if (!o.operator.secret)
        throw new ConfigError('PAYHOOK_OPERATOR_WEBHOOK_SECRET: required with PAYHOOK_OPERATOR_WEBHOOK_URL');
      try {
        this.operatorKey = decodeSecret(o.operator.secret);
      } catch {
        throw new ConfigError('PAYHOOK_OPERATOR_WEBHOOK_SECRET: must be whsec_ followed by base64');
      }
    } else this.operatorKey = null;
  }

  /** What recording results did to endpoints (Store.recordResults). */
  transitions(list: readonly EndpointTransition[]): void {
    if (list.length === 0) return;
    this.emit(
      list.map((t) => ({
        merchantId: t.merchantId,
        endpointId: t.endpointId,
        type: TRANSITION_TYPES[t.kind],
        at: t.at,
        data: {
          endpoint_id: t.endpointId,
          ...(t.kind === 'disabled' ? { reason: t.reason ?? 'failing' } : {}),
          failing_since: iso(t.failingSince),
          ...(t.kind === 'circuit_opened' ? { next_probe_at: iso(t.nextProbeAt) } : {}),
        },
      })),
    );
  }

  /** A merchant disabled or enabled an endpoint through the API. */
  changedByHand(merchantId: MerchantId, endpointId: EndpointId, disabled: boolean, at = Date.now()): void {
    this.emit([
      {
        merchantId,
        endpointId,
        type: disabled ? 'endpoint.disabled' : 'endpoint.enabled',
        at,
        data: disabled
          ? { endpoint_id: endpointId, reason: 'merchant', failing_since: null }
          : { endpoint_id: endpointId },
      },
    ]);
  }

  /** A delivery failed for good; none for a delivery of an operational event (no loops). */
  exhausted(d: ClaimedDelivery, r: AttemptResult): void {
    if (r.outcome !== 'failed' || r.disableEndpoint || isOperationalType(d.eventType)) return;
    this.emit([
      {
        merchantId: d.merchantId,
        endpointId: d.endpointId,
        type: 'delivery.exhausted',
        at: Date.now(),
        data: {
          delivery_id: d.id,
          event_id: d.eventId,
          event_type: d.eventType,
          endpoint_id: d.endpointId,
          attempts: r.attemptNo,
          last_status_code: r.statusCode,
          last_error: r.errorMessage,
        },
      },
    ]);
  }

  private emit(
    facts: { merchantId: MerchantId; endpointId: EndpointId; type: string; at: number; data: object }[],
  ): void {
    const events: NewEvent[] = facts.map((f) => {
      const id = newId('evt', f.at);
      const data = JSON.stringify(f.data);
      return {
        id,
        merchantId: f.merchantId,
        type: f.type,
        data,
        body: buildEnvelope(id, f.type, f.at, data, isLiveScope(f.merchantId)),
        idempotencyKey: null,
        createdAt: f.at,
        aboutEndpointId: f.endpointId,
      };
    });
    this.o.store
      .appendEvents(events)
      .catch((err) =>
        this.o.logger.error({ err, types: facts.map((f) => f.type) }, 'could not store operational events'),
      );
    if (this.o.operator) for (const f of facts) void this.toOperator(f);
  }

  private async toOperator(f: { merchantId: MerchantId; type: string; at: number; data: object }): Promise<void> {
    const op = this.o.operator!;
    const id = newId('evt', f.at);
    const body = buildEnvelope(
      id,
      f.type,
      f.at,
      JSON.stringify({ merchant_id: merchantOfScope(f.merchantId), ...f.data }),
      isLiveScope(f.merchantId),
    );
    const delays = this.o.operatorRetryMs ?? [1000, 4000];
    for (let attempt = 0; ; attempt++) {
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac('sha256', this.operatorKey!).update(`${id}.${ts}.`).update(body).digest('base64');
      try {
        const res = await fetch(op.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': this.o.userAgent,
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': `v1,${sig}`,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) return;
        if (attempt >= delays.length) throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        if (attempt >= delays.length) {
          this.o.logger.warn({ err, type: f.type, event_id: id }, 'the operator webhook could not be delivered');
          return;
        }
      }
      await new Promise((r) => setTimeout(r, delays[attempt]).unref());
    }
  }
}
