/**
 * Opaque list cursors. A cursor is the last id of a page, base64url-encoded: ids sort by creation time,
 * so "after this id" is a stable position even while new rows arrive. Callers must treat it as opaque;
 * a cursor that does not decode to an id is refused with `invalid_cursor`.
 */
import { PayhookError } from '../errors.js';
import type { Page } from './types.js';

const ID_RE = /^[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}$/;

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!ID_RE.test(id)) throw new PayhookError('invalid_cursor');
  return id;
}

/** Turns `limit + 1` fetched rows into a page: the extra row only says that a next page exists. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(items[items.length - 1].id) };
}

/** Sorts above every id: the upper bound of a first page listed newest first. */
export const ID_MAX = '~';
/** Sorts below every id. */
export const ID_MIN = '';
