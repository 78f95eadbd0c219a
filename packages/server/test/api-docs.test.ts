/**
 * `GET /docs`, the API reference page, in a real browser (Debian's Chromium, driven by playwright-core)
 * against a real payhook on loopback: the operations render from `/openapi.json` (summaries, and the
 * operationId anchors links point to), and no request leaves loopback: the page and Redoc's bundle come
 * from payhook itself. Skipped only where /usr/bin/chromium is missing (.ci/run installs it). And
 * `payhook serve` prints the page's address in its banner.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { redocBundle } from '../src/api/docs.js';
import { Harness } from './api-harness.js';
import { runPayhook, waitForOutput } from './helpers/spawn.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;

function isLoopback(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'blob:' || u.protocol === 'data:') return true;
  return u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);
}

describe('GET /docs', { skip }, () => {
  let h: Harness;
  let browser: Browser;

  before(async () => {
    h = await Harness.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test("serves the page with a same-origin content security policy, and Redoc's bundle from node_modules", async () => {
    const page = await h.call('GET', '/docs', { key: null });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<redoc spec-url="\/openapi\.json"/);
    assert.match(page.text, /<script src="\/docs\/redoc\.standalone\.js"><\/script>/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'the page names no other host');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:"])
      assert.ok(csp.includes(directive), csp);

    const bundle = await fetch(`${h.url}/docs/redoc.standalone.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /^application\/javascript/);
    const bytes = Buffer.from(await bundle.arrayBuffer());
    assert.ok(bytes.equals(redocBundle()), 'the installed redoc/bundles/redoc.standalone.js, byte for byte');
    assert.ok(bytes.length > 500_000, `${bytes.length} bytes`);
  });

  test('renders the operations from /openapi.json, and no request leaves loopback', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    const failed = new Map<string, string>();
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.set(r.url(), r.failure()?.errorText ?? ''));
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const res = await page.goto(`${h.url}/docs`, { waitUntil: 'load' });
      assert.equal(res?.status(), 200);
      // Redoc renders after it fetched and parsed the document.
      const summaries = [
        'Create an endpoint',
        'List deliveries',
        'Retry a delivery now',
        'Send an event',
        'Pay an order by card',
        'Create a merchant',
      ];
      for (const s of summaries)
        await page.getByText(s, { exact: true }).first().waitFor({ state: 'attached', timeout: 60_000 });
      // Operations are anchored by operationId, and the sidebar links to those anchors.
      for (const anchor of [
        'tag/endpoints/operation/endpoints.create',
        'tag/deliveries/operation/deliveries.retry',
        'tag/payments/operation/orders.pay',
      ]) {
        assert.equal(await page.locator(`[id="${anchor}"]`).count(), 1, `#${anchor} exists`);
      }
      // The sidebar: open the endpoints tag, then follow its first operation to its anchor.
      await page.locator('[data-item-id="tag/endpoints"]').first().click();
      await page.locator('[data-item-id="tag/endpoints/operation/endpoints.create"]').first().click();
      await page.waitForURL(/#tag\/endpoints\/operation\/endpoints\.create$/);
      // PAYHOOK_DOCS_SCREENSHOT=/tmp/docs.png keeps a picture of the page to look at.
      if (process.env.PAYHOOK_DOCS_SCREENSHOT) await page.screenshot({ path: process.env.PAYHOOK_DOCS_SCREENSHOT });
      assert.ok(
        await page.locator('[id="tag/endpoints/operation/endpoints.create"] h2').first().isVisible(),
        'the operation is on screen',
      );
      assert.deepEqual(errors, [], 'no script errors');

      assert.ok(
        requests.some((u) => u.endsWith('/openapi.json')),
        'the page read /openapi.json',
      );
      assert.ok(
        requests.some((u) => u.endsWith('/docs/redoc.standalone.js')),
        'and the bundle from payhook',
      );
      // Whatever the bundle asks for elsewhere (its footer logo) the page's policy refuses before it is sent.
      const elsewhere = requests.filter((u) => !isLoopback(u));
      for (const u of elsewhere)
        assert.match(
          failed.get(u) ?? 'sent',
          /^(csp|net::ERR_BLOCKED_BY_CSP)$/,
          `${u} was refused by the policy, not sent`,
        );
    } finally {
      await context.close();
    }
  });
});

test("payhook serve prints the reference page's and the dashboard's addresses, and the pages are there", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-docs-serve-'));
  try {
    const running = runPayhook(['serve', '--port', '0', '--db', join(dir, 'payhook.db')], {
      PAYHOOK_ADMIN_KEY: 'ak_docs_banner_test_key',
    });
    const [, base] = await waitForOutput(running, /listening on (http:\/\/\S+) /);
    const [, docs] = await waitForOutput(running, /^API reference: (\S+)$/m);
    assert.equal(docs, `${base}/docs`);
    const res = await fetch(docs);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<redoc spec-url="\/openapi\.json"/);
    const [, dashboard] = await waitForOutput(running, /^Dashboard: (\S+)$/m);
    assert.equal(dashboard, `${base}/dashboard`);
    const signIn = await fetch(dashboard);
    assert.equal(signIn.status, 200, 'signed out, the dashboard answers with its sign-in form');
    assert.match(await signIn.text(), /<h1>Sign in<\/h1>/);
    running.child.kill('SIGTERM');
    assert.equal((await running.exited).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
