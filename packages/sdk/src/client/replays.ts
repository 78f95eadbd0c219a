/** `client.replays`: the progress of bulk replays (started with `client.endpoints.replay`). */
import { type ApiContext, seg } from './transport.js';
import type { Replay } from './types/replays.js';

export type ReplaysApi = ReturnType<typeof replaysApi>;

export function replaysApi(api: ApiContext) {
  return {
    /** @example const r = await client.replays.get('rpl_01J…'); */
    get: (id: string): Promise<Replay> => api.request('GET', `/v1/replays/${seg(id)}`),
  };
}
