/**
 * The machinery of payhook's settings: a setting is a row of a table (its variable, default, bounds and
 * one line of documentation), a section is a record of settings, and `loadSections` turns a table, an
 * environment and typed overrides into a checked, nested configuration.
 *
 * The order is the point: the environment is parsed, the overrides (CLI flags, embedding code, tests)
 * are laid on top, and only then is every value checked, so a value set by code meets the same bounds
 * as one read from `PAYHOOK_*`. Modules declare their own sections with the same helpers (the payment
 * module's live beside it), so docs/configuration.md is rendered from one kind of table.
 */

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One setting. `parse` reads the variable's text; `check` judges any value, parsed or given by code. */
export interface Setting<T> {
  readonly env: string;
  readonly default: T;
  /** One line for docs/configuration.md. */
  readonly doc: string;
  /** The default and the accepted values as the docs show them. */
  readonly shown: string;
  readonly accepts: string;
  parse(text: string): T;
  /** The problem with `value` ("must be …"), or null. */
  check(value: unknown): string | null;
}

export type Section = Record<string, Setting<unknown>>;
export type Table = Record<string, Section>;

/** The configuration a table describes: `{ section: { key: value } }`. */
export type ConfigOf<T extends Table> = {
  [S in keyof T]: { [K in keyof T[S]]: T[S][K] extends Setting<infer V> ? V : never };
};

/** What overrides may set: any subset, at any depth. */
export type OverridesOf<T extends Table> = { [S in keyof T]?: Partial<ConfigOf<T>[S]> };

export type Env = Readonly<Record<string, string | undefined>>;

class Problem extends Error {}

function setting<T>(
  s: Omit<Setting<T>, 'check' | 'parse'> & { parse(text: string): T; check?(value: T): string | null },
  isType: (v: unknown) => v is T,
  typeName: string,
): Setting<T> {
  return {
    ...s,
    parse: s.parse,
    check: (value) => (isType(value) ? (s.check?.(value) ?? null) : `must be ${typeName}`),
  };
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isNumberOrNull = (v: unknown): v is number | null => v === null || isNumber(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `5s`, `30m`, `2h`, `1d`, or a bare number of milliseconds. */
export function parseDuration(text: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new ConfigError(`${name}: "${text}" is not a duration (examples: 250ms, 5s, 30m, 2h)`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

/** `90000` → `90s`, `86400000` → `1d`: durations in the docs as a person writes them. */
export function showDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The helpers each table is written with. */
export const define = {
  string(env: string, fallback: string, doc: string, rule?: { test: (v: string) => boolean; must: string }) {
    return setting<string>(
      {
        env,
        default: fallback,
        doc,
        shown: fallback === '' ? '(empty)' : fallback,
        accepts: rule ? rule.must.replace(/^must be /, '') : 'text',
        parse: (t) => t,
        check: (v) => (rule && !rule.test(v) ? rule.must : null),
      },
      isString,
      'a string',
    );
  },
  /** Unset (null) unless given; an empty variable counts as unset. */
  optionalString(env: string, doc: string, accepts = 'text') {
    return setting<string | null>(
      { env, default: null, doc, shown: '(unset)', accepts, parse: (t) => (t.trim() === '' ? null : t.trim()) },
      isStringOrNull,
      'a string or null',
    );
  },
  /** A whole number from `min` to `max`, or unset (null) unless given; an empty variable counts as unset. */
  optionalInt(env: string, min: number, max: number, doc: string) {
    const must = `must be a whole number from ${min} to ${max}`;
    return setting<number | null>(
      {
        env,
        default: null,
        doc,
        shown: '(unset)',
        accepts: `whole number, ${min} to ${max}`,
        parse: (t) => {
          if (t.trim() === '') return null;
          const n = Number(t);
          if (!Number.isInteger(n)) throw new Problem(must);
          return n;
        },
        check: (v) => (v === null || (Number.isInteger(v) && v >= min && v <= max) ? null : must),
      },
      isNumberOrNull,
      'a number or null',
    );
  },
  int(env: string, fallback: number, min: number, max: number, doc: string) {
    return setting<number>(
      {
        env,
        default: fallback,
        doc,
        shown: String(fallback),
        accepts: `whole number, ${min} to ${max}`,
        parse: (t) => {
          const n = Number(t);
          if (t.trim() === '' || !Number.isInteger(n))
            throw new Problem(`must be a whole number from ${min} to ${max}`);
          return n;
        },
        check: (v) =>
          Number.isInteger(v) && v >= min && v <= max ? null : `must be a whole number from ${min} to ${max}`,
      },
      isNumber,
      'a number',
    );
  },
  /** A fraction in [min, max). */
  fraction(env: string, fallback: number, min: number, max: number, doc: string) {
    return setting<number>(
      {
        env,
        default: fallback,
        doc,
        shown: String(fallback),
        accepts: `number from ${min} to below ${max}`,
        parse: (t) => {
          const n = Number(t);
          if (t.trim() === '' || !Number.isFinite(n)) throw new Problem(`must be from ${min} to below ${max}`);
          return n;
        },
        check: (v) => (v >= min && v < max ? null : `must be from ${min} to below ${max}`),
      },
      isNumber,
      'a number',
    );
  },
  /** Milliseconds, written as a duration (`250ms`, `5s`, `30m`, `2h`, `1d`). */
  duration(env: string, fallback: string, min: number, max: number, doc: string, must?: string) {
    const range = must ?? `must be from ${showDuration(min)} to ${showDuration(max)}`;
    return setting<number>(
      {
        env,
        default: parseDuration(fallback, env),
        doc,
        shown: fallback,
        accepts: `duration, ${showDuration(min)} to ${showDuration(max)}`,
        parse: (t) => parseDuration(t, env),
        check: (v) => (Number.isInteger(v) && v >= min && v <= max ? null : range),
      },
      isNumber,
      'a number of milliseconds',
    );
  },
  durations(env: string, fallback: readonly string[], doc: string, minLength = 0) {
    return setting<number[]>(
      {
        env,
        default: fallback.map((d) => parseDuration(d, env)),
        doc,
        shown: fallback.join(','),
        accepts: 'comma-separated durations',
        parse: (t) => splitList(t).map((d) => parseDuration(d, env)),
        check: (v) =>
          v.length < minLength
            ? `needs at least ${minLength} ${minLength === 1 ? 'delay' : 'delays'}`
            : v.some((d) => !Number.isInteger(d) || d < 0)
              ? 'must be durations of 0 or more'
              : null,
      },
      isNumberList,
      'a list of milliseconds',
    );
  },
  boolean(env: string, fallback: boolean, doc: string) {
    return setting<boolean>(
      {
        env,
        default: fallback,
        doc,
        shown: String(fallback),
        accepts: 'true or false',
        parse: (t) => {
          const v = t.trim().toLowerCase();
          if (v === 'true' || v === '1') return true;
          if (v === 'false' || v === '0') return false;
          throw new Problem('must be true or false');
        },
      },
      isBoolean,
      'true or false',
    );
  },
  oneOf<const V extends string>(
    env: string,
    values: readonly V[],
    fallback: V,
    doc: string,
    normalise = (t: string) => t,
  ) {
    const must = `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
    return setting<V>(
      {
        env,
        default: fallback,
        doc,
        shown: fallback,
        accepts: values.join(', '),
        parse: (t) => normalise(t.trim()) as V,
        check: (v) => ((values as readonly string[]).includes(v) ? null : must),
      },
      (v): v is V => typeof v === 'string',
      'a string',
    );
  },
  /** A comma-separated list, each item checked by `item` (which throws with the reason). */
  list(env: string, doc: string, accepts: string, item: (text: string) => void) {
    return setting<string[]>(
      {
        env,
        default: [],
        doc,
        shown: '(empty)',
        accepts,
        parse: splitList,
        check: (v) => {
          for (const entry of v) {
            try {
              item(entry);
            } catch (err) {
              return (err as Error).message;
            }
          }
          return null;
        },
      },
      isStringList,
      'a list of strings',
    );
  },
  /** A setting of its own kind (a module's map of keys, say). */
  custom<T>(
    s: Omit<Setting<T>, 'check'> & { check?(value: T): string | null },
    isType: (v: unknown) => v is T,
    typeName: string,
  ) {
    return setting<T>(s, isType, typeName);
  },
};

/** Variables that no longer do anything: refused with what replaced them, so nobody trusts them. */
export type Retired = Record<string, string>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads `table` from `env`, lays `overrides` on top, then checks every value. Throws `ConfigError`
 * naming the variable (and, for an override, its place in the config) on the first bad one.
 */
export function loadSections<T extends Table>(
  table: T,
  env: Env,
  overrides: OverridesOf<T> = {},
  retired: Retired = {},
): ConfigOf<T> {
  for (const [name, message] of Object.entries(retired)) {
    if (env[name] !== undefined) throw new ConfigError(`${name} ${message}`);
  }
  for (const [section, given] of Object.entries(overrides as Record<string, unknown>)) {
    if (!(section in table)) throw new ConfigError(`unknown configuration section "${section}"`);
    if (given !== undefined && !isPlainObject(given))
      throw new ConfigError(`configuration section "${section}" must be an object`);
    for (const key of Object.keys(given ?? {}))
      if (!(key in table[section])) throw new ConfigError(`unknown setting "${section}.${key}"`);
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, settings] of Object.entries(table)) {
    const given = ((overrides as Record<string, Record<string, unknown> | undefined>)[section] ?? {}) as Record<
      string,
      unknown
    >;
    const values: Record<string, unknown> = {};
    for (const [key, s] of Object.entries(settings)) {
      const raw = env[s.env];
      const fromEnv = raw !== undefined && raw !== '';
      let value: unknown;
      if (key in given && given[key] !== undefined) value = given[key];
      else if (fromEnv) {
        try {
          value = s.parse(raw);
        } catch (err) {
          if (err instanceof ConfigError) throw err;
          throw new ConfigError(`${s.env} ${(err as Error).message}; got "${raw}"`);
        }
      } else value = s.default;
      const problem = s.check(value);
      if (problem !== null) {
        const where = key in given ? `${section}.${key} (${s.env})` : s.env;
        const got = key in given ? JSON.stringify(value) : JSON.stringify(raw);
        throw new ConfigError(`${where} ${problem}; got ${got}`);
      }
      values[key] = value;
    }
    out[section] = values;
  }
  return out as ConfigOf<T>;
}

/** Lays override objects on top of each other, section by section (later ones win, key by key). */
export function mergeOverrides<T extends Table>(...parts: OverridesOf<T>[]): OverridesOf<T> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [section, values] of Object.entries(part as Record<string, Record<string, unknown> | undefined>)) {
      out[section] = { ...out[section], ...values };
    }
  }
  return out as OverridesOf<T>;
}
