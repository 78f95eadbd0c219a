/**
 * The PostgreSQL statements, from `sql/*.sql` (the same `-- name:` layout as SQLite's, loaded by
 * `sql-files.ts`). They are written with `@name` parameters, as SQLite's are, so a statement reads the
 * same in both dialects and callers pass objects, not positional lists; here each becomes `$n` once,
 * at load time. Comments are dropped first so a parameter named in a header does not count.
 */
import { arrayLiteral } from './arrays.js';
import { loadSqlFiles } from '../sql-files.js';

export interface Statement {
  /** The `-- name:`, also the prepared statement's name on each connection. */
  name: string;
  text: string;
  /** Parameter names in `$1…$n` order. */
  params: string[];
}

const PARAM = /@([a-z_][a-z0-9_]*)/g;

export function compile(name: string, sql: string): Statement {
  const body = sql
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n')
    .trim();
  const params: string[] = [];
  const text = body.replace(PARAM, (_, p: string) => {
    let i = params.indexOf(p);
    if (i < 0) {
      params.push(p);
      i = params.length - 1;
    }
    return `$${i + 1}`;
  });
  return { name, text, params };
}

export function loadStatements(dir: URL): Map<string, Statement> {
  const out = new Map<string, Statement>();
  for (const [name, sql] of Object.entries(loadSqlFiles(dir))) out.set(name, compile(name, sql));
  return out;
}

/**
 * The positional values of `s` from `args`; a missing one is a bug in the caller, not a NULL. An array
 * goes as its array literal where `arrayLiteral` can write it (arrays.ts), else as the array for
 * node-postgres to convert.
 */
export function valuesFor(s: Statement, args: Record<string, unknown>): unknown[] {
  return s.params.map((p) => {
    if (!(p in args)) throw new Error(`SQL statement ${s.name} needs @${p}`);
    const v = args[p];
    if (v === undefined) return null;
    return Array.isArray(v) ? (arrayLiteral(v) ?? v) : v;
  });
}
