import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CONFIG_SCHEMA } from '../src/config/schema.js';
import type { Table } from '../src/config/settings.js';
import { PAYMENT_SETTINGS } from '../src/payments/config.js';
import { CONFIG_DOC_PATH, renderedConfigDoc } from './helpers/config-doc.js';

test('docs/configuration.md is what the settings tables render (npm run docs:config)', () => {
  const page = readFileSync(CONFIG_DOC_PATH, 'utf8');
  assert.equal(page, renderedConfigDoc(), 'docs/configuration.md is stale: run `npm run docs:config` and commit it');
});

test('every setting has its own PAYHOOK_* variable and a line of documentation', () => {
  const seen = new Set<string>();
  for (const table of [CONFIG_SCHEMA, PAYMENT_SETTINGS] as Table[]) {
    for (const [section, settings] of Object.entries(table)) {
      for (const [key, s] of Object.entries(settings)) {
        assert.match(s.env, /^PAYHOOK_[A-Z0-9_]+$/, `${section}.${key}`);
        assert.ok(!seen.has(s.env), `${s.env} is used twice`);
        seen.add(s.env);
        assert.ok(s.doc.length > 10, `${s.env} needs documentation`);
        assert.equal(s.check(s.default), null, `the default of ${s.env} passes its own check`);
      }
    }
  }
});

test('the process environment is read in one file, src/env.ts', () => {
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  const readers: string[] = [];
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file === 'env.ts') continue;
    const code = readFileSync(join(src, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
      .join('\n');
    if (/process\.env\b/.test(code)) readers.push(file);
  }
  assert.deepEqual(readers, []);
});
