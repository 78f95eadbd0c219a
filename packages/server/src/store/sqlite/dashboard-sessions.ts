/** Dashboard sessions on SQLite (store/dashboard-sessions.ts maps the rows, sealing the key). */
import { sessionParams, toDashboardSession, type DashboardSessionRow } from '../dashboard-sessions.js';
import type { DashboardSessionRecord } from '../types.js';
import type { SqliteCore } from './core.js';

export async function createDashboardSession(c: SqliteCore, s: DashboardSessionRecord): Promise<boolean> {
  const params = sessionParams(c.box, s);
  return c.transaction(() => {
    c.stmt('dashboard_session_prune').run({ now: s.createdAt });
    return c.stmt('dashboard_session_insert').run(params).changes === 1;
  });
}

export async function getDashboardSession(
  c: SqliteCore,
  idHash: string,
  now: number,
): Promise<DashboardSessionRecord | null> {
  const row = c.stmt('dashboard_session_get').get({ id_hash: idHash, now }) as DashboardSessionRow | undefined;
  return row ? toDashboardSession(c.box, row) : null;
}

export async function deleteDashboardSession(c: SqliteCore, idHash: string): Promise<void> {
  c.stmt('dashboard_session_delete').run({ id_hash: idHash });
}
