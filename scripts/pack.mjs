#!/usr/bin/env node
// `npm run pack`: installable tarballs of @payhook/sdk and payhook without a registry.
//
// Each package is built into <out>/build (scripts/build-packages.mjs: the packages' dist/ folders are
// neither used nor touched), then staged in <out>/stage/<name> with what
// it ships and nothing else: the build (JavaScript, declarations, the server's SQL; no source maps,
// whose sources are not shipped),
// bin/, its README and the repository's LICENSE, and a package.json without the workspace-only parts
// (the `development` export condition, which points at src/ for the monorepo's own tests; scripts;
// devDependencies). `npm pack` then makes <out>/payhook-sdk-<version>.tgz and <out>/payhook-<version>.tgz.
//
// Usage: node scripts/pack.mjs [--out <dir>] [--publish-dry-run]
//   --out              where the tarballs go (default .pack/)
//   --publish-dry-run  also run `npm publish --dry-run` in each staged package and fail on any warning
//                      (publish for real the same way: `npm publish` in <out>/stage/<name>)
// Prints one JSON line: {"sdk": "<path>.tgz", "payhook": "<path>.tgz"}.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const outAt = args.indexOf('--out');
const out = resolve(outAt >= 0 ? args[outAt + 1] : join(root, '.pack'));

// Run through `npm run pack`, npm hands its settings down (npm_config_local_prefix names this repository):
// npm in a staged package must see that package alone.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

function run(cmd, cmdArgs, cwd, { capture = false } = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd, env, encoding: 'utf8', stdio: capture ? 'pipe' : ['ignore', 2, 2] });
  if (r.status !== 0) {
    if (capture) process.stderr.write(`${r.stdout}${r.stderr}`);
    console.error(`pack: ${cmd} ${cmdArgs.join(' ')} failed in ${relative(root, cwd) || '.'}`);
    process.exit(r.status ?? 1);
  }
  return r;
}

/** Drops the `development` condition wherever it sits in `exports`. */
function publicExports(exports) {
  if (exports === null || typeof exports !== 'object') return exports;
  const outExports = {};
  for (const [k, v] of Object.entries(exports)) if (k !== 'development') outExports[k] = publicExports(v);
  return outExports;
}

/** Copies `from` into `to`, leaving out source maps and build info. */
function copyShipped(from, to) {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyShipped(src, join(to, name));
    else if (!name.endsWith('.map') && !name.endsWith('.tsbuildinfo')) {
      mkdirSync(to, { recursive: true });
      cpSync(src, join(to, name));
    }
  }
}

/** Builds both packages into <out>/build/{sdk,server}: what each ships as dist/. */
function build() {
  const into = join(out, 'build');
  rmSync(into, { recursive: true, force: true });
  run(process.execPath, [join(root, 'scripts/build-packages.mjs'), into], root);
  return { sdk: join(into, 'sdk'), payhook: join(into, 'server') };
}

/** Stages the package in `pkgDir`, taking its `dist/` from `builtDir`. */
function stage(pkgDir, builtDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const dir = join(out, 'stage', pkg.name.replace(/^@/, '').replace('/', '-'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { scripts: _scripts, devDependencies: _dev, ...published } = pkg;
  published.exports = publicExports(pkg.exports);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  for (const entry of pkg.files) {
    // `dist/…` comes from the build (<builtDir>/…), the rest (bin/) from the package.
    const from = entry.startsWith('dist') ? join(builtDir, entry.slice('dist'.length)) : join(pkgDir, entry);
    if (!existsSync(from)) {
      console.error(`pack: ${pkg.name} lists ${entry} in "files", which was not made`);
      process.exit(1);
    }
    if (statSync(from).isDirectory()) copyShipped(from, join(dir, entry));
    else cpSync(from, join(dir, entry));
  }
  cpSync(join(pkgDir, 'README.md'), join(dir, 'README.md'));
  cpSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
  return { dir, pkg };
}

mkdirSync(out, { recursive: true });
const built = build();
const tarballs = {};
for (const [key, pkgDir] of [
  ['sdk', join(root, 'packages/sdk')],
  ['payhook', join(root, 'packages/server')],
]) {
  const { dir } = stage(pkgDir, built[key]);
  const packed = run('npm', ['pack', '--json', '--pack-destination', out], dir, { capture: true });
  tarballs[key] = join(out, JSON.parse(packed.stdout)[0].filename);
  if (flag('--publish-dry-run')) {
    const r = run('npm', ['publish', '--dry-run', '--access', 'public', '--tag', 'latest'], dir, { capture: true });
    // Not being logged in is this machine's state, not the package's: every other warning counts.
    const warnings = r.stderr.split('\n').filter((l) => /\bwarn/i.test(l) && !/requires you to be logged in/.test(l));
    if (warnings.length > 0) {
      console.error(`pack: npm publish --dry-run of ${key} warned:\n${warnings.join('\n')}`);
      process.exit(1);
    }
  }
}
process.stdout.write(`${JSON.stringify(tarballs)}\n`);
