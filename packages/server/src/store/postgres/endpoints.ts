/**
 * Endpoints on PostgreSQL, with their signing secrets and headers sealed at rest (secrets/box.ts).
 * Disabling and deleting take the merchant's endpoint lock exclusively (store.ts says why).
 */
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
import type { PostgresCore } from './core.js';
import { lockKey } from './db.js';
import { applyOrderingPatch } from './ordering.js';
import { toEndpoint, type EndpointRow } from './rows.js';

export async function createEndpoint(c: PostgresCore, e: NewEndpoint): Promise<Endpoint> {
  const row: EndpointRow = {
    id: e.id,
    merchant_id: e.merchantId,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    disabled: e.disabled,
    disabled_reason: e.disabled ? 'merchant' : null,
    headers: c.box.sealHeaders(e.headers),
    format: e.format,
    api_version: e.apiVersion ?? OLDEST_API_VERSION,
    payload_style: e.payloadStyle ?? 'snapshot',
    timeout_ms: e.timeoutMs,
    ordered: e.ordered ?? false,
    ordering_on_failure: e.orderingOnFailure ?? 'skip',
    rate_limit: e.rateLimit ?? null,
    retry_schedule: e.retrySchedule ?? null,
    created_at: e.now,
    updated_at: e.now,
  };
  const args = { ...endpointArgs(row), secret: c.box.sealSecret(e.secret) };
  const max = e.maxPerMerchant;
  const ordering = row.ordered || row.ordering_on_failure !== 'skip';
  const orderingArgs = { id: e.id, ordered: row.ordered, ordering_on_failure: row.ordering_on_failure };
  if (max === undefined && !ordering) await c.db.run('endpoint_insert', args, { idempotent: false });
  else if (max === undefined) {
    await c.db.transaction(
      async (tx) => {
        await tx.run('endpoint_insert', args);
        await tx.run('endpoint_ordering_set', orderingArgs);
      },
      { idempotent: false },
    );
  } else {
    // Count and insert under a per-merchant lock, so two creations cannot both take the last place.
    // Its own lock, not endpointLock: creating an endpoint need not hold back the merchant's appends.
    await c.db.transaction(
      async (tx) => {
        const [{ n }] = await tx.run<{ n: number }>('endpoint_count_live', { merchant_id: e.merchantId });
        if (n >= max) throw endpointQuotaExceeded(max);
        await tx.run('endpoint_insert', args);
        if (ordering) await tx.run('endpoint_ordering_set', orderingArgs);
      },
      { idempotent: false, lock: { exclusive: [lockKey(`endpoint-quota:${c.schema}:${e.merchantId}`)] } },
    );
  }
  return toEndpoint(row, c.box);
}

export async function getEndpoint(c: PostgresCore, merchantId: string, id: string): Promise<Endpoint | null> {
  const [row] = await c.db.run<EndpointRow>('endpoint_get', { merchant_id: merchantId, id }, { idempotent: true });
  return row ? toEndpoint(row, c.box) : null;
}

export async function listEndpoints(c: PostgresCore, merchantId: string, o: ListOptions): Promise<Page<Endpoint>> {
  const rows = await c.db.run<EndpointRow>(
    'endpoint_page',
    { merchant_id: merchantId, before: decodeCursor(o.cursor) ?? ID_MAX, limit: o.limit + 1 },
    { idempotent: true },
  );
  return toPage(
    rows.map((r) => toEndpoint(r, c.box)),
    o.limit,
  );
}

export async function updateEndpoint(
  c: PostgresCore,
  merchantId: string,
  id: string,
  patch: EndpointPatch,
  now: number,
): Promise<Endpoint | null> {
  return c.db
    .transaction(
      async (tx) => {
        const [row] = await tx.run<EndpointRow>('endpoint_get_for_update', { merchant_id: merchantId, id });
        if (!row) return null;
        const next: EndpointRow = { ...row, updated_at: now };
        if (patch.url !== undefined) next.url = patch.url;
        if (patch.description !== undefined) next.description = patch.description;
        if (patch.eventTypes !== undefined) next.event_types = patch.eventTypes;
        if (patch.headers !== undefined) next.headers = c.box.sealHeaders(patch.headers);
        if (patch.format !== undefined) next.format = patch.format;
        if (patch.apiVersion !== undefined) next.api_version = patch.apiVersion;
        if (patch.payloadStyle !== undefined) next.payload_style = patch.payloadStyle;
        if (patch.timeoutMs !== undefined) next.timeout_ms = patch.timeoutMs;
        if (patch.rateLimit !== undefined) next.rate_limit = patch.rateLimit;
        if (patch.retrySchedule !== undefined) next.retry_schedule = patch.retrySchedule;
        if (patch.disabled !== undefined) {
          next.disabled = patch.disabled;
          next.disabled_reason = patch.disabled ? (row.disabled ? row.disabled_reason : 'merchant') : null;
          // Enabling starts the circuit afresh: the merchant says the endpoint is fixed.
          if (!patch.disabled && row.disabled) Object.assign(next, CIRCUIT_RESET);
        }
        await tx.run('endpoint_update', endpointArgs(next));
        if (patch.ordered !== undefined || patch.orderingOnFailure !== undefined) {
          await applyOrderingPatch(tx, id, row, patch, now);
          if (patch.ordered !== undefined) next.ordered = patch.ordered;
          if (patch.orderingOnFailure !== undefined) next.ordering_on_failure = patch.orderingOnFailure;
        }
        if (patch.disabled === true && !row.disabled) await tx.run('deliveries_park_for_endpoint', { endpoint_id: id });
        let woken = 0;
        if (patch.disabled === false && row.disabled) {
          const [r] = await tx.run<{ n: number; notified: number }>('deliveries_unpark_for_endpoint', {
            endpoint_id: id,
            now,
            channel: c.wakeups.channelForTransaction(),
          });
          if (r.n > 0) woken = r.notified > 0 ? 2 : 1;
        }
        return { endpoint: toEndpoint(next, c.box), woken };
      },
      { idempotent: true, lock: patch.disabled === true ? { exclusive: [c.endpointLock(merchantId)] } : undefined },
    )
    .then((out) => {
      if (out && out.woken > 0) c.wakeups.madeDue(out.woken === 2);
      return out?.endpoint ?? null;
    });
}

export async function deleteEndpoint(c: PostgresCore, merchantId: string, id: string, now: number): Promise<boolean> {
  return c.db.transaction(
    async (tx) => {
      const deleted = await tx.run('endpoint_delete', { merchant_id: merchantId, id, now });
      if (deleted.length > 0) await tx.run('deliveries_cancel_for_endpoint', { endpoint_id: id, now });
      return deleted.length > 0;
    },
    { idempotent: false, lock: { exclusive: [c.endpointLock(merchantId)] } },
  );
}

export async function getSigningSecrets(c: PostgresCore, endpointId: string, now: number): Promise<EndpointSecret[]> {
  const rows = await c.db.run<{ secret: string; created_at: number; expires_at: number | null }>(
    'secrets_signing',
    { endpoint_id: endpointId, now },
    { idempotent: true },
  );
  return rows.map((r) => ({
    secret: c.box.openSecret(r.secret),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  }));
}

export async function rotateSecret(
  c: PostgresCore,
  merchantId: string,
  endpointId: string,
  secret: string,
  now: number,
  previousExpiresAt: number,
): Promise<boolean> {
  return c.db.transaction(
    async (tx) => {
      const [row] = await tx.run('endpoint_get_for_update', { merchant_id: merchantId, id: endpointId });
      if (!row) return false;
      await tx.run('secret_rotate', {
        endpoint_id: endpointId,
        secret: c.box.sealSecret(secret),
        now,
        expires_at: previousExpiresAt,
      });
      return true;
    },
    { idempotent: false },
  );
}

export async function resealSecrets(c: PostgresCore, options: { all: boolean; batch?: number }): Promise<ResealCounts> {
  const prefix = options.all ? c.box.currentPrefix : SEALED_PREFIX;
  const limit = options.batch ?? 500;
  const counts: ResealCounts = { secrets: 0, headers: 0 };
  // A transaction per batch; rows are locked (SKIP LOCKED), so processes starting together split the
  // work instead of sealing one row twice, and API writes wait for one batch at most.
  for (let after = 0; ; ) {
    const last = await c.db.transaction(
      async (tx) => {
        const rows = await tx.run<{ seq: number; secret: string }>('secrets_to_reseal', { prefix, after, limit });
        if (rows.length === 0) return null;
        await tx.run('secrets_reseal', {
          seqs: rows.map((r) => r.seq),
          secrets: rows.map((r) => c.box.sealSecret(c.box.openSecret(r.secret))),
        });
        counts.secrets += rows.length;
        return rows[rows.length - 1].seq;
      },
      { idempotent: true },
    );
    if (last === null) break;
    after = last;
  }
  for (let after = ''; ; ) {
    const last = await c.db.transaction(
      async (tx) => {
        const rows = await tx.run<{ id: string; headers: string }>('headers_to_reseal', { prefix, after, limit });
        if (rows.length === 0) return null;
        await tx.run('headers_reseal', {
          ids: rows.map((r) => r.id),
          headers: rows.map((r) => c.box.sealHeaders(c.box.openHeaders(r.headers))),
        });
        counts.headers += rows.length;
        return rows[rows.length - 1].id;
      },
      { idempotent: true },
    );
    if (last === null) break;
    after = last;
  }
  return counts;
}

function endpointArgs(r: EndpointRow): Record<string, unknown> {
  return {
    id: r.id,
    merchant_id: r.merchant_id,
    url: r.url,
    description: r.description,
    event_types: r.event_types,
    disabled: r.disabled,
    disabled_reason: r.disabled_reason,
    headers: JSON.stringify(r.headers),
    format: r.format,
    api_version: r.api_version,
    payload_style: r.payload_style,
    timeout_ms: r.timeout_ms,
    rate_limit: r.rate_limit ?? null,
    retry_schedule: r.retry_schedule ?? null,
    circuit_state: r.circuit_state ?? 'closed',
    circuit_failures: r.circuit_failures ?? 0,
    circuit_opens: r.circuit_opens ?? 0,
    circuit_next_probe_at: r.circuit_next_probe_at ?? null,
    failing_since: r.failing_since ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
