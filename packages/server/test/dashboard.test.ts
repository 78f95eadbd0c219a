/**
 * The dashboard (/dashboard) in a real browser (Debian's Chromium through playwright-core) against a
 * real payhook on loopback with real receivers: sign-in with a key and with a portal link, creating an
 * endpoint, changing an endpoint's event version and its delivery controls, a test webhook in a chosen
 * version, a payment's events arriving live, retrying a failed delivery until its circuit opens (at 2
 * failures here), the session's test/live mode, tenancy, refused portal links, a read-only key, the
 * first load's weight and accessibility (axe-core). Few tests, each a whole
 * journey, because a browser is the expensive part. Screenshots are kept in test-artifacts/dashboard/
 * (gitignored). Skipped only where /usr/bin/chromium is missing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { signerOf } from '../src/dashboard/session.js';
import { LATEST_API_VERSION, OLDEST_API_VERSION } from '../src/events/versions.js';
import { ADMIN_KEY, Harness, Receiver, eventually, world, type Tenant } from './api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;
const ARTIFACTS = new URL('../test-artifacts/dashboard/', import.meta.url).pathname;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The budget of a first load: the page, its stylesheet and its script, uncompressed. */
const FIRST_LOAD_BUDGET = 40 * 1024;

async function signIn(context: BrowserContext, base: string, key: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/dashboard`);
  assert.match(page.url(), /\/dashboard\/sign-in\?next=/, 'signed out, a page sends to the sign-in form');
  await page.getByLabel('API key').fill(key);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/sign-in')), page.keyboard.press('Enter')]);
  return page;
}

/** axe-core on the page as it is (the context bypasses the CSP only so the test can inject axe). */
async function axe(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const g = globalThis as any;
    const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return r.violations.map(
      (v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
    );
  });
  assert.deepEqual(violations, [], `axe on ${what}`);
}

describe('dashboard', { skip }, () => {
  let h: Harness;
  let receiver: Receiver;
  let browser: Browser;
  let a: Tenant;
  let b: Tenant;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await Harness.start({ delivery: { circuitFailures: 2 } });
    receiver = await new Receiver().start();
    ({ a, b } = await world(h, receiver));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
    await receiver?.close();
  });

  test('a merchant signs in with its test key: light first load, accessible pages, an endpoint made, another moved to the latest event version, a payment watched live, a failed delivery retried until its circuit opens, no way into another merchant', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const bytes = new Map<string, number>();
      context.on('response', async (r) => {
        const body = await r.body().catch(() => Buffer.alloc(0));
        bytes.set(r.url(), body.length);
      });
      const page = await signIn(context, h.url, a.key);
      assert.equal(new URL(page.url()).pathname, '/dashboard');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'ph_session');
      assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
      assert.equal(cookie?.sameSite, 'Strict');
      assert.ok(!cookie?.value.includes(a.key), 'the cookie does not hold the key');

      // The first load of a page, cold: the document, the stylesheet and the script.
      bytes.clear();
      const fresh = await context.newPage();
      await fresh.route('**/*', (route) =>
        route.continue({ headers: { ...route.request().headers(), 'cache-control': 'no-cache' } }),
      );
      await fresh.goto(`${h.url}/dashboard`, { waitUntil: 'load' });
      await eventually(async () => [...bytes.keys()].some((u) => u.endsWith('dashboard.js')), 5000, 'script loaded');
      const firstLoad = [...bytes.entries()]
        .filter(([u]) => !u.includes('/dashboard/live'))
        .reduce((n, [, v]) => n + v, 0);
      console.log(`first load of /dashboard: ${firstLoad} bytes in ${bytes.size} responses`);
      assert.ok(firstLoad > 0 && firstLoad < FIRST_LOAD_BUDGET, `${firstLoad} bytes`);
      await fresh.close();
      await axe(page, 'the overview');
      assert.equal(await page.locator('header .mode').textContent(), 'test mode', "an sk_test_ key's session");
      // By keyboard: the first Tab reaches the skip link, the next ones the navigation.
      await page.keyboard.press('Tab');
      assert.equal(
        await page.evaluate(() => (globalThis as any).document.activeElement?.textContent),
        'Skip to content',
      );
      await page.keyboard.press('Tab'); // Overview
      await page.keyboard.press('Tab'); // Endpoints
      await Promise.all([page.waitForURL(/\/dashboard\/endpoints$/), page.keyboard.press('Enter')]);
      await page.goBack();
      await page.screenshot({ path: `${ARTIFACTS}overview.png`, fullPage: true });

      // Create an endpoint with the form (keyboard-reachable: labels name every field).
      await page.getByRole('link', { name: 'Endpoints' }).click();
      await page.getByLabel('url', { exact: true }).fill(`${receiver.url}/made-in-dashboard`);
      await page.getByLabel('event types').fill('order.*');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      await page.getByText('Endpoint created.').waitFor();
      assert.match(String(await page.locator('main').textContent()), /made-in-dashboard/);
      await axe(page, 'an endpoint');
      await page.getByRole('button', { name: 'Reveal secret' }).click();
      assert.match(String(await page.getByRole('status').textContent()), /whsec_/);

      // A's endpoint moves from the oldest event version to the latest, with delivery controls, in the
      // browser; a test webhook can still try the old version; the next event arrives in the new one.
      await page.goto(`${h.url}/dashboard/endpoints/${a.endpointId}`);
      const version = page.getByLabel('api version', { exact: true });
      assert.equal(await version.inputValue(), OLDEST_API_VERSION);
      await version.selectOption(LATEST_API_VERSION);
      await page.getByLabel('rate limit', { exact: true }).fill('50');
      await page.getByLabel('retry schedule', { exact: true }).fill('5, 1m');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      const saved = (await h.call('GET', `/v1/endpoints/${a.endpointId}`, { key: a.key })).body;
      assert.deepEqual([saved.api_version, saved.rate_limit, saved.retry_schedule], [LATEST_API_VERSION, 50, [5, 60]]);
      assert.equal(await page.locator('[data-circuit]').getAttribute('data-circuit'), 'closed');
      const alpha = () => receiver.received.filter((r) => r.path === '/alpha');
      const tested = alpha().length;
      await page.getByLabel('Send a test webhook in version').selectOption(OLDEST_API_VERSION);
      await page.getByRole('button', { name: 'Send test webhook' }).click();
      assert.match(
        String(await page.getByRole('status').textContent()),
        new RegExp(`Test webhook in version ${OLDEST_API_VERSION} delivered: 200`),
      );
      assert.equal(alpha().length, tested + 1);
      assert.ok(!('api_version' in JSON.parse(alpha().at(-1)!.body)), 'the oldest envelope names no version');
      const sent = await h.call('POST', '/v1/events', { key: a.key, body: { type: 'shop.versioned', data: {} } });
      assert.equal(sent.status, 202, sent.text);
      await eventually(async () => alpha().some((r) => r.body.includes(sent.body.id)), 10_000, 'the event arrived');
      const arrived = JSON.parse(alpha().find((r) => r.body.includes(sent.body.id))!.body);
      assert.equal(arrived.api_version, LATEST_API_VERSION, 'delivered in the version chosen in the browser');

      // A payment's events arrive on the open overview without a reload.
      await page.getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('heading', { name: 'Latest events' }).waitFor();
      const order = await h.call('POST', '/v1/orders', {
        key: a.key,
        body: { reference: 'DASH-1', amount: 2500, currency: 'AED' },
      });
      assert.equal(order.status, 201, order.text);
      const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
        key: a.key,
        body: { card: { number: '4111111111111111', expiry: '12/30', cvc: '123' } },
      });
      assert.equal(paid.status, 201, paid.text);
      const events = page.locator('[data-part="events"]');
      await events.getByText('order.success').first().waitFor({ timeout: 20_000 });
      await page.getByRole('link', { name: 'Payments' }).click();
      await page.getByRole('link', { name: order.body.id }).click();
      assert.match(String(await page.locator('main').textContent()), /State history and events[\s\S]*order\.success/);

      // A delivery that failed, retried from its page: the receiver gets it again.
      receiver.on('/broken', { kind: 'status', status: 500, body: 'down for maintenance' });
      const ep = await h.call('POST', '/v1/endpoints', {
        key: a.key,
        body: { url: `${receiver.url}/broken`, event_types: ['broken.*'] },
      });
      assert.equal(ep.status, 201, ep.text);
      const ev = await h.call('POST', '/v1/events', { key: a.key, body: { type: 'broken.test', data: {} } });
      assert.equal(ev.status, 202, ev.text);
      const del = (await h.call('GET', `/v1/deliveries?endpoint_id=${ep.body.id}`, { key: a.key })).body.data.find(
        (d: { event_id: string }) => d.event_id === ev.body.id,
      );
      await eventually(
        async () => (await h.call('GET', `/v1/deliveries/${del.id}`, { key: a.key })).body.attempt_count >= 1,
        10_000,
        'first attempt failed',
      );
      const before = receiver.received.filter((r) => r.path === '/broken').length;
      await page.goto(`${h.url}/dashboard/deliveries/${del.id}`);
      assert.match(String(await page.locator('main').textContent()), /Attempt 1: 500[\s\S]*down for maintenance/);
      await axe(page, 'a delivery');
      await page.screenshot({ path: `${ARTIFACTS}delivery.png`, fullPage: true });
      await page.getByRole('button', { name: 'Retry now' }).click();
      await page.getByText('Retry queued').waitFor();
      await eventually(
        async () => receiver.received.filter((r) => r.path === '/broken').length > before,
        10_000,
        'sent again after the retry',
      );
      assert.ok(ep.status === 201);

      // Two failed attempts in a row (PAYHOOK_CIRCUIT_FAILURES=2 here) open its circuit: the overview
      // lists it beside the failing endpoints, and its page says so.
      await eventually(
        async () =>
          (await h.call('GET', `/v1/endpoints/${ep.body.id}`, { key: a.key })).body.circuit.state !== 'closed',
        10_000,
        'the circuit opened',
      );
      await page.goto(`${h.url}/dashboard`);
      const circuits = page.locator('[data-part="circuits"]');
      await axe(page, 'the overview with an open circuit');
      await circuits.getByRole('link', { name: ep.body.id }).click();
      assert.match(String(await page.locator('[data-circuit]').textContent()), /^(open|half-open), failing since/);

      // Another merchant's pages are not found, whatever the URL says.
      for (const path of [
        `/dashboard/endpoints/${b.endpointId}`,
        `/dashboard/deliveries/${b.deliveryId}`,
        `/dashboard/events/${b.eventId}`,
        `/dashboard/endpoints?merchant_id=${b.id}`,
      ]) {
        const res = await page.goto(`${h.url}${path}`);
        const text = String(await page.locator('main').textContent());
        assert.ok(res!.status() === 404 || !text.includes(b.endpointId), `${path}: ${res!.status()}`);
        assert.ok(!text.includes('beta'), path);
      }
      // The operator view is the admin's.
      assert.equal((await page.goto(`${h.url}/dashboard/operator`))!.status(), 403);
    } finally {
      await context.close();
    }
  });

  test('portal links open one session of their merchant; expired, tampered and used links are refused; a read-only session changes nothing; a live key shows live mode; the admin sees the operator view', async () => {
    const link = await h.call('POST', '/v1/portal-links', { key: b.key });
    assert.equal(link.status, 201, link.text);
    assert.match(link.body.url, /\/dashboard\/portal\?token=/);
    const other = await h.call('POST', `/v1/portal-links?merchant_id=${a.id}`, { key: b.key });
    assert.equal(other.status, 404, 'a merchant makes links for itself only');
    const byAdmin = await h.call('POST', `/v1/portal-links?merchant_id=${a.id}`, { body: { read_only: true } });
    assert.equal(byAdmin.status, 201, 'the admin makes links for any merchant');
    assert.equal((await h.call('POST', '/v1/portal-links', {})).body.error.code, 'merchant_required');

    const first = await browser.newContext({ bypassCSP: true });
    const second = await browser.newContext({ bypassCSP: true });
    try {
      const page = await first.newPage();
      await page.goto(link.body.url);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      assert.match(String(await page.locator('header').textContent()), new RegExp(b.id));
      await page.goto(`${h.url}/dashboard/endpoints`);
      assert.match(String(await page.locator('main').textContent()), new RegExp(b.endpointId));
      assert.doesNotMatch(String(await page.locator('main').textContent()), new RegExp(a.endpointId), "only B's own");

      // The same link, again (another browser): refused.
      const again = await second.newPage();
      await again.goto(link.body.url);
      await again.getByRole('button', { name: 'Continue' }).click();
      assert.match(String(await again.locator('main').textContent()), /used already/);

      // Tampered (another merchant written into it) and expired links.
      const token = new URL(link.body.url).searchParams.get('token')!;
      const [body, mac] = token.split('.');
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
      const forged = `${Buffer.from(JSON.stringify({ ...claims, m: a.id })).toString('base64url')}.${mac}`;
      const tampered = await again.goto(`${h.url}/dashboard/portal?token=${forged}`);
      assert.equal(tampered!.status(), 400);
      const signer = await signerOf(h.app.store);
      const expired = signer.portalToken({
        merchantId: b.id,
        scopes: ['read', 'write'],
        nonce: 'n-expired',
        expiresAt: Date.now() - 1,
      });
      const old = await again.goto(`${h.url}/dashboard/portal?token=${expired}`);
      assert.equal(old!.status(), 410);
      assert.match(String(await again.locator('main').textContent()), /expired/);
    } finally {
      await first.close();
      await second.close();
    }

    // A read-only portal link (the admin's, above): a session of A without forms.
    const readOnlyPortal = await browser.newContext({ bypassCSP: true });
    try {
      const page = await readOnlyPortal.newPage();
      await page.goto(byAdmin.body.url);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      assert.match(String(await page.locator('header').textContent()), /read-only/);
      await page.goto(`${h.url}/dashboard/endpoints`);
      assert.equal(await page.getByRole('button', { name: 'Create endpoint' }).count(), 0);
    } finally {
      await readOnlyPortal.close();
    }

    // A read-only key: no forms, and a forged POST (with a valid CSRF token) refused by the API.
    const ro = await h.call('POST', '/v1/api-keys', { key: a.key, body: { name: 'viewer', scopes: ['read'] } });
    assert.equal(ro.status, 201, ro.text);
    const viewer = await browser.newContext({ bypassCSP: true });
    try {
      const page = await signIn(viewer, h.url, ro.body.key);
      await page.goto(`${h.url}/dashboard/endpoints/${a.endpointId}`);
      assert.match(String(await page.locator('main').textContent()), /Read-only/);
      assert.equal(
        await page.getByRole('button', { name: /Rotate secret|Disable|Save|Reveal secret|Start replay/ }).count(),
        0,
      );
      const csrf = await page.locator('input[name=csrf]').first().inputValue();
      const before = (await h.call('GET', `/v1/endpoints/${a.endpointId}`, { key: a.key })).body.updated_at;
      const refused = await page.request.post(`${h.url}/dashboard/endpoints/${a.endpointId}/toggle`, {
        form: { csrf, disabled: 'true' },
      });
      assert.equal(refused.status(), 403);
      const replay = await page.request.post(`${h.url}/dashboard/endpoints/${a.endpointId}/replay`, {
        form: { csrf, since: new Date(Date.now() - 3_600_000).toISOString() },
      });
      assert.equal(replay.status(), 403, 'a read-only session cannot start a replay');
      const noCsrf = await page.request.post(`${h.url}/dashboard/deliveries/${a.deliveryId}/retry`, { form: {} });
      assert.equal(noCsrf.status(), 403);
      assert.equal((await h.call('GET', `/v1/endpoints/${a.endpointId}`, { key: a.key })).body.updated_at, before);
    } finally {
      await viewer.close();
    }

    // A live key's session says live mode on every page, and shows none of the test mode's data.
    const gamma = await h.call('POST', '/v1/merchants', { body: { name: 'gamma' } });
    assert.equal(gamma.status, 201, gamma.text);
    const live = await browser.newContext({ bypassCSP: true });
    try {
      const page = await signIn(live, h.url, gamma.body.live_api_key);
      assert.equal(await page.locator('header .mode').textContent(), 'live mode');
      assert.match(String(await page.locator('header .who').textContent()), new RegExp(`^${gamma.body.id}$`));
      await page.goto(`${h.url}/dashboard/endpoints`);
      assert.equal(await page.locator('header .mode').textContent(), 'live mode');
      assert.match(String(await page.locator('main').textContent()), /None \(endpoints\)/);
    } finally {
      await live.close();
    }

    // The admin: the operator view lists both merchants and opens one's pages.
    const admin = await browser.newContext({ bypassCSP: true });
    try {
      const page = await signIn(admin, h.url, ADMIN_KEY);
      await page.getByRole('heading', { name: 'Operator' }).waitFor();
      const text = String(await page.locator('main').textContent());
      assert.ok(text.includes(a.id) && text.includes(b.id), text);
      await axe(page, 'the operator view');
      await page.getByRole('link', { name: 'alpha' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.match((await page.goto(`${h.url}/dashboard/operator`))!.url(), /sign-in/, 'signed out');
    } finally {
      await admin.close();
    }
  });

  test('ordered delivery from the browser: ordered and hold set on a new endpoint and read back, a held delivery skipped, a replay started and watched until it completes', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const page = await signIn(context, h.url, a.key);
      page.on('dialog', (d) => d.accept()); // the Skip button asks first
      receiver.on('/ordered', { kind: 'status', status: 500, body: 'not yet' });
      await page.goto(`${h.url}/dashboard/endpoints`);
      const create = page.locator('form', { has: page.getByRole('button', { name: 'Create endpoint' }) });
      await create.getByLabel('url', { exact: true }).fill(`${receiver.url}/ordered`);
      await create.getByLabel('event types').fill('ordered.*');
      await create.getByLabel('ordered delivery').check();
      await create.getByLabel('ordering on failure').selectOption('hold');
      await create.getByLabel('retry schedule', { exact: true }).fill('1');
      await create.getByRole('button', { name: 'Create endpoint' }).click();
      await page.getByText('Endpoint created.').waitFor();
      const epId = new URL(page.url()).pathname.split('/').at(-1)!;
      const ep = (await h.call('GET', `/v1/endpoints/${epId}`, { key: a.key })).body;
      assert.deepEqual([ep.ordered, ep.ordering_on_failure, ep.retry_schedule], [true, 'hold', [1]]);
      // The edit form shows them as set, with their help.
      assert.equal(await page.getByLabel('ordered delivery').isChecked(), true);
      assert.equal(await page.getByLabel('ordering on failure').inputValue(), 'hold');
      assert.match(String(await page.locator('#f-ordering_on_failure-help').textContent()), /blocks the key/);

      // An event of key K fails twice (its schedule has one retry): the delivery holds the key.
      const ev = await h.call('POST', '/v1/events', {
        key: a.key,
        body: { type: 'ordered.paid', data: {}, ordering_key: 'K-1' },
      });
      assert.equal(ev.status, 202, ev.text);
      const del = (await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}&endpoint_id=${epId}`, { key: a.key }))
        .body.data[0];
      await eventually(
        async () => (await h.call('GET', `/v1/deliveries/${del.id}`, { key: a.key })).body.held === true,
        15_000,
        'the delivery holds its key',
      );
      await page.goto(`${h.url}/dashboard/deliveries/${del.id}`);
      await page.locator('[data-held]').waitFor();
      // Each attempt's request headers, rebuilt, with the signature said to be unstored.
      await page.getByText('Request headers').first().click();
      const sent = String(await page.getByLabel('Request headers of attempt 1').textContent());
      assert.match(sent, new RegExp(`^webhook-id: ${ev.body.id}$`, 'm'));
      assert.match(sent, /^webhook-signature: v1,… \(not stored\)$/m);
      assert.match(sent, /^user-agent: payhook\//m);
      const got = receiver.received.find((r) => r.path === '/ordered' && r.body.includes(ev.body.id))!;
      assert.match(sent, new RegExp(`^webhook-timestamp: ${got.headers['webhook-timestamp']}$`, 'm'));
      await axe(page, 'a held delivery');
      await page.getByRole('button', { name: 'Skip' }).click();
      await page.getByText('Skipped: the next delivery').waitFor();
      const skipped = (await h.call('GET', `/v1/deliveries/${del.id}`, { key: a.key })).body;
      assert.deepEqual([skipped.held, skipped.skipped_at !== null], [false, true]);

      // The endpoint answers again: its failed events of the last day are replayed from its page,
      // and the progress shows there until the job completes, without a reload.
      receiver.on('/ordered', { kind: 'ok' });
      await page.goto(`${h.url}/dashboard/endpoints/${epId}`);
      const replayForm = page.locator('form', { has: page.getByRole('button', { name: 'Start replay' }) });
      await replayForm.getByLabel('types').fill('ordered.*');
      await replayForm.getByRole('button', { name: 'Start replay' }).click();
      await page.locator('[data-replay-state]').waitFor();
      const replayId = new URL(page.url()).searchParams.get('replay')!;
      assert.match(replayId, /^rpl_/);
      await page.locator('[data-replay-state="completed"]').waitFor({ timeout: 20_000 });
      assert.match(
        String(await page.locator('[data-part="replay"]').textContent()),
        /1 of 1 events handled; 1 delivery sent again/,
      );
      const done = (await h.call('GET', `/v1/replays/${replayId}`, { key: a.key })).body;
      assert.deepEqual([done.state, done.total, done.done, done.requeued], ['completed', 1, 1, 1]);
      await axe(page, 'an endpoint with a replay');
      await page.screenshot({ path: `${ARTIFACTS}replay.png`, fullPage: true });

      // The overview's last hour is a total of the store's, not of the latest 250: the same as the API's count.
      await page.goto(`${h.url}/dashboard`);
      const shown = Number(await page.locator('[data-figure="last-hour"] b').textContent());
      const hour = (
        await h.call('GET', `/v1/deliveries/counts?since=${new Date(Date.now() - 3_600_000).toISOString()}`, {
          key: a.key,
        })
      ).body;
      assert.equal(shown, hour.pending + hour.succeeded + hour.failed + hour.cancelled);
      assert.ok(shown >= 4, `${shown}: at least this test's and the first test's deliveries`);
    } finally {
      await context.close();
    }
  });
});
