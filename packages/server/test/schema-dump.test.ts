/**
 * The committed schema dumps (packages/server/schema/<dialect>.sql) are what the migrations make: each
 * backend migrates a fresh database and its normalised description must equal the file. A migration
 * added without regenerating the dump, or a dump edited by hand, fails here with the difference.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DIALECTS, dump, dumpPath, lineDiff, normaliseSql, REGENERATE } from './helpers/schema-dump.js';

describe('schema dump', () => {
  for (const dialect of DIALECTS) {
    test(`${dialect}: a freshly migrated database matches schema/${dialect}.sql`, async () => {
      const path = dumpPath(dialect);
      assert.ok(existsSync(path), `${path} is missing: run \`${REGENERATE}\``);
      const actual = await dump(dialect);
      const expected = readFileSync(path, 'utf8');
      if (actual !== expected) {
        assert.fail(
          `schema/${dialect}.sql differs from what the migrations make (- committed, + migrated):\n` +
            `${lineDiff(expected, actual)}\n` +
            `If the migrations are right, run \`${REGENERATE}\` and commit the result.`,
        );
      }
      assert.match(actual, /^CREATE TABLE deliveries \(/m, 'the dump lists the tables');
    });
  }

  test('normalising drops comments and layout, not content', () => {
    const sql =
      "CREATE TABLE t (\n  a TEXT NOT NULL DEFAULT '--x',  -- a comment\n  b INTEGER CHECK (b IN ( 1, 2 ))\n)";
    assert.equal(normaliseSql(sql), "CREATE TABLE t (a TEXT NOT NULL DEFAULT '--x', b INTEGER CHECK (b IN (1, 2)))");
  });

  test('the diff shows removed and added lines with context', () => {
    const diff = lineDiff('a\nb\nc\nd\ne\nf\ng', 'a\nb\nc\nD\ne\nf\ng', 1);
    assert.equal(diff, '  …\n  c\n- d\n+ D\n  e\n  …');
  });
});
