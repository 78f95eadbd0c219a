#!/usr/bin/env node
// Runs the built CLI when there is one; in a source checkout without a build, runs the TypeScript
// sources through tsx (a dev dependency), so `npx payhook …` works right after `npm install`.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(built)) && !process.env.PAYHOOK_FROM_SOURCE) {
  await import(built.href);
} else {
  const src = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  // tsx is resolved from this file, not from the working directory, so this works from any folder.
  const tsx = import.meta.resolve('tsx');
  const r = spawnSync(process.execPath, ['--conditions=development', '--import', tsx, src, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
