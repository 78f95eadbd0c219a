/**
 * Forms drawn from the API's own request schemas (the OpenAPI document the routes generate), so a field
 * added to `PATCH /v1/endpoints/{id}` appears in the dashboard's edit form with no dashboard change:
 * text for strings, a number box for integers, a checkbox for booleans, a select for enums, a
 * comma-separated box for lists of strings, and JSON for anything else. Reading the form back gives
 * the body to send: only the fields that changed from `current` (a PATCH touches nothing else).
 */
import type { FastifyInstance } from 'fastify';
import { esc, type Html, html, raw } from './html.js';

export interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: FieldSchema;
  description?: string;
  $ref?: string;
  [k: string]: unknown;
}

type Operation = { requestBody?: { content?: Record<string, { schema?: FieldSchema }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, FieldSchema> } };

function resolve(doc: Doc, s: FieldSchema | undefined): FieldSchema | undefined {
  if (s?.$ref?.startsWith('#/components/schemas/')) return doc.components?.schemas?.[s.$ref.slice(21)];
  return s;
}

/** The properties of an operation's JSON body, as the OpenAPI document states them. */
export function bodyFields(app: FastifyInstance, path: string, method: string): [string, FieldSchema][] {
  const doc = (app as unknown as { swagger(): Doc }).swagger();
  const op = doc.paths[path]?.[method];
  const schema = resolve(doc, op?.requestBody?.content?.['application/json']?.schema);
  return Object.entries((schema?.properties ?? {}) as Record<string, FieldSchema>).map(([k, v]) => [
    k,
    resolve(doc, v) ?? {},
  ]);
}

const types = (s: FieldSchema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);
const kind = (s: FieldSchema): 'enum' | 'boolean' | 'integer' | 'number' | 'string' | 'list' | 'json' => {
  const t = types(s).filter((x) => x !== 'null');
  if (s.enum) return 'enum';
  if (t.length === 1 && (t[0] === 'boolean' || t[0] === 'integer' || t[0] === 'number' || t[0] === 'string'))
    return t[0];
  if (t.length === 1 && t[0] === 'array' && types(s.items ?? {}).includes('string')) return 'list';
  return 'json';
};

/** A schema description as help text: escaped, with its `code` spans shown as code. */
export function helpText(description: string): Html {
  return raw(esc(description).replace(/`([^`]+)`/g, '<code>$1</code>'));
}

/**
 * `labels` names a field otherwise than its name with spaces (`ordered` reads "ordered delivery").
 * `choices` turns a string field into a select of known values where the schema deliberately takes any
 * string (`api_version`: an unknown one must reach the API to be `unknown_api_version`, so it is no enum).
 */
export function fieldInputs(
  fields: [string, FieldSchema][],
  current: Record<string, unknown>,
  choices: Record<string, readonly string[]> = {},
  labels: Record<string, string> = {},
): Html[] {
  return fields.map(([name, given]) => {
    const known = choices[name];
    const v0 = current[name];
    const s =
      known && kind(given) === 'string'
        ? { ...given, enum: typeof v0 === 'string' && !known.includes(v0) ? [...known, v0] : [...known] }
        : given;
    const v = current[name];
    const id = `f-${name}`;
    const help = s.description ? html`<small id="${id}-help">${helpText(s.description)}</small>` : html``;
    const described = s.description ? raw(` aria-describedby="${id}-help"`) : raw('');
    const label = labels[name] ?? name.replace(/_/g, ' ');
    const lbl = html`<label for="${id}">${label}</label>`;
    switch (kind(s)) {
      case 'boolean':
        return html`<div class="field"><input type="hidden" name="${name}" value="false"><span class="check"><input type="checkbox" id="${id}" name="${name}" value="true"${v === true ? raw(' checked') : ''}${described}> ${lbl}</span>${help}</div>`;
      case 'enum':
        return html`<div class="field">${lbl}<select id="${id}" name="${name}"${described}>${v === undefined || v === null ? html`<option value=""></option>` : ''}${(
          s.enum ?? []
        ).map((o) => html`<option${o === v ? raw(' selected') : ''}>${String(o)}</option>`)}</select>${help}</div>`;
      case 'integer':
      case 'number':
        return html`<div class="field">${lbl}<input type="number" id="${id}" name="${name}" value="${v ?? ''}"${described}>${help}</div>`;
      case 'string':
        return html`<div class="field">${lbl}<input id="${id}" name="${name}" value="${v ?? ''}"${described}>${help}</div>`;
      case 'list':
        return html`<div class="field">${lbl}<input id="${id}" name="${name}" value="${Array.isArray(v) ? v.join(', ') : ''}"${described}>${help}<small>comma-separated</small></div>`;
      default:
        return html`<div class="field">${lbl}<textarea id="${id}" name="${name}" rows="3"${described}>${v === undefined ? '' : JSON.stringify(v, null, 1)}</textarea>${help}<small>JSON</small></div>`;
    }
  });
}

/**
 * The body a submitted form means: each field parsed by its schema, left out when empty (create) or
 * equal to `current` (edit). A JSON field that does not parse is sent as its text, for the API to refuse
 * with its own error.
 */
export function formBody(
  fields: [string, FieldSchema][],
  form: Record<string, string>,
  current: Record<string, unknown> | null,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, s] of fields) {
    if (!(name in form)) continue;
    const text = form[name].trim();
    const nullable = types(s).includes('null');
    // `retry_schedule` takes seconds or durations: "30" read back is the integer the API shows.
    const integerItems = types(s.items ?? {}).includes('integer');
    let value: unknown;
    switch (kind(s)) {
      case 'boolean':
        value = text === 'true';
        break;
      case 'integer':
      case 'number':
        value = text === '' ? (nullable && current ? null : undefined) : Number(text);
        break;
      case 'list':
        value =
          text === '' // empty: null where the field takes it (event_types: every type), never [] by accident
            ? !current
              ? undefined
              : nullable
                ? null
                : []
            : text
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean)
                .map((x) => (integerItems && /^\d+$/.test(x) ? Number(x) : x));
        break;
      case 'json':
        if (text === '') value = undefined;
        else
          try {
            value = JSON.parse(text);
          } catch {
            value = text;
          }
        break;
      default:
        value = text === '' ? (nullable && current ? null : undefined) : text;
    }
    if (value === undefined) continue;
    if (current && JSON.stringify(current[name] ?? null) === JSON.stringify(value)) continue;
    body[name] = value;
  }
  return body;
}
