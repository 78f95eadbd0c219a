/** Dashboard sessions on PostgreSQL (store/dashboard-sessions.ts maps the rows, sealing the key). */
import { sessionParams, toDashboardSession, type DashboardSessionRow } from '../dashboard-sessions.js';
import type { DashboardSessionRecord } from '../types.js';
import type { PostgresCore } from './core.js';

export async function createDashboardSession(c: PostgresCore, s: DashboardSessionRecord): Promise<boolean> {
  await c.db.run('dashboard_session_prune', { now: s.createdAt }, { idempotent: true });
  // Not idempotent: a retried insert that had committed would read as a used link.
  const rows = await c.db.run('dashboard_session_insert', sessionParams(c.box, s), { idempotent: false });
  return rows.length === 1;
}

export async function getDashboardSession(
  c: PostgresCore,
  idHash: string,
  now: number,
): Promise<DashboardSessionRecord | null> {
  const [row] = await c.db.run<DashboardSessionRow>(
    'dashboard_session_get',
    { id_hash: idHash, now },
    { idempotent: true },
  );
  return row ? toDashboardSession(c.box, row) : null;
}

export async function deleteDashboardSession(c: PostgresCore, idHash: string): Promise<void> {
  await c.db.run('dashboard_session_delete', { id_hash: idHash }, { idempotent: true });
}
