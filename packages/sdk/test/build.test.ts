// Packaging: the ESM and CommonJS builds load by package name in plain Node (no `development`
// condition, no tsx), and the tests and sources typecheck. Builds into a temporary node_modules, so it
// works on a clean clone without dist/ and never touches a dist/ that exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
let tmp: string;
let installed: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'payhook-sdk-build-'));
  installed = join(tmp, 'node_modules', '@payhook', 'sdk');
  mkdirSync(installed, { recursive: true });
  const r = spawnSync(process.execPath, [join(pkgDir, 'scripts', 'build.mjs'), join(installed, 'dist')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `build failed:\n${r.stdout}\n${r.stderr}`);
  copyFileSync(join(pkgDir, 'package.json'), join(installed, 'package.json'));
});

after(() => rmSync(tmp, { recursive: true, force: true }));

// A round trip a consumer would do: sign, verify into a typed event, and catch a typed error.
const roundTrip = (load: string) => `
${load}
const secret = sdk.generateSecret();
const event = { id: 'evt_1', type: 'order.success', timestamp: new Date().toISOString(), data: {
  order_id: 'ord_1', sequence: 2, amount: 100, currency: 'AED', status: 'success', order_status: 'paid' } };
const body = JSON.stringify(event);
const ts = Math.floor(Date.now() / 1000);
const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(ts), 'webhook-signature': sdk.sign({ secret, id: 'evt_1', timestamp: ts, payload: body }) };
const got = sdk.verify(body, headers, secret);
let reason = null;
try { sdk.verify(JSON.parse(body), headers, secret); } catch (e) { reason = e instanceof sdk.WebhookVerificationError ? e.reason : String(e); }
console.log(JSON.stringify({ paid: sdk.isPaymentEvent(got, 'order.success'), reason, exports: Object.keys(sdk).length, verifyFn: typeof sdk.verify, client: typeof sdk.PayhookClient }));
`;

function runNode(file: string) {
  const r = spawnSync(process.execPath, [file], { cwd: tmp, encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim());
}

test("require('@payhook/sdk') works from a CommonJS file", () => {
  writeFileSync(join(tmp, 'check.cjs'), roundTrip("const sdk = require('@payhook/sdk');"));
  const out = runNode(join(tmp, 'check.cjs'));
  assert.deepEqual(
    { ...out, exports: out.exports > 20 },
    { paid: true, reason: 'body_type', exports: true, verifyFn: 'function', client: 'function' },
  );
});

test("import '@payhook/sdk' works from an ES module", () => {
  writeFileSync(join(tmp, 'check.mjs'), roundTrip("import * as sdk from '@payhook/sdk';"));
  const out = runNode(join(tmp, 'check.mjs'));
  assert.equal(out.paid, true);
  assert.equal(out.reason, 'body_type');
});

test('both builds ship type declarations, and the CommonJS one has no import.meta', () => {
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  // Resolved by a plain node, not this test process (which runs with the `development` condition).
  const r = spawnSync(process.execPath, ['-p', "require.resolve('@payhook/sdk')"], { cwd: tmp, encoding: 'utf8' });
  assert.equal(r.stdout.trim(), join(installed, 'dist', 'cjs', 'index.js'));
  for (const cond of ['import', 'require'] as const)
    assert.ok(existsSync(join(installed, pkg.exports['.'][cond].types)), cond);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  const cjs = walk(join(installed, 'dist', 'cjs')).filter((f) => f.endsWith('.js'));
  assert.ok(cjs.length > 5);
  for (const f of cjs) assert.ok(!readFileSync(f, 'utf8').includes('import.meta'), f);
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'the SDK has no runtime dependencies');
});

test('sources and tests typecheck (the documented type narrowing compiles)', () => {
  const tsc = join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(pkgDir, 'tsconfig.test.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
