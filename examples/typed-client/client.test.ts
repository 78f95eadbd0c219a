/**
 * The typed client, as a user makes and runs it: a real payhook on loopback serves `/openapi.json`,
 * openapi-typescript turns it into types, the repository's TypeScript compiler checks src/client.ts
 * (and test/misuse.ts, whose wrong calls must be errors) against them in a fresh project, and then the
 * same client creates a merchant, an endpoint and an event on that payhook and lists the delivery,
 * which reaches a real receiver on loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPayhook, defaultModules, loadConfig, type Payhook } from 'payhook';
import {
  createEndpoint,
  createMerchant,
  deliveriesOf,
  getEndpoint,
  PayhookApiError,
  payhookClient,
  sendEvent,
} from './src/client.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);
const ADMIN_KEY = 'ak_typed_client_example_admin_key';

/** A webhook receiver on loopback that records what it gets. */
class Receiver {
  readonly got: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  private server!: Server;
  private waiting: (() => void)[] = [];
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        this.got.push({ path: req.url ?? '/', headers: req.headers, body });
        res.end('ok');
        for (const w of this.waiting.splice(0)) w();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  /** Resolves once a webhook has arrived. */
  async first() {
    if (this.got.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    return this.got[0];
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('typed client generated from /openapi.json', () => {
  let dir: string;
  let payhook: Payhook;
  let receiver: Receiver;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payhook-typed-client-'));
    receiver = await new Receiver().start();
    const config = loadConfig(
      {},
      {
        server: { port: 0, adminKey: ADMIN_KEY, logLevel: 'silent' },
        store: { dbPath: join(dir, 'payhook.db') },
        delivery: { pollIntervalMs: 50, allowNetworks: ['127.0.0.0/8', '::1/128'] },
      },
    );
    payhook = await createPayhook(config, { modules: defaultModules({}) });
    await payhook.start();
    assert.match(payhook.url!, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
  after(async () => {
    await payhook?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('openapi-typescript generates named operations, and the client type-checks against them', async () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    mkdirSync(join(project, 'test'), { recursive: true });
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    const res = await fetch(`${payhook.url}/openapi.json`);
    assert.equal(res.status, 200);
    writeFileSync(join(dir, 'openapi.json'), await res.text());

    // As docs/api.md says: npx openapi-typescript <url or file> -o src/payhook-api.ts
    const cli = join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
    const generated = join(project, 'src', 'payhook-api.ts');
    const gen = run([cli, join(dir, 'openapi.json'), '-o', generated], project);
    assert.equal(gen.status, 0, gen.output);
    const types = readFileSync(generated, 'utf8');
    assert.doesNotMatch(types, /operations = Record<string, never>/);
    for (const id of [
      'endpoints.create',
      'endpoints.list',
      'events.create',
      'deliveries.list',
      'deliveries.retry',
      'orders.create',
    ]) {
      assert.ok(types.includes(`"${id}": {`), `operations["${id}"] is generated`);
    }

    cpSync(join(here, 'src', 'client.ts'), join(project, 'src', 'client.ts'));
    cpSync(join(here, 'test', 'misuse.ts'), join(project, 'test', 'misuse.ts'));
    for (const pkg of ['openapi-fetch', 'openapi-typescript-helpers']) {
      symlinkSync(
        realpathSync(dirname(require.resolve(`${pkg}/package.json`))),
        join(project, 'node_modules', pkg),
        'dir',
      );
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: [],
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['src', 'test'],
      }),
    );
    // The repository's compiler (TypeScript 7), not the 5.x that openapi-typescript runs on.
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    assert.match(run([tsc, '--version'], project).output, /Version 7\./);
    const check = run([tsc, '-p', 'tsconfig.json'], project);
    assert.equal(check.status, 0, check.output);
  });

  test('the same client creates a merchant, an endpoint and an event, and lists the delivery', async () => {
    const admin = payhookClient(payhook.url!, ADMIN_KEY);
    const merchant = await createMerchant(admin, 'Typed Client Shop');
    assert.match(merchant.id, /^mer_/);
    assert.match(merchant.api_key, /^sk_/);

    const shop = payhookClient(payhook.url!, merchant.api_key);
    const endpoint = await createEndpoint(shop, { url: `${receiver.url}/hooks`, event_types: ['shop.*'] });
    assert.match(endpoint.id, /^ep_/);
    assert.match(endpoint.secret, /^whsec_/);
    assert.deepEqual(endpoint.event_types, ['shop.*']);

    const sent = await sendEvent(
      shop,
      'shop.order_paid',
      { order_id: 'ord_1', amount: 10000, currency: 'AED' },
      'typed-client-1',
    );
    assert.equal(sent.created, true);
    assert.equal(sent.event.type, 'shop.order_paid');
    const again = await sendEvent(
      shop,
      'shop.order_paid',
      { order_id: 'ord_1', amount: 10000, currency: 'AED' },
      'typed-client-1',
    );
    assert.deepEqual({ created: again.created, id: again.event.id }, { created: false, id: sent.event.id });

    const deliveries = await deliveriesOf(shop, sent.event.id);
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].endpoint_id, endpoint.id);
    assert.equal(deliveries[0].event_type, 'shop.order_paid');

    const webhook = await receiver.first();
    assert.equal(webhook.path, '/hooks');
    assert.equal(webhook.headers['webhook-id'], sent.event.id);
    assert.deepEqual(JSON.parse(webhook.body).data, { order_id: 'ord_1', amount: 10000, currency: 'AED' });

    await assert.rejects(getEndpoint(shop, 'ep_01JDQ9A2B3C4D5E6F7G8H9JKMN'), (err: unknown) => {
      assert.ok(err instanceof PayhookApiError);
      assert.deepEqual([err.status, err.code], [404, 'endpoint_not_found']);
      return true;
    });
  });
});
