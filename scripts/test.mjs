#!/usr/bin/env node
// Runs every test with node:test. TypeScript runs through tsx, and the `development` export condition
// points workspace packages at their sources, so tests never run against a stale build.
// Usage: npm test [-- <path-substring> ...]  (only test files whose path contains one of the words)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'examples', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) files.push(relative(root, path));
  }
}
for (const r of roots) {
  try {
    walk(join(root, r));
  } catch {
    /* folder absent */
  }
}
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = files.filter((f) => filters.length === 0 || filters.some((w) => f.includes(w))).sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    // --test-force-exit: a file whose tests are done ends even if a failed test left a handle open, so a
    // failure can never hang the run until CI's time limit. test-child-stdout.mjs keeps that exit from
    // dropping the file's last results.
    '--conditions=development',
    '--import',
    'tsx',
    '--import',
    new URL('./test-child-stdout.mjs', import.meta.url).href,
    '--test',
    '--test-concurrency=2',
    '--test-force-exit',
    ...process.argv.slice(2).filter((a) => a.startsWith('-')),
    ...selected,
  ],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, PAYHOOK_LOG_LEVEL: process.env.PAYHOOK_LOG_LEVEL ?? 'silent' },
  },
);
process.exit(result.status ?? 1);
