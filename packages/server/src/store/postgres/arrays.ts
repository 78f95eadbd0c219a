/**
 * Array parameters as PostgreSQL array literals, written by `JSON.stringify`.
 *
 * payhook passes its batches as parallel arrays (an append's ids, merchants, types and bodies, a result
 * batch's columns: `unnest(@ids::text[], …)`). node-postgres turns a JS array into an array literal in
 * JavaScript, two regular-expression replaces and a string concatenation per element; for an append of
 * 1,000 payment events (their envelope bodies, ~650 bytes each and full of quotes) that took 21–31 ms
 * of the event loop, against 5–7 ms this way (docs/performance.md, "Array parameters written by
 * JSON.stringify"). PostgreSQL reads either in the same time.
 *
 * Why it is exact: inside a quoted array element PostgreSQL takes a backslash as "the next character
 * literally", so an element needs `"` and `\` escaped and nothing else; `JSON.stringify` escapes those two
 * the same way, and escapes nothing else except control characters (`\n`, `\u0001`, …) and lone
 * surrogates (`\ud800`), which PostgreSQL would read differently (`\n` as `n`). So the JSON text of an
 * array of strings, finite numbers and nulls, with its brackets made braces, is the array literal
 * whenever it holds none of those escapes (`null` unquoted is NULL in an array literal). When it does,
 * or an element is anything else (an object, a nested array, a Buffer, NaN), `arrayLiteral` declines and
 * node-postgres converts the array as before.
 */

/** A JSON escape PostgreSQL would read differently (`\"` and `\\` read the same; a false match only declines). */
const JSON_ONLY_ESCAPE = /\\[bfnrtu]/;

/** The array literal of `values`, or null when node-postgres should convert it (see the header). */
export function arrayLiteral(values: readonly unknown[]): string | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || typeof v === 'string') continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    return null;
  }
  const json = JSON.stringify(values);
  if (JSON_ONLY_ESCAPE.test(json)) return null;
  return `{${json.slice(1, -1)}}`;
}
