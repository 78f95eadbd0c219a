/**
 * Event versions: the table of every change to the shape of an event's envelope and `data`, and the
 * rendering of a stored event in any of them.
 *
 * An event is stored once, in one internal shape: the oldest version's (the envelope bytes built at
 * ingest, store/envelope.ts). Each endpoint has an `api_version` (a date); a delivery renders the stored
 * event up to the endpoint's version in the attempt, before signing, by running each later version's
 * `upgrade` in order:
 *
 *   stored envelope (OLDEST) ─upgrade(2026-12-05)─► … ─upgrade(v)─► the body an endpoint of v receives
 *
 * An endpoint of the oldest version receives the stored bytes as they are (no parse, no re-serialise),
 * so existing endpoints, migrated to the oldest version (migration 0008), see nothing change. Upgrades
 * are pure and deterministic: every attempt of a delivery sends, and signs, the same bytes. Measured on
 * a payment event (~800 bytes, the 2-core dev machine, quiet): 0.14 µs for the oldest version (the
 * stored string), 10.6 µs for 2026-12-05 (parse `data`, upgrade, serialise; 16.7 µs when the whole
 * envelope was parsed), against milliseconds for the HTTP request it goes out in; so rendering stays
 * in the attempt rather than being stored per version.
 *
 * Adding a version: append a row (a later date than the last, its description, its changes, an
 * `upgrade` from the previous version's shape), then `npm run docs:versions` renders docs/versions.md
 * (a test checks it is current). A version is never changed or removed once released: endpoints pin it.
 *
 * Formats other than `standard` (the payment module's `foloosi`) are the shape of another provider,
 * fixed by that provider: they render from the stored data whatever the version (events/formats.ts).
 */

import { PayhookError } from '../errors.js';

/** An envelope as parsed JSON: `{id, type, timestamp, [api_version], data}`. */
export type Envelope = Record<string, unknown> & { data: unknown };

export interface ApiVersion {
  /** A date, `YYYY-MM-DD`; versions sort by it. */
  version: string;
  /** One line: what this version is. */
  summary: string;
  /** Each change from the previous version, as a receiver meets it (markdown). */
  changes: readonly string[];
  /** The previous version's envelope to this version's. Absent only for the first version. */
  upgrade?: (envelope: Envelope) => Envelope;
  /**
   * Set when the version changes only `data` (and names itself in `api_version`): `upgrade` is then
   * made from it (`dataVersion`), and a delivery renders by parsing `data` alone (`renderVersion`).
   */
  upgradeData?: (data: unknown) => unknown;
  /**
   * The previous version's JSON Schema of an event's `data` to this version's, so the schemas
   * `GET /v1/event-types?api_version=` publishes describe what endpoints of it receive. Absent: unchanged.
   */
  upgradeSchema?: (schema: Schema) => Schema;
}

export type Schema = Record<string, unknown>;

const DECIMAL_RE = /^-?[0-9]+(\.[0-9]+)?$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const DECIMAL_SUFFIX = '_decimal';

/**
 * 2026-12-05's money rule, on one `data` object: every integer `X` with a sibling decimal string
 * `X_decimal` and a `currency` becomes `X: {value, minor, currency}` at `X`'s place, and `X_decimal`
 * goes. It holds for the payment module's events (`amount`, `amount_refunded`) and for any merchant
 * event written with the same convention; data without it passes unchanged.
 */
export function amountsAsObjects(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const d = data as Record<string, unknown>;
  const currency = d.currency;
  if (typeof currency !== 'string' || !CURRENCY_RE.test(currency)) return data;
  // On every delivery to an endpoint of this version, so written for speed (one pass over the keys to
  // find the pairs, a second only when there is one); the test checks it against the rule as written.
  const keys = Object.keys(d);
  let money: Set<string> | null = null;
  for (const k of keys) {
    if (!k.endsWith(DECIMAL_SUFFIX)) continue;
    const base = k.slice(0, -DECIMAL_SUFFIX.length);
    const dec = d[k];
    if (!Number.isSafeInteger(d[base]) || typeof dec !== 'string' || !DECIMAL_RE.test(dec)) continue;
    money ??= new Set();
    money.add(base);
  }
  if (money === null) return data;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k.endsWith(DECIMAL_SUFFIX) && money.has(k.slice(0, -DECIMAL_SUFFIX.length))) continue;
    out[k] = money.has(k) ? { value: d[`${k}${DECIMAL_SUFFIX}`], minor: d[k], currency } : d[k];
  }
  return out;
}

/** `amountsAsObjects` for a JSON Schema of `data`: the same fields turn into the same objects. */
export function amountSchemasAsObjects(schema: Schema): Schema {
  const props = schema.properties as Record<string, Schema> | undefined;
  if (!props?.currency) return schema;
  const isInt = (s: Schema | undefined) =>
    s?.type === 'integer' || (Array.isArray(s?.type) && s.type.includes('integer'));
  const money = new Set(Object.keys(props).filter((k) => isInt(props[k]) && props[`${k}_decimal`]?.type === 'string'));
  if (money.size === 0) return schema;
  const isDecimal = (k: string) => k.endsWith('_decimal') && money.has(k.slice(0, -'_decimal'.length));
  const properties: Record<string, Schema> = {};
  for (const [k, v] of Object.entries(props)) {
    if (isDecimal(k)) continue;
    properties[k] = money.has(k)
      ? {
          type: 'object',
          additionalProperties: false,
          required: ['value', 'minor', 'currency'],
          description: v.description,
          properties: {
            value: { ...props[`${k}_decimal`], description: "The exact decimal, with the currency's decimal places." },
            minor: { ...v, description: 'Integer minor units.' },
            currency: props.currency,
          },
        }
      : v;
  }
  const out: Schema = { ...schema, properties };
  if (Array.isArray(schema.required)) out.required = (schema.required as string[]).filter((k) => !isDecimal(k));
  return out;
}

/** The envelope with `api_version` after `timestamp` (key order: id, type, timestamp, api_version, data). */
function withApiVersion(e: Envelope, version: string): Envelope {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'api_version') continue;
    if (k === 'data') out.api_version = version;
    out[k] = v;
  }
  return out as Envelope;
}

/** A version that changes only `data`: its `upgradeData`, and the `upgrade` of the envelope made from it. */
function dataVersion(
  version: string,
  upgradeData: (data: unknown) => unknown,
): Pick<ApiVersion, 'upgrade' | 'upgradeData'> {
  return { upgradeData, upgrade: (e) => withApiVersion({ ...e, data: upgradeData(e.data) }, version) };
}

/** Every version, oldest first. The first is the stored shape. */
export const API_VERSIONS: readonly ApiVersion[] = [
  {
    version: '2026-11-27',
    summary: 'The first shape: the Standard Webhooks envelope with amounts as integers beside decimal strings.',
    changes: [
      'The envelope is `{"id","type","timestamp","data"}`.',
      'Amounts are two fields: `amount` (integer minor units) and `amount_decimal` (the exact decimal string), with `currency` beside them (also `amount_refunded` and `amount_refunded_decimal` in refund events).',
    ],
  },
  {
    version: '2026-12-05',
    summary: 'Amounts as objects, and the envelope names its version.',
    changes: [
      'The envelope carries `api_version` (between `timestamp` and `data`), so a receiver can tell which shape it holds.',
      'Every amount is one object, `{"value": "100.50", "minor": 10050, "currency": "AED"}`, at the integer field\'s place (`amount`, `amount_refunded`); the `*_decimal` fields are gone. `currency` stays in `data`.',
      'An event of your own takes the same change when its `data` follows the convention: an integer `X`, a decimal string `X_decimal` and a `currency`.',
    ],
    ...dataVersion('2026-12-05', amountsAsObjects),
    upgradeSchema: amountSchemasAsObjects,
  },
];

export const OLDEST_API_VERSION = API_VERSIONS[0].version;
export const LATEST_API_VERSION = API_VERSIONS[API_VERSIONS.length - 1].version;
export const API_VERSION_NAMES: readonly string[] = API_VERSIONS.map((v) => v.version);

export function isApiVersion(v: unknown): v is string {
  return typeof v === 'string' && API_VERSION_NAMES.includes(v);
}

/**
 * The version, checked: an unknown one is `unknown_api_version`, naming the known ones (a stable code,
 * not a schema failure, wherever a version is taken: an endpoint, a test webhook, a read).
 * `undefined` when none was given.
 */
export function checkApiVersion(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isApiVersion(value))
    throw new PayhookError('unknown_api_version', `api_version must be one of ${API_VERSION_NAMES.join(', ')}`, {
      field: 'api_version',
      versions: API_VERSION_NAMES,
    });
  return value;
}

/** A parsed envelope brought from the stored shape up to `version`. */
export function upgradeEnvelope(stored: Envelope, version: string): Envelope {
  const to = API_VERSION_NAMES.indexOf(version);
  if (to < 0) throw new Error(`unknown api version ${version}`);
  let e = stored;
  for (let i = 1; i <= to; i++) {
    const v = API_VERSIONS[i];
    e = v.upgrade ? v.upgrade(e) : e;
  }
  // Versions after the one that introduced `api_version` keep the field: it names the target.
  return 'api_version' in e ? withApiVersion(e, version) : e;
}

/**
 * The stored envelope text rendered in `version`. The oldest version is the stored bytes themselves.
 *
 * @example
 * renderVersion(body, '2026-12-05'); // '{"id":…,"timestamp":…,"api_version":"2026-12-05","data":{…}}'
 */
export function renderVersion(body: string, version: string): string {
  if (version === OLDEST_API_VERSION) return body;
  return renderDataOnly(body, version) ?? JSON.stringify(upgradeEnvelope(JSON.parse(body) as Envelope, version));
}

/** The envelope's fields before `data` as `buildEnvelope` writes them: strings JSON leaves unescaped. */
const HEAD_RE =
  /^\{"id":"[\x20\x21\x23-\x5b\x5d-\x7e]*","type":"[\x20\x21\x23-\x5b\x5d-\x7e]*","timestamp":"[\x20\x21\x23-\x5b\x5d-\x7e]*"(?:,"livemode":(?:true|false))?$/;
const DATA_MARK = ',"data":';

/**
 * `renderVersion` when every version up to `version` changes only `data` (all of them today): the
 * fields before `data` are copied as stored, and only `data` is parsed, upgraded and serialised. The
 * same bytes as parsing and serialising the whole envelope, since those fields are plain strings and a
 * boolean that JSON writes back as they are (HEAD_RE; anything else takes the general path); it
 * halves the cost of rendering an attempt (docs/performance.md, "Rendering a version: data alone").
 * Null when it does not apply (exported for its test).
 */
export function renderDataOnly(body: string, version: string): string | null {
  const steps = DATA_STEPS.get(version);
  if (!steps) return null;
  const at = body.indexOf(DATA_MARK);
  if (at < 0 || body.charCodeAt(body.length - 1) !== 0x7d) return null;
  const head = body.slice(0, at);
  if (!HEAD_RE.test(head)) return null;
  let data = JSON.parse(body.slice(at + DATA_MARK.length, -1)) as unknown;
  for (const step of steps) data = step(data);
  return `${head},"api_version":"${version}"${DATA_MARK}${JSON.stringify(data)}}`;
}

/** For each version reached by data-only steps from the stored shape: those steps, in order. */
const DATA_STEPS = new Map<string, ((data: unknown) => unknown)[]>();
{
  const steps: ((data: unknown) => unknown)[] = [];
  for (const v of API_VERSIONS.slice(1)) {
    if (!v.upgradeData) break;
    steps.push(v.upgradeData);
    DATA_STEPS.set(v.version, [...steps]);
  }
}

/** A JSON Schema of an event's `data` (the stored shape's) as it describes `version`'s. */
export function schemaInVersion(schema: Schema, version: string): Schema {
  const to = API_VERSION_NAMES.indexOf(version);
  if (to < 0) throw new Error(`unknown api version ${version}`);
  let s = schema;
  for (let i = 1; i <= to; i++) s = API_VERSIONS[i].upgradeSchema?.(s) ?? s;
  return s;
}

/** An event's `data` JSON text rendered in `version` (`GET /v1/events/{id}?api_version=`). */
export function renderDataVersion(data: string, version: string): string {
  if (version === OLDEST_API_VERSION) return data;
  return JSON.stringify(upgradeEnvelope({ data: JSON.parse(data) as unknown }, version).data);
}
