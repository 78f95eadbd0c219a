/**
 * Destinations (SSRF) and the attempt deadline, through the API: what a merchant can register, what
 * payhook connects to after DNS, redirects, and a receiver that drips its answer. Every test here sends
 * traffic to loopback only; host names resolve through an injected lookup, never the machine's DNS, and
 * each refusal is asserted to come before any connection (a loopback canary sees none).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { URL_CASES } from '../src/delivery/destinations.cases.js';
import { DestinationPolicy } from '../src/delivery/destinations.js';
import { HttpClient, type LookupAll } from '../src/delivery/http.js';
import { Harness, eventually } from './api-harness.js';

/** A loopback HTTP server that counts every connection made to it, and answers as told. */
class Canary {
  connections = 0;
  requests = 0;
  private server!: Server;
  url = '';
  constructor(private readonly answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('ok')) {}
  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests++;
      req.resume();
      req.on('end', () => this.answer(res));
    });
    this.server.on('connection', () => {
      this.connections++;
    });
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** `hooks.test` resolves to 127.0.0.1; every other name does not resolve. No real DNS. */
const lookup: LookupAll = (hostname, cb) => {
  if (hostname === 'hooks.test') cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' }), []);
};

async function merchant(h: Harness, name: string): Promise<string> {
  const m = await h.call('POST', '/v1/merchants', { body: { name } });
  assert.equal(m.status, 201, m.text);
  return m.body.api_key as string;
}

/** Registers an endpoint at `url`, sends one event, and returns its delivery once it has an attempt. */
async function deliverOnce(h: Harness, key: string, url: string, extra: Record<string, unknown> = {}) {
  const ep = await h.call('POST', '/v1/endpoints', { key, body: { url, ...extra } });
  assert.equal(ep.status, 201, ep.text);
  const ev = await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: { n: 1 } } });
  assert.equal(ev.status, 202, ev.text);
  const list = await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}`, { key });
  const id = list.body.data[0].id as string;
  await eventually(
    async () => (await h.call('GET', `/v1/deliveries/${id}`, { key })).body.attempts.length > 0,
    30_000,
    'an attempt',
  );
  // Read again: the delivery and its attempts are two reads, and the first may have fallen between the
  // result's commit and the attempt list; once the attempt is seen, the result is committed.
  return (await h.call('GET', `/v1/deliveries/${id}`, { key })).body;
}

describe('registration: IP-literal URLs in refused ranges (default policy)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ delivery: { allowNetworks: [] } });
  });
  after(async () => {
    await h.close();
  });

  test(`every URL form of the table is refused or accepted as the policy says (${URL_CASES.length} forms), on create and on PATCH`, async () => {
    assert.ok(URL_CASES.length >= 60);
    assert.ok(URL_CASES.filter(([, ok]) => !ok).length >= 50, 'mostly refused forms');
    const key = await merchant(h, 'ssrf');
    // No event is ever sent here, so nothing is delivered to the public addresses accepted below.
    const base = await h.call('POST', '/v1/endpoints', { key, body: { url: 'https://hooks.example.com/base' } });
    assert.equal(base.status, 201, base.text);
    const wrong: string[] = [];
    for (const [url, allowed] of URL_CASES) {
      const created = await h.call('POST', '/v1/endpoints', { key, body: { url } });
      const patched = await h.call('PATCH', `/v1/endpoints/${base.body.id}`, { key, body: { url } });
      for (const [what, r, ok] of [
        ['create', created, 201],
        ['patch', patched, 200],
      ] as const) {
        if (
          allowed
            ? r.status !== ok
            : r.status !== 400 ||
              r.body.error?.code !== 'destination_not_allowed' ||
              !/refused range: .+\(.+\/\d+\)/.test(r.body.error.message) ||
              r.body.error.details?.field !== 'url'
        ) {
          wrong.push(`${what} ${url}: ${r.status} ${r.text}`);
        }
      }
      if (created.status === 201)
        assert.equal((await h.call('DELETE', `/v1/endpoints/${created.body.id}`, { key })).status, 204);
    }
    assert.deepEqual(wrong, []);
    // A refused PATCH changed nothing.
    assert.equal(
      (await h.call('GET', `/v1/endpoints/${base.body.id}`, { key })).body.url,
      URL_CASES.filter(([, ok]) => ok).at(-1)![0],
    );
  });
});

describe('connect time: the address actually connected to, after DNS', () => {
  let canary: Canary;
  before(async () => {
    canary = await new Canary().start();
  });
  after(async () => {
    await canary.close();
  });

  test('a host name resolving to loopback is refused before connecting (default policy): the attempt is blocked and the delivery fails at once', async () => {
    const h = await Harness.start({ delivery: { allowNetworks: [] } }, undefined, { lookup });
    try {
      const key = await merchant(h, 'rebind');
      const before = canary.connections;
      const d = await deliverOnce(h, key, `http://hooks.test:${canary.port}/hook`);
      assert.equal(d.attempts[0].error_class, 'blocked');
      assert.match(d.attempts[0].error_message, /hooks\.test resolves to 127\.0\.0\.1, refused: .*loopback/);
      assert.equal(d.status, 'failed', 'a blocked destination is not retried');
      assert.equal(d.attempts.length, 1);
      assert.equal(canary.connections, before, 'no connection was made');
    } finally {
      await h.close();
    }
  });

  test('with loopback allowed, the same delivery arrives', async () => {
    const h = await Harness.start({ delivery: { allowNetworks: ['127.0.0.0/8'] } }, undefined, { lookup });
    try {
      const key = await merchant(h, 'allowed');
      const before = canary.requests;
      const d = await deliverOnce(h, key, `http://hooks.test:${canary.port}/hook`);
      assert.equal(d.status, 'succeeded', JSON.stringify(d.attempts));
      assert.equal(canary.requests, before + 1);
    } finally {
      await h.close();
    }
  });

  test('a redirect to a refused address is not followed: the attempt fails as redirect, the target sees nothing', async () => {
    // Only 127.0.0.1 is allowed; the target listens on 127.0.0.2, which stays refused (and is loopback,
    // so even a followed redirect could not leave this machine).
    const target = await new Canary().start('127.0.0.2');
    const redirector = await new Canary((res) =>
      res.writeHead(302, { location: `${target.url}/stolen` }).end(),
    ).start();
    const h = await Harness.start({ delivery: { allowNetworks: ['127.0.0.1/32'], retrySchedule: [3_600_000] } });
    try {
      const key = await merchant(h, 'redirect');
      const d = await deliverOnce(h, key, `${redirector.url}/hook`);
      assert.equal(d.attempts[0].error_class, 'redirect');
      assert.equal(d.attempts[0].status_code, 302);
      assert.equal(redirector.requests, 1);
      assert.equal(target.connections, 0, 'the redirect target saw no connection');
    } finally {
      await h.close();
      await redirector.close();
      await target.close();
    }
  });

  test('an IP literal in a refused range is refused before the request, whatever was registered', async () => {
    const http = new HttpClient({
      connectionsPerOrigin: 1,
      destinations: new DestinationPolicy(),
      userAgent: 'payhook/test',
      lookup,
    });
    try {
      const before = canary.connections;
      for (const url of [
        `${canary.url}/x`,
        `http://[::ffff:127.0.0.1]:${canary.port}/x`,
        `http://0x7f000001:${canary.port}/x`,
      ]) {
        const r = await http.post(url, {}, '{}', 1000);
        assert.equal(r.errorClass, 'blocked', url);
        assert.match(r.errorMessage!, /loopback/);
      }
      assert.equal(canary.connections, before, 'no connection was made');
    } finally {
      await http.close();
    }
  });
});

describe('attempt deadline', () => {
  // The receiver drips its status line, so its answer never arrives within the deadline. (It dripped its
  // body after `writeHead` before; Node sends the headers with the first byte, a second in, so the
  // headers and the 1 s deadline raced, and headers first is an answer: a 200 whose body is cut,
  // http.test.ts.)
  test('a receiver dripping its answer one byte a second is cut at the endpoint timeout; the attempt is logged as timeout and the delivery is sent once', async () => {
    const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok';
    const DRIP_SECONDS = 20;
    const timers = new Set<NodeJS.Timeout>();
    const drip = await new Canary((res) => {
      const socket = res.socket!;
      let n = 0;
      const t = setInterval(() => {
        if (n >= DRIP_SECONDS || socket.destroyed) {
          clearInterval(t);
          timers.delete(t);
          socket.destroy();
          return;
        }
        socket.write(HEAD[n++]);
      }, 1000);
      timers.add(t);
      socket.on('close', () => {
        clearInterval(t);
        timers.delete(t);
      });
    }).start();
    const h = await Harness.start({ delivery: { allowNetworks: ['127.0.0.0/8'], retrySchedule: [3_600_000] } });
    try {
      const key = await merchant(h, 'drip');
      const d = await deliverOnce(h, key, `${drip.url}/drip`, { timeout_ms: 1000 });
      assert.equal(d.attempts.length, 1);
      assert.equal(d.attempts[0].error_class, 'timeout');
      assert.ok(
        d.attempts[0].duration_ms < (DRIP_SECONDS * 1000) / 2,
        `cut well before the drip ended (${d.attempts[0].duration_ms} ms)`,
      );
      assert.equal(d.status, 'pending', 'retried later, on its schedule');
      assert.equal(drip.requests, 1, 'sent once');
    } finally {
      await h.close();
      for (const t of timers) clearInterval(t);
      await drip.close();
    }
  });
});
