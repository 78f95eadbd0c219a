/** Query helpers shared by the list routes: cursors and times. */
import { PayhookError } from '../errors.js';
import type { IdPrefix } from '../ids.js';
import { decodeCursor } from '../store/cursor.js';

/**
 * Checks an opaque cursor before the store sees it: it must decode, and to an id of the listed kind,
 * so a cursor from another list is `invalid_cursor` instead of a silently wrong page.
 */
export function checkCursor(cursor: string | undefined, prefix: IdPrefix): string | undefined {
  if (cursor === undefined) return undefined;
  let id: string | null;
  try {
    id = decodeCursor(cursor);
  } catch {
    id = null;
  }
  if (id === null || !id.startsWith(`${prefix}_`))
    throw new PayhookError('invalid_cursor', 'cursor is not one this list returned', { field: 'cursor' });
  return cursor;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * An ISO 8601 time as unix ms: a date (`2026-11-27`, midnight UTC) or a date and time with a zone
 * (`2026-11-27T05:29:26Z`, `…+04:00`). A time without a zone is refused: guessing the server's zone
 * would shift every answer by hours without anyone noticing.
 */
export function parseTime(text: string, field: string): number {
  const ms = ISO_RE.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) {
    throw new PayhookError(
      'validation_failed',
      `${field} must be an ISO 8601 time with a zone, like 2026-11-27T05:29:26Z`,
      { field, reason: 'not an ISO 8601 time' },
    );
  }
  return ms;
}
