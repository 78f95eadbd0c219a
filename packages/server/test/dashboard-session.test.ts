/**
 * The dashboard's session and credentials without a browser: the cookie's flags (Secure behind an https
 * PAYHOOK_PUBLIC_URL), portal links built on that address, a cookie that is a reference and not the key,
 * forged cookies and CSRF tokens refused, and the dashboard's internal credential refused from outside.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, world, type Tenant } from './api-harness.js';

describe('dashboard sessions', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;

  before(async () => {
    h = await Harness.start({ dashboard: { publicUrl: 'https://payhook.example.com/' } });
    receiver = await new Receiver().start();
    ({ a } = await world(h, receiver));
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const cookieOf = (res: Response, name: string) =>
    res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '';

  test('sign-in: the cookie is HttpOnly, SameSite=Strict, Secure behind https, and refers to a session without holding the key', async () => {
    const form = await fetch(`${h.url}/dashboard/sign-in`);
    const pre = cookieOf(form, 'ph_csrf');
    assert.match(pre, /HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1];
    const preCookie = pre.split(';')[0];

    const forged = await fetch(`${h.url}/dashboard/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: preCookie },
      body: new URLSearchParams({ csrf: 'x', key: a.key }),
    });
    assert.equal(forged.status, 403, 'a wrong CSRF token');

    const res = await fetch(`${h.url}/dashboard/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: preCookie },
      body: new URLSearchParams({ csrf, key: a.key }),
    });
    assert.equal(res.status, 303);
    const session = cookieOf(res, 'ph_session');
    assert.match(session, /; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const value = decodeURIComponent(session.split(';')[0].slice('ph_session='.length));
    assert.ok(!value.includes(a.key) && !value.includes(a.key.slice(-12)), 'no key in the cookie');

    const page = await fetch(`${h.url}/dashboard/endpoints`, { headers: { cookie: `ph_session=${value}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(a.endpointId));
    const [id] = value.split('.');
    const tampered = await fetch(`${h.url}/dashboard/endpoints`, {
      redirect: 'manual',
      headers: { cookie: `ph_session=${id}.AAAA` },
    });
    assert.equal(tampered.status, 303, 'a cookie with a wrong MAC is no session');
  });

  test('portal links are made on PAYHOOK_PUBLIC_URL', async () => {
    const link = await h.call('POST', '/v1/portal-links', { key: a.key });
    assert.equal(link.status, 201);
    assert.match(link.body.url, /^https:\/\/payhook\.example\.com\/dashboard\/portal\?token=[\w-]+\.[\w-]+$/);
    assert.ok(Date.parse(link.body.expires_at) > Date.now());
  });

  test("the dashboard's internal credential is refused from outside the process", async () => {
    // With a good key beside it, so the 401 is the header's: a guessed credential is never ignored.
    const res = await h.call('GET', '/v1/endpoints', {
      key: a.key,
      headers: { 'x-payhook-dashboard': 'guess', 'x-payhook-dashboard-as': `${a.id} read,write` },
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'unauthorized');
  });
});
