/**
 * The JSON shapes of payhook's management API (snake_case, as on the wire), one file a resource; this one
 * holds paging, shared by every list. Times are ISO 8601 strings, amounts integer minor units, ids prefixed.
 */

/**
 * One page of a list: `next_cursor` is `null` on the last page.
 *
 * @example
 * const page: Page<ApiEvent> = await client.events.list({ limit: 100 });
 * if (page.next_cursor) await client.events.list({ cursor: page.next_cursor });
 */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Paging options of every list.
 *
 * @example
 * await client.endpoints.list({ limit: 250 });
 */
export interface ListParams {
  /** 1–250, default 50. */
  limit?: number;
  cursor?: string;
}
