/**
 * The circuit breaker of an endpoint, as one pure step both stores run when recording results (the
 * state lives in the endpoints table, so every dispatcher shares it):
 *
 *   from        on                                                   to
 *   closed      a failure, the `failures`-th in a row                open (next probe after the cool-down)
 *   open        the cool-down ended: the claim lets one delivery by  half_open (store claim statements)
 *   half_open   the probe succeeded                                  closed (what waited is due now)
 *   half_open   the probe failed                                     open, the cool-down doubled (to the max)
 *   any         a success                                            closed, count and failing_since reset
 *   any         failing with no success for `disableAfterMs`         (the endpoint is disabled: `failing`)
 *
 * While open (and half_open), the claim skips the endpoint and its waiting deliveries are moved to the
 * next probe: they keep their attempts. This replaces the dispatcher's old per-process hold-back of
 * failing endpoints (governor.ts keeps only the adaptive concurrency, which is per-process by nature).
 */
import type { CircuitPolicy, CircuitState, EndpointTransition } from './types.js';
import type { EndpointId, MerchantId } from '../ids.js';

export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = {
  failures: 5,
  cooldownMs: 30_000,
  cooldownMaxMs: 3_600_000,
  disableAfterMs: 5 * 86_400_000,
};

/** The circuit columns of an endpoint enabled again: closed, nothing counted. */
export const CIRCUIT_RESET = {
  circuit_state: 'closed' as CircuitState,
  circuit_failures: 0,
  circuit_opens: 0,
  circuit_next_probe_at: null,
  failing_since: null,
};

/** An endpoint's circuit columns. */
export interface CircuitRow {
  id: EndpointId;
  merchant_id: MerchantId;
  disabled: boolean;
  circuit_state: CircuitState;
  circuit_failures: number;
  circuit_opens: number;
  circuit_next_probe_at: number | null;
  failing_since: number | null;
}

export interface CircuitStep {
  row: CircuitRow;
  transitions: EndpointTransition[];
  /** Move the endpoint's waiting deliveries to `row.circuit_next_probe_at`. */
  hold: boolean;
  /** Make the endpoint's waiting deliveries due now (the circuit closed). */
  release: boolean;
  /** Disable the endpoint (`failing`) and let its deliveries wait. */
  disable: boolean;
}

/** Applies one batch's reports (in order) for one endpoint. */
export function stepCircuit(
  before: CircuitRow,
  reports: readonly { kind: 'success' | 'failure'; at: number }[],
  policy: CircuitPolicy,
  now: number,
): CircuitStep {
  const row = { ...before };
  const step: CircuitStep = { row, transitions: [], hold: false, release: false, disable: false };
  const fact = (kind: EndpointTransition['kind'], extra: Partial<EndpointTransition> = {}) =>
    step.transitions.push({
      kind,
      endpointId: row.id,
      merchantId: row.merchant_id,
      at: now,
      failingSince: row.failing_since,
      nextProbeAt: row.circuit_next_probe_at,
      ...extra,
    });
  for (const r of reports) {
    if (r.kind === 'success') {
      if (row.circuit_state !== 'closed') {
        row.circuit_state = 'closed';
        row.circuit_next_probe_at = null;
        step.release = true;
        step.hold = false;
        fact('circuit_closed');
      }
      row.circuit_failures = 0;
      row.circuit_opens = 0;
      row.failing_since = null;
      continue;
    }
    row.circuit_failures++;
    row.failing_since ??= r.at;
    const reopen = row.circuit_state === 'half_open';
    if (reopen || (row.circuit_state === 'closed' && row.circuit_failures >= policy.failures)) {
      const cooldown = Math.min(policy.cooldownMs * 2 ** Math.min(row.circuit_opens, 30), policy.cooldownMaxMs);
      row.circuit_opens++;
      row.circuit_state = 'open';
      row.circuit_next_probe_at = now + cooldown;
      step.hold = true;
      step.release = false;
      // A failed probe re-opens quietly: the merchant heard `circuit_opened` when it first opened.
      if (!reopen) fact('circuit_opened');
    }
  }
  if (!row.disabled && row.failing_since !== null && now - row.failing_since >= policy.disableAfterMs) {
    row.disabled = true;
    step.disable = true;
    step.hold = false;
    step.release = false;
    fact('disabled', { reason: 'failing' });
  }
  return step;
}

/** The reports of a batch of results, grouped by endpoint in batch order. */
export function circuitReports(
  results: readonly { endpointId?: EndpointId; circuit?: 'success' | 'failure'; startedAt: number }[],
): Map<EndpointId, { kind: 'success' | 'failure'; at: number }[]> {
  const out = new Map<EndpointId, { kind: 'success' | 'failure'; at: number }[]>();
  for (const r of results) {
    if (!r.circuit || !r.endpointId) continue;
    let list = out.get(r.endpointId);
    if (!list) {
      list = [];
      out.set(r.endpointId, list);
    }
    list.push({ kind: r.circuit, at: r.startedAt });
  }
  return out;
}
