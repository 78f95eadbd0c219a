/**
 * docs/errors.md is the ERRORS table in prose: it must list exactly the codes of
 * packages/server/src/errors.ts, each once and with its status, so the published table cannot drift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS } from '../src/errors.js';

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

test('docs/errors.md lists every code of ERRORS, and no other', () => {
  const rows = documented();
  const codes = rows.map((r) => r.code);
  assert.deepEqual([...codes].sort(), Object.keys(ERRORS).sort(), 'add a row to docs/errors.md for each new code (or remove the stale one)');
  assert.equal(new Set(codes).size, codes.length, 'each code once');
});

test('docs/errors.md gives each code the status ERRORS gives it, and a meaning', () => {
  for (const r of documented()) {
    const e = ERRORS[r.code as keyof typeof ERRORS];
    assert.ok(e, r.code);
    assert.equal(r.status, e.status, `${r.code}: docs say ${r.status}, errors.ts says ${e.status}`);
    assert.ok(r.meaning.length > 10, `${r.code} has a meaning`);
  }
});
