#!/usr/bin/env node
// Builds payhook: compiles src/ (tests left out by tsconfig.json) and copies the files the code reads
// at run time (SQL) next to the JavaScript. The output folder is emptied first, so a file deleted or
// moved out of src/ never lingers in a build.
// Usage: node scripts/build.mjs [outDir] [tsconfig]  (defaults: ./dist, ./tsconfig.json; the packaging
// test builds into a temporary folder with its own config)
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const pkgDir = resolve(new URL('..', import.meta.url).pathname);
const outDir = resolve(process.argv[2] ?? join(pkgDir, 'dist'));
const config = resolve(process.argv[3] ?? join(pkgDir, 'tsconfig.json'));
const tsc = join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');

rmSync(outDir, { recursive: true, force: true });
const r = spawnSync(
  process.execPath,
  [tsc, '-p', config, '--outDir', outDir, '--tsBuildInfoFile', join(outDir, '.tsbuildinfo')],
  { stdio: 'inherit', cwd: pkgDir },
);
if (r.status !== 0) process.exit(r.status ?? 1);

// Assets: every .sql file. Test fixtures (a `fixtures/` folder) stay out.
const src = join(pkgDir, 'src');
function copyAssets(rel) {
  for (const name of readdirSync(join(src, rel))) {
    const r = join(rel, name);
    if (statSync(join(src, r)).isDirectory()) {
      if (name !== 'fixtures') copyAssets(r);
    } else if (name.endsWith('.sql')) cpSync(join(src, r), join(outDir, r));
  }
}
copyAssets('');
