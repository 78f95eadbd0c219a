/** What several domains of the Store share: pages of a list, and the name of a payload format. */

/**
 * A payload format's name: `standard`, or one a module registered in the process's `FormatRegistry`
 * (events/formats.ts). The API checks it against that registry; the store keeps it as text.
 */
export type PayloadFormat = string;

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  nextCursor: string | null;
}

export interface ListOptions {
  limit: number;
  cursor?: string | null;
}
