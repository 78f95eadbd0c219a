/**
 * docs/errors.md is the error tables in prose: it must list exactly the codes of
 * packages/server/src/errors.ts and of the modules `payhook serve` runs (the payment module's
 * payments/errors.ts), each once and with its status, so the published table cannot drift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultModules } from '../src/default-modules.js';
import { ERRORS, type ErrorTable } from '../src/errors.js';

const TABLE: ErrorTable = Object.assign({}, ERRORS, ...defaultModules({}).map((m) => m.errorCodes ?? {}));

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the form `| \`code\` | 400 | meaning |`. */
function documented(): { code: string; status: number; meaning: string }[] {
  const rows: { code: string; status: number; meaning: string }[] = [];
  for (const line of doc.split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (m) rows.push({ code: m[1], status: Number(m[2]), meaning: m[3] });
  }
  return rows;
}

test('docs/errors.md lists every code of the core and the default modules, and no other', () => {
  const rows = documented();
  const codes = rows.map((r) => r.code);
  assert.deepEqual(
    [...codes].sort(),
    Object.keys(TABLE).sort(),
    'add a row to docs/errors.md for each new code (or remove the stale one)',
  );
  assert.equal(new Set(codes).size, codes.length, 'each code once');
});

test('docs/errors.md gives each code the status its table gives it, and a meaning', () => {
  for (const r of documented()) {
    const e = TABLE[r.code];
    assert.ok(e, r.code);
    assert.equal(r.status, e.status, `${r.code}: docs say ${r.status}, the table says ${e.status}`);
    assert.ok(r.meaning.length > 10, `${r.code} has a meaning`);
  }
});
