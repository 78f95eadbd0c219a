/**
 * `npm start -- --demo` (scripts/start.mjs --demo), run as a new user runs it, with its data in a temp
 * dir and free ports: it prints both URLs, a payment bought in the shop goes round to "paid", Ctrl-C
 * stops it cleanly, and the next start reuses the demo merchant and keeps the shop's orders.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const start = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));

interface Demo {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  payhookUrl: string;
  shopUrl: string;
  merchantId: string;
}

async function runDemo(dir: string): Promise<Demo> {
  const child = spawn(process.execPath, [start, '--demo'], {
    env: {
      ...process.env,
      PAYHOOK_DB: join(dir, 'payhook.db'),
      PAYHOOK_PORT: '0',
      PORT: '0',
      PAYHOOK_POLL_INTERVAL: '50ms',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 60_000;
  for (;;) {
    const m = /payhook\s+(http:\S+)\s+\((?:created|reusing) demo merchant (mer_\w+);[\s\S]*?shop\s+(http:\S+)/.exec(
      out,
    );
    if (m && out.includes('Ctrl-C stops both'))
      return { child, output: () => out, exited, payhookUrl: m[1], merchantId: m[2], shopUrl: m[3] };
    if (child.exitCode !== null || Date.now() > until) throw new Error(`the demo did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function statusOf(shopUrl: string, orderId: string): Promise<string | null> {
  const html = await (await fetch(shopUrl)).text();
  return new RegExp(`<tr data-order="${orderId}" data-status="([^"]*)"`).exec(html)?.[1] ?? null;
}

describe('npm start -- --demo', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'payhook-demo-'));
  });
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts payhook and the shop wired together; a payment goes round; the next start reuses the merchant', async () => {
    const first = await runDemo(dir);
    children.push(first.child);
    assert.match(first.output(), /created demo merchant/);
    assert.equal(
      statSync(join(dir, 'demo.json')).mode & 0o777,
      0o600,
      'the key and secret are readable by the user only',
    );
    assert.equal(JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')).merchant_id, first.merchantId);

    const bought = await fetch(`${first.shopUrl}/buy`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ product: 'oud', card: '4111111111111111' }),
    });
    assert.equal(bought.status, 303);
    const orderId = new URL(bought.headers.get('location')!, first.shopUrl).searchParams.get('placed')!;
    const until = Date.now() + 20_000;
    while ((await statusOf(first.shopUrl, orderId)) !== 'paid') {
      assert.ok(Date.now() < until, `the order did not turn paid:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The page turns paid on transaction.success (#1); order.success (#2) follows it: wait for its line.
    const orderSuccess = new RegExp(`webhook order\\.success\\s+evt_\\w+\\s+${orderId} #2: applied, order paid`);
    while (!orderSuccess.test(first.output())) {
      assert.ok(Date.now() < until, `order.success did not arrive:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0, first.output());

    const second = await runDemo(dir);
    children.push(second.child);
    assert.match(second.output(), new RegExp(`reusing demo merchant ${first.merchantId}`));
    assert.equal(await statusOf(second.shopUrl, orderId), 'paid', 'the shop kept its orders');
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, second.output());
  });
});
