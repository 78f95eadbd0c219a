/**
 * The API's JSON shapes of bulk replays of an endpoint's events (conventions in ./common.ts).
 */

/**
 * A bulk replay of an endpoint's events (`endpoints.replay`), run in the background.
 *
 * @example
 * const r: Replay = await client.replays.get('rpl_01J…');
 * console.log(`${r.done}/${r.total} ${r.state}`);
 */
export interface Replay {
  id: string;
  merchant_id: string;
  endpoint_id: string;
  since: string;
  until: string;
  types: string[] | null;
  status: 'failed' | 'all';
  recipients: 'original' | 'current';
  state: 'queued' | 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  requeued: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/**
 * The body of `endpoints.replay`.
 *
 * @example
 * await client.endpoints.replay('ep_01J…', { since: '2026-12-01T00:00:00Z', status: 'all' });
 */
export interface ReplayInput {
  since: string;
  until?: string;
  types?: string[];
  status?: 'failed' | 'all';
  recipients?: 'original' | 'current';
}
