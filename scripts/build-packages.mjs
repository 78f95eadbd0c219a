#!/usr/bin/env node
// Builds @payhook/sdk and payhook into a folder of their own, never touching the packages' dist/:
// <outDir>/sdk (esm/, cjs/) and <outDir>/server, each package with its own build script. The server
// compiles against the SDK just built, so nothing needs an earlier `npm run build`. Used by
// `npm run pack` (scripts/pack.mjs) and the packaging test (packages/server/test/build.test.ts).
// Usage: node scripts/build-packages.mjs <outDir>
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const out = process.argv[2] ? resolve(process.argv[2]) : null;
if (!out) {
  console.error('usage: node scripts/build-packages.mjs <outDir>');
  process.exit(2);
}

function build(script, ...args) {
  const r = spawnSync(process.execPath, [script, ...args], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

mkdirSync(out, { recursive: true });
const sdkOut = join(out, 'sdk');
build(join(root, 'packages/sdk/scripts/build.mjs'), sdkOut);
// The server's config references the SDK project, whose types come from packages/sdk/dist; this one
// takes them from the SDK just built. (Type roots are looked up from the config's folder, so they are named.)
const serverDir = join(root, 'packages/server');
const config = join(out, 'tsconfig.server.json');
writeFileSync(
  config,
  JSON.stringify({
    extends: join(serverDir, 'tsconfig.json'),
    compilerOptions: {
      composite: false,
      rootDir: join(serverDir, 'src'),
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: { '@payhook/sdk': [join(sdkOut, 'esm', 'index.d.ts')] },
    },
  }),
);
build(join(serverDir, 'scripts/build.mjs'), join(out, 'server'), config);
