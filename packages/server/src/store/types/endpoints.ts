/** The Store's endpoints: where a merchant's events go, with their signing secrets (sealed at rest). */
import type { EndpointId, MerchantId } from '../../ids.js';
import type { PayloadStyle } from '../../events/thin.js';
import type { ListOptions, Page, PayloadFormat } from './common.js';

/**
 * Why an endpoint is disabled: by the merchant through the API, because it answered 410 Gone, or
 * because it failed with no success for `PAYHOOK_DISABLE_AFTER`.
 */
export type EndpointDisabledReason = 'merchant' | 'gone' | 'failing';

/** The circuit breaker's state (delivery/circuit.ts draws its transitions). */
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface EndpointCircuit {
  state: CircuitState;
  /** When the current run of failures began (no success since); null while the endpoint succeeds. */
  failingSince: number | null;
  /** When an open circuit lets its next probe through; null while closed. */
  nextProbeAt: number | null;
}

/** What a failed delivery does to its ordering key: `skip` lets the next go, `hold` blocks the key. */
export type OrderingOnFailure = 'skip' | 'hold';

export interface Endpoint {
  id: EndpointId;
  merchantId: MerchantId;
  url: string;
  description: string;
  /** `null` means every event type; otherwise exact names and `prefix.*` wildcards. */
  eventTypes: string[] | null;
  disabled: boolean;
  /** Why the endpoint is disabled: `merchant` (by the API), `gone` (it answered 410) or `failing`. */
  disabledReason: EndpointDisabledReason | null;
  /** Deliveries per second across every dispatcher; null for no limit. */
  rateLimit: number | null;
  /** Delays in ms before retry 1..n; null for the server's schedule (PAYHOOK_RETRY_SCHEDULE). */
  retrySchedule: number[] | null;
  circuit: EndpointCircuit;
  headers: Record<string, string>;
  format: PayloadFormat;
  /** The event version it receives (events/versions.ts), a date such as `2026-12-05`. */
  apiVersion: string;
  /** `snapshot`: the event's data; `thin`: the kind and id of the object it is about (events/thin.ts). */
  payloadStyle: PayloadStyle;
  /** Per-attempt timeout in ms; `null` uses the server default. */
  timeoutMs: number | null;
  /** Deliveries that share an ordering key go out one at a time, in event order. */
  ordered: boolean;
  orderingOnFailure: OrderingOnFailure;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointSecret {
  secret: string;
  createdAt: number;
  /** `null` for the current secret; a rotated-out secret keeps signing until then. */
  expiresAt: number | null;
}

export interface NewEndpoint {
  id: EndpointId;
  merchantId: MerchantId;
  url: string;
  description: string;
  eventTypes: string[] | null;
  disabled: boolean;
  headers: Record<string, string>;
  format: PayloadFormat;
  /** Absent: the oldest version, as the migration gave every endpoint made before versions (the API
   * gives new endpoints the latest). */
  apiVersion?: string;
  /** Absent: `snapshot`. */
  payloadStyle?: PayloadStyle;
  timeoutMs: number | null;
  /** Default false and `skip`. */
  ordered?: boolean;
  orderingOnFailure?: OrderingOnFailure;
  rateLimit?: number | null;
  retrySchedule?: number[] | null;
  secret: string;
  now: number;
  /**
   * The most live (not deleted) endpoints the merchant may have, counting this one. When it has that
   * many already, nothing is stored and `createEndpoint` throws `endpoint_quota_exceeded`; concurrent
   * creations cannot both take the last place.
   */
  maxPerMerchant?: number;
}

export type EndpointPatch = Partial<
  Pick<
    Endpoint,
    | 'url'
    | 'description'
    | 'eventTypes'
    | 'disabled'
    | 'headers'
    | 'format'
    | 'apiVersion'
    | 'payloadStyle'
    | 'timeoutMs'
    | 'rateLimit'
    | 'retrySchedule'
    | 'ordered'
    | 'orderingOnFailure'
  >
>;

/** Rows sealed by `resealSecrets`. */
export interface ResealCounts {
  secrets: number;
  headers: number;
}

export interface EndpointStore {
  createEndpoint(endpoint: NewEndpoint): Promise<Endpoint>;
  getEndpoint(merchantId: MerchantId, id: EndpointId): Promise<Endpoint | null>;
  listEndpoints(merchantId: MerchantId, options: ListOptions): Promise<Page<Endpoint>>;
  /**
   * Disabling through a patch makes the endpoint's pending deliveries wait (nothing is cancelled or
   * failed; new events keep making deliveries that wait too); enabling makes what waited due now and
   * closes the circuit. Turning `ordered` off releases its keyed deliveries (they go unordered); turning
   * `orderingOnFailure` to `skip` releases held keys.
   */
  updateEndpoint(merchantId: MerchantId, id: EndpointId, patch: EndpointPatch, now: number): Promise<Endpoint | null>;
  /** Deletes the endpoint and cancels its pending deliveries; false when there was none. */
  deleteEndpoint(merchantId: MerchantId, id: EndpointId, now: number): Promise<boolean>;
  /** Secrets that sign at `now`: the current one first, then rotated-out ones not yet expired. */
  getSigningSecrets(endpointId: EndpointId, now: number): Promise<EndpointSecret[]>;
  /** Makes `secret` current; the previous current secret expires at `previousExpiresAt`. */
  rotateSecret(
    merchantId: MerchantId,
    endpointId: EndpointId,
    secret: string,
    now: number,
    previousExpiresAt: number,
  ): Promise<boolean>;
  /**
   * Seals stored signing secrets and header values under the current master key, in batches: with
   * `all` false only plaintext rows (the start-up migration), with `all` true every row not sealed under
   * the current key (a master-key rotation). Idempotent; safe while other processes run. Returns how
   * many rows it sealed.
   */
  resealSecrets(options: { all: boolean; batch?: number }): Promise<ResealCounts>;
}
