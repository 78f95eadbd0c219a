/**
 * Installable without a registry: `npm run pack` (scripts/pack.mjs) makes tarballs of @payhook/sdk and
 * payhook, `npm publish --dry-run` is clean for both, and the tarballs install into an empty project
 * where the SDK verifies a webhook (ESM, CommonJS and types) and the installed `payhook` command runs
 * a real payhook that delivers a real payment event.
 *
 * Offline: the project gets payhook's dependencies as this repository has them installed (the same
 * versions, copied from its node_modules, better-sqlite3 with its native build for this Node), then
 * `npm install <tarballs> --offline` resolves the tarballs' dependencies against them. So npm never
 * needs the network, and nothing is compiled; what is under test is what the tarballs hold and declare.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Receiver, eventually } from './api-harness.js';
import { runPayhookBin } from './helpers/installed.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const serverDir = join(root, 'packages', 'server');

/** Every package payhook needs at run time, as installed in this repository: folder → its path under root. */
function dependencyClosure(): string[] {
  const found = new Set<string>();
  const locate = (name: string, from: string): string | null => {
    for (let d = from; d.startsWith(root); d = dirname(d)) {
      const p = join(d, 'node_modules', name);
      if (existsSync(join(p, 'package.json'))) return p;
    }
    return null;
  };
  const walk = (dir: string) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (name === '@payhook/sdk') continue; // from its tarball
      const d = locate(name, dir);
      if (d === null || found.has(d)) continue;
      found.add(d);
      walk(d);
    }
  };
  walk(serverDir);
  assert.ok(found.size > 50, `payhook's dependencies were found in ${root}/node_modules (${found.size})`);
  return [...found].map((d) => relative(root, d));
}

/**
 * The environment of a user's shell: without what `npm test` hands down (npm_config_local_prefix names
 * this repository, and npm in the project must see the project alone).
 */
export const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
);

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: userEnv });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the packages, packed and installed into an empty project', () => {
  let tmp: string;
  let project: string;
  let tarballs: { sdk: string; payhook: string };

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'payhook-install-'));
    // Packs, and fails on any warning of `npm publish --dry-run` for either package.
    const out = sh(
      process.execPath,
      [join(root, 'scripts', 'pack.mjs'), '--out', join(tmp, 'pack'), '--publish-dry-run'],
      root,
    );
    tarballs = JSON.parse(out.trim().split('\n').at(-1)!);
    project = join(tmp, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    for (const rel of dependencyClosure()) {
      // Each package's own files; nested node_modules come as their own entries of the closure.
      cpSync(join(root, rel), join(project, rel), {
        recursive: true,
        filter: (src) => !relative(join(root, rel), src).includes('node_modules'),
      });
    }
    sh('npm', ['install', tarballs.sdk, tarballs.payhook, '--offline', '--no-audit', '--no-fund'], project);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('each tarball says what it is and holds only what it ships', () => {
    for (const [name, file] of [
      ['@payhook/sdk', tarballs.sdk],
      ['payhook', tarballs.payhook],
    ]) {
      const dir = join(project, 'node_modules', name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      assert.equal(pkg.license, 'MIT', name);
      assert.match(pkg.repository.url, /^git\+https:\/\/.+\.git$/, name);
      assert.ok(existsSync(join(dir, 'LICENSE')) && existsSync(join(dir, 'README.md')), name);
      assert.equal(JSON.stringify(pkg.exports).includes('development'), false, `${name}: no workspace-only condition`);
      assert.equal(pkg.scripts, undefined, name);
      assert.equal(pkg.devDependencies, undefined, name);
      const listing = sh('tar', ['tzf', file], tmp).split('\n').filter(Boolean);
      const unwanted = listing.filter((f) => /\.map$|tsbuildinfo|\/src\/|\/test\/|\.test\.js$/.test(f));
      assert.deepEqual(unwanted, [], `${name} ships only its build`);
    }
    const sdk = JSON.parse(readFileSync(join(project, 'node_modules/@payhook/sdk/package.json'), 'utf8'));
    for (const p of [sdk.exports['.'].import.types, sdk.exports['.'].require.types, sdk.types])
      assert.ok(existsSync(join(project, 'node_modules/@payhook/sdk', p)), p);
    const server = JSON.parse(readFileSync(join(project, 'node_modules/payhook/package.json'), 'utf8'));
    assert.ok(existsSync(join(project, 'node_modules/payhook', server.exports['.'].types)));
    assert.equal(server.dependencies['@payhook/sdk'], sdk.version, 'the server needs this very SDK');
  });

  test('the SDK verifies a signed webhook from ESM and CommonJS, and its types check', () => {
    const sign = `const secret = m.generateSecret();
      const payload = JSON.stringify({ id: 'evt_1', type: 'shop.order_paid', timestamp: new Date().toISOString(), data: { order_id: 'ord_1' } });
      const ts = Math.floor(Date.now() / 1000);
      const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(ts), 'webhook-signature': m.sign({ secret, id: 'evt_1', timestamp: ts, payload }) };
      const e = m.verify(payload, headers, secret);
      let refused = false; try { m.verify(payload.replace('ord_1', 'ord_2'), headers, secret); } catch { refused = true; }
      console.log(e.type, e.data.order_id, refused);`;
    writeFileSync(join(project, 'esm.mjs'), `import * as m from '@payhook/sdk';\n${sign}\n`);
    writeFileSync(join(project, 'cjs.cjs'), `const m = require('@payhook/sdk');\n${sign}\n`);
    assert.equal(sh(process.execPath, ['esm.mjs'], project).trim(), 'shop.order_paid ord_1 true');
    assert.equal(sh(process.execPath, ['cjs.cjs'], project).trim(), 'shop.order_paid ord_1 true');

    writeFileSync(
      join(project, 'typed.mts'),
      `import { verify, isPaymentEvent, PayhookClient, type PayhookEvent } from '@payhook/sdk';
import { createPayhook, loadConfig } from 'payhook';
export function handle(body: string, headers: Record<string, string>, secret: string): string {
  const event: PayhookEvent = verify(body, headers, secret);
  if (isPaymentEvent(event, 'order.success')) return event.data.amount_decimal;
  return event.type;
}
export const client = new PayhookClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'sk_x' });
export const start = () => createPayhook(loadConfig({}));
// @ts-expect-error: the types are real, so a wrong one is refused
export const wrong: number = verify('', {}, '');
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['typed.mts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
  });

  describe('the installed payhook command', () => {
    let receiver: Receiver;
    let server: ReturnType<typeof runPayhookBin> | undefined;
    before(async () => {
      receiver = await new Receiver().start();
    });
    after(async () => {
      server?.child.kill('SIGKILL');
      await receiver.close();
    });

    test('--help and --version', async () => {
      const pkg = JSON.parse(readFileSync(join(project, 'node_modules/payhook/package.json'), 'utf8'));
      const bin = join(project, 'node_modules', '.bin', 'payhook');
      assert.equal(sh(bin, ['--version'], project).trim(), pkg.version);
      const help = sh(bin, ['--help'], project);
      for (const command of ['serve', 'endpoints', 'events', 'deliveries', 'api-keys', 'orders', 'trigger', 'listen'])
        assert.match(help, new RegExp(`^  ${command}\\b`, 'm'), command);
    });

    test('serves, and its commands make a real payment whose webhook the installed SDK verifies', async () => {
      const admin = 'ak_installed_package_test';
      server = runPayhookBin(project, ['serve', '--port', '0', '--db', join(tmp, 'payhook.db')], {
        PAYHOOK_ADMIN_KEY: admin,
        PAYHOOK_ALLOW_NETWORKS: '127.0.0.0/8',
        PAYHOOK_LOG_LEVEL: 'warn',
      });
      const url = (await server.waitFor(/listening on (http:\/\/\S+)/))[1];
      const cli = (args: string[], key: string) =>
        new Promise<string>((resolve, reject) =>
          execFile(
            join(project, 'node_modules', '.bin', 'payhook'),
            args,
            { cwd: project, env: { ...userEnv, PAYHOOK_URL: url, PAYHOOK_API_KEY: key } },
            (err, stdout, stderr) => (err ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout)),
          ),
        );
      const merchant = JSON.parse(await cli(['merchants', 'create', 'Installed shop', '--json'], admin));
      const ep = JSON.parse(
        await cli(['endpoints', 'add', `${receiver.url}/hooks`, '--events', 'order.*', '--json'], merchant.api_key),
      );
      const paid = await cli(['trigger', 'order.success', '--amount', '100.00'], merchant.api_key);
      assert.match(paid, /^Amount: AED 100\.00 \(10000 minor units\)$/m);
      await receiver.waitFor(() => receiver.for('/hooks').length === 1, 20_000, 'the order.success webhook');
      const got = receiver.for('/hooks')[0];
      writeFileSync(
        join(project, 'received.json'),
        JSON.stringify({ body: got.body, headers: got.headers, secret: ep.secret }),
      );
      const verified = sh(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import { verify } from '@payhook/sdk'; import { readFileSync } from 'node:fs'; const r = JSON.parse(readFileSync('received.json', 'utf8')); const e = verify(r.body, r.headers, r.secret); console.log(e.type, e.data.amount.value, e.data.amount.currency);",
        ],
        project,
      );
      assert.equal(verified.trim(), 'order.success 100.00 AED');
      await eventually(() => server!.child.kill('SIGTERM'));
      assert.equal((await server.exited).code, 0);
    });
  });
});
