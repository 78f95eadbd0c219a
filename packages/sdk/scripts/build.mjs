#!/usr/bin/env node
// Builds @payhook/sdk twice from one source: ESM into dist/esm, CommonJS into dist/cjs (marked with its
// own package.json so Node reads the .js files there as CommonJS). Usage: node scripts/build.mjs [outDir]
// The optional outDir (default ./dist) lets the packaging test build into a temporary directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const pkgDir = resolve(new URL('..', import.meta.url).pathname);
const outDir = resolve(process.argv[2] ?? join(pkgDir, 'dist'));
const tsc = join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');

rmSync(outDir, { recursive: true, force: true });
for (const [config, sub] of [
  ['tsconfig.json', 'esm'],
  ['tsconfig.cjs.json', 'cjs'],
]) {
  const r = spawnSync(
    process.execPath,
    [
      tsc,
      '-p',
      join(pkgDir, config),
      '--outDir',
      join(outDir, sub),
      '--tsBuildInfoFile',
      join(outDir, `.${sub}.tsbuildinfo`),
    ],
    { stdio: 'inherit', cwd: pkgDir },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
mkdirSync(join(outDir, 'cjs'), { recursive: true });
writeFileSync(join(outDir, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// import.meta is a syntax error in CommonJS: fail the build rather than ship a broken require().
function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.js')) yield p;
  }
}
for (const file of files(join(outDir, 'cjs'))) {
  if (readFileSync(file, 'utf8').includes('import.meta')) {
    console.error(`${file}: import.meta in CommonJS output`);
    process.exit(1);
  }
}
