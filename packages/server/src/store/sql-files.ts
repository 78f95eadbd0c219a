/**
 * Loads the SQL of a dialect from its `sql/*.sql` files.
 *
 * A file groups the statements of one domain (settings, merchants, endpoints, events, deliveries), each
 * opened by `-- name: <statement>` and a header of its parameters. This departs from graphile-worker's
 * one-file-a-statement layout on purpose: the 40-odd statements of payhook read better in six files
 * than in forty, and each stays findable by its name.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function loadSqlFiles(dir: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const parts = text.split(/^-- name: */m).slice(1);
    for (const part of parts) {
      const newline = part.indexOf('\n');
      const name = part.slice(0, newline).trim();
      if (out[name]) throw new Error(`SQL statement ${name} is defined twice (${file})`);
      out[name] = part.slice(newline + 1).trim();
    }
  }
  return out;
}

/** Numbered migrations (`0001_init.sql`, …) of a folder, in order. */
export function loadMigrations(dir: URL): { version: number; name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.replace(/\.sql$/, ''),
      sql: readFileSync(new URL(f, dir), 'utf8'),
    }));
}
