/**
 * Amounts as the client wrote them. `JSON.parse` turns `10000.0000000000000001` into 10000 and
 * `9007199254740993` into 9007199254740992 before any check can see the difference, so a route that
 * takes an amount reads the JSON number's own text from the request body (which the API's JSON parser
 * keeps, `bodyTextOf`) and checks that text, exactly (`parseMinorAmount`).
 *
 * The body has been parsed already when a handler runs, so the text is valid JSON: this is a scanner of
 * valid JSON, not a validator. It reads one top-level member and skips everything else, including
 * strings that merely contain the member's name and objects nested below the top.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\uFEFF']);

function skipWhitespace(text: string, i: number): number {
  let at = i;
  while (at < text.length && WHITESPACE.has(text[at])) at++;
  return at;
}

/** The index just after the string that opens at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  for (let at = i + 1; at < text.length; at++) {
    if (text[at] === '\\') at++;
    else if (text[at] === '"') return at + 1;
  }
  return text.length;
}

/** The index just after the value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let at = i; at < text.length; at++) {
      const d = text[at];
      if (d === '"') at = stringEnd(text, at) - 1;
      else if (d === '{' || d === '[') depth++;
      else if ((d === '}' || d === ']') && --depth === 0) return at + 1;
    }
    return text.length;
  }
  let at = i;
  while (at < text.length && !WHITESPACE.has(text[at]) && text[at] !== ',' && text[at] !== '}' && text[at] !== ']')
    at++;
  return at;
}

/**
 * The text of the number the top-level member `name` of a JSON object has, as written (the last such
 * member, as `JSON.parse` keeps the last of duplicate keys); undefined when the text is not an object,
 * has no such member, or its value is not a number. Member names are compared after their escapes are
 * decoded (`"\u0061mount"` is `amount`).
 *
 * @example
 * topLevelNumberText('{"amount":10000.0000000000000001,"currency":"AED"}', 'amount'); // '10000.0000000000000001'
 * topLevelNumberText('{"note":"amount: 5","amount":"5"}', 'amount');                  // undefined (a string)
 */
export function topLevelNumberText(json: string, name: string): string | undefined {
  let i = skipWhitespace(json, 0);
  if (json[i] !== '{') return undefined;
  let found: string | undefined;
  i = skipWhitespace(json, i + 1);
  while (json[i] === '"') {
    const keyEnd = stringEnd(json, i);
    const key = JSON.parse(json.slice(i, keyEnd)) as string;
    const start = skipWhitespace(json, skipWhitespace(json, keyEnd) + 1); // past the ':'
    const end = valueEnd(json, start);
    if (key === name) found = /^[-0-9]$/.test(json[start] ?? '') ? json.slice(start, end) : undefined;
    i = skipWhitespace(json, end);
    if (json[i] === ',') i = skipWhitespace(json, i + 1);
  }
  return found;
}

/**
 * The amount to check: the number's text as written when the parsed body holds a number there and the
 * text is at hand, else the parsed value itself (a string, null, absent: checked as it is).
 */
export function writtenAmount(bodyText: string | undefined, parsed: unknown, name = 'amount'): unknown {
  if (typeof parsed !== 'number' || bodyText === undefined) return parsed;
  return topLevelNumberText(bodyText, name) ?? parsed;
}
