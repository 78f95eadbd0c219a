#!/usr/bin/env node
// `npm run lint:openapi`: lints the OpenAPI document a real payhook serves, not a copy kept by hand.
// Starts payhook's API in this process on a temporary SQLite file (no port: `inject`), with the modules
// `payhook serve` runs (their routes are in the document), takes
// `GET /openapi.json`, writes it to a temporary file and runs `redocly lint` on it with ./redocly.yaml
// (the recommended ruleset). Exits with redocly's status. `--out <file>` keeps the document there too.
// Run through `node --conditions=development --import tsx` (the npm script does), so it reads the sources.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createPayhook, defaultModules, loadConfig } from 'payhook';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'payhook-openapi-'));
let status = 1;
try {
  const config = loadConfig(
    {},
    { server: { port: 0, logLevel: 'silent', role: 'api' }, store: { dbPath: join(dir, 'payhook.db') } },
  );
  const app = await createPayhook(config, { modules: defaultModules({}) });
  let text;
  try {
    const res = await app.api.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
    text = `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`;
  } finally {
    await app.stop();
  }
  const file = join(dir, 'openapi.json');
  writeFileSync(file, text);
  const out = process.argv.indexOf('--out');
  if (out !== -1 && process.argv[out + 1]) writeFileSync(process.argv[out + 1], text);

  const cli = join(createRequire(import.meta.url).resolve('@redocly/cli/package.json'), '..', 'bin', 'cli.js');
  // No telemetry and no update check: redocly would otherwise call home on every run.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const r = spawnSync(process.execPath, [cli, 'lint', file, '--config', join(root, 'redocly.yaml')], {
    stdio: 'inherit',
    env,
    cwd: root,
  });
  status = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
