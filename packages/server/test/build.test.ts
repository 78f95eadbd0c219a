/**
 * Packaging: what `npm run build` ships holds no test code. Builds @payhook/sdk and payhook with their
 * own build scripts into a temporary folder (scripts/build-packages.mjs, as `npm run pack` does: it works
 * on a clean clone and never touches dist/), then
 * refuses any built file that is a test, a suite, a test kit or fixture, or that names `node:test` or
 * `fast-check` (test-only dependencies, absent from an installed package).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
let tmp: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'payhook-packaging-'));
  const r = spawnSync(process.execPath, [join(serverDir, '..', '..', 'scripts', 'build-packages.mjs'), tmp], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `scripts/build-packages.mjs failed:\n${r.stdout}\n${r.stderr}`);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));

const TEST_NAME = /\.(test|spec)\.|(^|[-_.])(testkit|test-kit|test-db)\./;
const TEST_FOLDER = new Set(['test', 'tests', '__tests__', 'suites', 'fixtures', 'contract', 'store-contract']);
const TEST_IMPORT = /['"](node:test|fast-check)(\/[^'"]*)?['"]/;

/** Why each built file under `dir` looks like test code (path relative to `dir`: reason). */
function testCodeIn(dir: string): string[] {
  const found: string[] = [];
  for (const file of walk(dir)) {
    const rel = relative(dir, file);
    const parts = rel.split(sep);
    const name = parts[parts.length - 1];
    if (TEST_NAME.test(name)) found.push(`${rel}: a test file by its name`);
    else if (parts.slice(0, -1).some((p) => TEST_FOLDER.has(p)))
      found.push(
        `${rel}: in a test folder (${parts
          .slice(0, -1)
          .filter((p) => TEST_FOLDER.has(p))
          .join('/')})`,
      );
    else if (/\.(js|cjs|mjs|ts)$/.test(name) && TEST_IMPORT.test(readFileSync(file, 'utf8')))
      found.push(`${rel}: imports ${readFileSync(file, 'utf8').match(TEST_IMPORT)![1]}`);
  }
  return found;
}

for (const [pkg, out] of [
  ['packages/sdk/dist', 'sdk'],
  ['packages/server/dist', 'server'],
] as const) {
  test(`${pkg} ships no test code`, () => {
    const files = walk(join(tmp, out));
    assert.ok(
      files.some((f) => f.endsWith('index.js')),
      `the build produced ${pkg} (${files.length} files)`,
    );
    const found = testCodeIn(join(tmp, out));
    assert.deepEqual(
      found,
      [],
      `${pkg} would ship test code (move it under test/, or out of the build):\n  ${found.join('\n  ')}`,
    );
  });
}

test('the check recognises test code', () => {
  // The rules above, on a folder that holds each kind of test file once and one ordinary file.
  const dir = join(tmp, 'sample');
  const files: Record<string, string> = {
    'ids.js': "export const id = 'evt_1';",
    'ids.test.js': '',
    'payments/testkit.d.ts': '',
    'payments/suites/outbox.js': '',
    'store/contract/claims.js': '',
    'formats/fixtures/sample.json': '{}',
    'props.js': "import fc from 'fast-check';",
    'runner.cjs': "const { test } = require('node:test');",
  };
  for (const [rel, body] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }
  const flagged = testCodeIn(dir)
    .map((line) => line.slice(0, line.indexOf(':')).split(sep).join('/'))
    .sort();
  assert.deepEqual(
    flagged,
    Object.keys(files)
      .filter((f) => f !== 'ids.js')
      .sort(),
  );
});
