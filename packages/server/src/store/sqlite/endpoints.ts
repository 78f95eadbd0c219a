/** Endpoints on SQLite, with their signing secrets and headers sealed at rest (secrets/box.ts). */
import { OLDEST_API_VERSION } from '../../events/versions.js';
import { endpointQuotaExceeded } from '../../limits/errors.js';
import { SEALED_PREFIX } from '../../secrets/box.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type {
  Endpoint,
  EndpointPatch,
  EndpointSecret,
  ListOptions,
  NewEndpoint,
  Page,
  ResealCounts,
} from '../types.js';
import { CIRCUIT_RESET } from '../circuit.js';
import type { SqliteCore } from './core.js';
import { applyOrderingPatch } from './ordering.js';
import { toEndpoint, type EndpointRow } from './rows.js';

export async function createEndpoint(c: SqliteCore, e: NewEndpoint): Promise<Endpoint> {
  const row: EndpointRow = {
    id: e.id,
    merchant_id: e.merchantId,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes === null ? null : JSON.stringify(e.eventTypes),
    disabled: e.disabled ? 1 : 0,
    disabled_reason: e.disabled ? 'merchant' : null,
    headers: c.box.sealHeaders(e.headers),
    format: e.format,
    api_version: e.apiVersion ?? OLDEST_API_VERSION,
    payload_style: e.payloadStyle ?? 'snapshot',
    timeout_ms: e.timeoutMs,
    ordered: e.ordered ? 1 : 0,
    ordering_on_failure: e.orderingOnFailure ?? 'skip',
    rate_limit: e.rateLimit ?? null,
    retry_schedule: e.retrySchedule ? JSON.stringify(e.retrySchedule) : null,
    created_at: e.now,
    updated_at: e.now,
  };
  c.transaction(() => {
    if (
      e.maxPerMerchant !== undefined &&
      (c.stmt('endpoint_count_live').get({ merchant_id: e.merchantId }) as { n: number }).n >= e.maxPerMerchant
    ) {
      throw endpointQuotaExceeded(e.maxPerMerchant);
    }
    c.stmt('endpoint_insert').run(row);
    if (row.ordered || row.ordering_on_failure !== 'skip') c.stmt('endpoint_ordering_set').run(row);
    c.stmt('secret_insert').run({ endpoint_id: e.id, secret: c.box.sealSecret(e.secret), created_at: e.now });
  });
  return toEndpoint(row, c.box);
}

export async function getEndpoint(c: SqliteCore, merchantId: string, id: string): Promise<Endpoint | null> {
  const row = c.stmt('endpoint_get').get({ merchant_id: merchantId, id }) as EndpointRow | undefined;
  return row ? toEndpoint(row, c.box) : null;
}

export async function listEndpoints(c: SqliteCore, merchantId: string, o: ListOptions): Promise<Page<Endpoint>> {
  const rows = c.stmt('endpoint_page').all({
    merchant_id: merchantId,
    before: decodeCursor(o.cursor) ?? ID_MAX,
    limit: o.limit + 1,
  }) as EndpointRow[];
  return toPage(
    rows.map((r) => toEndpoint(r, c.box)),
    o.limit,
  );
}

export async function updateEndpoint(
  c: SqliteCore,
  merchantId: string,
  id: string,
  patch: EndpointPatch,
  now: number,
): Promise<Endpoint | null> {
  const out = c.transaction(() => {
    const row = c.stmt('endpoint_get').get({ merchant_id: merchantId, id }) as EndpointRow | undefined;
    if (!row) return null;
    const next: EndpointRow = { ...row, updated_at: now };
    if (patch.url !== undefined) next.url = patch.url;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.eventTypes !== undefined)
      next.event_types = patch.eventTypes === null ? null : JSON.stringify(patch.eventTypes);
    if (patch.headers !== undefined) next.headers = c.box.sealHeaders(patch.headers);
    if (patch.format !== undefined) next.format = patch.format;
    if (patch.apiVersion !== undefined) next.api_version = patch.apiVersion;
    if (patch.payloadStyle !== undefined) next.payload_style = patch.payloadStyle;
    if (patch.timeoutMs !== undefined) next.timeout_ms = patch.timeoutMs;
    if (patch.rateLimit !== undefined) next.rate_limit = patch.rateLimit;
    if (patch.retrySchedule !== undefined)
      next.retry_schedule = patch.retrySchedule === null ? null : JSON.stringify(patch.retrySchedule);
    if (patch.disabled !== undefined) {
      next.disabled = patch.disabled ? 1 : 0;
      next.disabled_reason = patch.disabled ? (row.disabled ? row.disabled_reason : 'merchant') : null;
      // Enabling starts the circuit afresh: the merchant says the endpoint is fixed.
      if (!patch.disabled && row.disabled) Object.assign(next, CIRCUIT_RESET);
    }
    c.stmt('endpoint_update').run(next);
    if (patch.ordered !== undefined || patch.orderingOnFailure !== undefined) {
      applyOrderingPatch(
        c,
        id,
        { ordered: Boolean(row.ordered), orderingOnFailure: row.ordering_on_failure },
        patch,
        now,
      );
      if (patch.ordered !== undefined) next.ordered = patch.ordered ? 1 : 0;
      if (patch.orderingOnFailure !== undefined) next.ordering_on_failure = patch.orderingOnFailure;
    }
    if (patch.disabled === true && !row.disabled) c.moves.start(id, { kind: 'park' });
    const enabled = patch.disabled === false && row.disabled;
    if (enabled) c.moves.start(id, { kind: 'unpark', now });
    return { endpoint: toEndpoint(next, c.box), enabled };
  });
  if (out?.enabled) c.notifyDue();
  return out?.endpoint ?? null;
}

export async function deleteEndpoint(c: SqliteCore, merchantId: string, id: string, now: number): Promise<boolean> {
  return c.transaction(() => {
    const changed = c.stmt('endpoint_delete').run({ merchant_id: merchantId, id, now }).changes > 0;
    // Its pending deliveries are cancelled in steps (endpoint-moves.ts), the first in this transaction.
    if (changed) c.moves.start(id, { kind: 'cancel', now });
    return changed;
  });
}

export async function getSigningSecrets(c: SqliteCore, endpointId: string, now: number): Promise<EndpointSecret[]> {
  const rows = c.stmt('secrets_signing').all({ endpoint_id: endpointId, now }) as {
    secret: string;
    created_at: number;
    expires_at: number | null;
  }[];
  return rows.map((r) => ({
    secret: c.box.openSecret(r.secret),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  }));
}

export async function rotateSecret(
  c: SqliteCore,
  merchantId: string,
  endpointId: string,
  secret: string,
  now: number,
  previousExpiresAt: number,
): Promise<boolean> {
  return c.transaction(() => {
    if (!c.stmt('endpoint_get').get({ merchant_id: merchantId, id: endpointId })) return false;
    c.stmt('secret_expire_current').run({ endpoint_id: endpointId, expires_at: previousExpiresAt });
    c.stmt('secret_insert').run({ endpoint_id: endpointId, secret: c.box.sealSecret(secret), created_at: now });
    return true;
  });
}

export async function resealSecrets(c: SqliteCore, options: { all: boolean; batch?: number }): Promise<ResealCounts> {
  const prefix = options.all ? c.box.currentPrefix : SEALED_PREFIX;
  const limit = options.batch ?? 500;
  const counts: ResealCounts = { secrets: 0, headers: 0 };
  // One short transaction per batch, so API writes and claims interleave with a long re-seal.
  for (let after = 0; ; ) {
    const rows = c.stmt('secrets_to_reseal').all({ prefix, after, limit }) as { seq: number; secret: string }[];
    if (rows.length === 0) break;
    c.transaction(() => {
      for (const r of rows) {
        const secret = c.box.sealSecret(c.box.openSecret(r.secret));
        counts.secrets += c.stmt('secret_reseal').run({ seq: r.seq, old: r.secret, secret }).changes;
      }
    });
    after = rows[rows.length - 1].seq;
  }
  for (let after = ''; ; ) {
    const rows = c.stmt('headers_to_reseal').all({ prefix, after, limit }) as { id: string; headers: string }[];
    if (rows.length === 0) break;
    c.transaction(() => {
      for (const r of rows) {
        const headers = c.box.sealHeaders(c.box.openHeaders(r.headers));
        counts.headers += c.stmt('headers_reseal').run({ id: r.id, old: r.headers, headers }).changes;
      }
    });
    after = rows[rows.length - 1].id;
  }
  return counts;
}
