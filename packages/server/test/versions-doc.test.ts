import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderedVersionsDoc } from '../src/events/versions-doc.js';
import { API_VERSIONS } from '../src/events/versions.js';

test('docs/versions.md is what the table of versions renders (npm run docs:versions)', () => {
  const page = readFileSync(new URL('../../../docs/versions.md', import.meta.url), 'utf8');
  assert.equal(page, renderedVersionsDoc(), 'docs/versions.md is stale: run `npm run docs:versions` and commit it');
});

test('versions are dates in increasing order, each after the first with changes and an upgrade', () => {
  for (const [i, v] of API_VERSIONS.entries()) {
    assert.match(v.version, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(v.changes.length > 0, v.version);
    if (i > 0) {
      assert.ok(v.version > API_VERSIONS[i - 1].version, `${v.version} after ${API_VERSIONS[i - 1].version}`);
      assert.equal(typeof v.upgrade, 'function', v.version);
    } else assert.equal(v.upgrade, undefined);
  }
});
