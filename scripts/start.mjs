#!/usr/bin/env node
// `npm start`: builds payhook if its sources are newer than the build, then runs `payhook serve` on
// ./data/payhook.db (override with PAYHOOK_DB, PAYHOOK_PORT, … or flags after `npm start --`).
// `npm start -- --demo` runs payhook with the example shop wired in as a demo merchant instead
// (examples/shop/src/demo.ts, from the sources, so no build; the shop on PORT, default 3000).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync, spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const stale = ['sdk', 'server'].some((p) => {
  const dist = join(root, 'packages', p, 'dist');
  return !existsSync(dist) || newest(join(root, 'packages', p, 'src')) > newest(dist);
});
const demo = process.argv.includes('--demo');
if (stale && !demo) {
  console.log('building payhook…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
// The local quick start delivers to receivers on this machine (the README's tour, the demo shop), which
// payhook refuses by default: open loopback, and loopback only, unless PAYHOOK_ALLOW_NETWORKS is set.
const allowSet = process.env.PAYHOOK_ALLOW_NETWORKS !== undefined;
const env = {
  ...process.env,
  PAYHOOK_DB: process.env.PAYHOOK_DB ?? join(root, 'data', 'payhook.db'),
  PAYHOOK_ALLOW_NETWORKS: process.env.PAYHOOK_ALLOW_NETWORKS ?? '127.0.0.0/8,::1/128',
};
console.log(
  allowSet
    ? `npm start: deliveries may go to public addresses and PAYHOOK_ALLOW_NETWORKS=${env.PAYHOOK_ALLOW_NETWORKS}`
    : 'npm start: local quick start, deliveries may go to loopback (127.0.0.0/8, ::1) as well as public addresses;\n' +
        '  `payhook serve` refuses loopback and private addresses unless PAYHOOK_ALLOW_NETWORKS opens them',
);
const command = demo
  ? ['--conditions=development', '--import', import.meta.resolve('tsx'), join(root, 'examples/shop/src/demo.ts')]
  : [join(root, 'packages/server/dist/cli/main.js'), 'serve', ...args];
const child = spawn(process.execPath, command, { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
