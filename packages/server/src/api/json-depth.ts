/**
 * The nesting depth of a JSON text, measured on the text before it is parsed: one pass over the
 * characters, skipping strings, no recursion. A body nested thousands deep parses, but everything that
 * walks it afterwards (validation, `JSON.stringify` when it is stored) recurses and would overflow the
 * stack, so such a body is refused before any of that runs (400 `too_deep`).
 */
export const MAX_JSON_DEPTH = 64;

/** True when `text` opens more than `limit` arrays/objects inside each other. */
export function exceedsDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
