/**
 * `payhook listen`, spawned as a developer runs it, against a real payhook and a real local app: events
 * are forwarded as webhooks signed with a local secret that survives restarts, one printed line each;
 * Ctrl-C exits 0; a lost connection is retried and resumes after the last event forwarded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { verifySignature } from '@payhook/sdk';
import { createPayhook, type Payhook } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMerchant } from '../src/merchants/service.js';
import { Harness, Receiver } from './api-harness.js';
import { runPayhook, waitForOutput, type Running } from './helpers/spawn.js';

describe('payhook listen', () => {
  let h: Harness;
  let receiver: Receiver;
  let key: string;
  let home: string;
  const running: Running[] = [];

  const listen = (args: string[], env: Record<string, string> = {}): Running => {
    const r = runPayhook(['listen', ...args], { PAYHOOK_HOME: home, PAYHOOK_URL: h.url, PAYHOOK_API_KEY: key, ...env });
    running.push(r);
    return r;
  };
  const send = async (type: string, url = h.url) => {
    const r = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type, data: { type } }),
    });
    assert.equal(r.status, 202);
    return (await r.json()) as { id: string; type: string; created_at: string; data: unknown };
  };
  const forwarded = (path: string, id: string) => receiver.for(path).filter((r) => r.headers['webhook-id'] === id);

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({ delivery: { pollIntervalMs: 50 } });
    key = (await createMerchant(h.app.store, 'Laptop shop')).apiKey;
    home = mkdtempSync(join(tmpdir(), 'payhook-home-'));
  });
  after(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await h?.close();
    await receiver?.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('forwards matching events signed with the local secret and prints a line each; Ctrl-C exits 0', async () => {
    const r = listen(['--forward-to', `${receiver.url}/local`, '--events', 'sale.*']);
    await waitForOutput(r, /Ready\./);
    const secret = (await waitForOutput(r, /Webhook signing secret: (whsec_\S+)/))[1];
    assert.equal(
      readFileSync(join(home, 'listen-secret'), 'utf8').trim(),
      secret,
      'kept in $PAYHOOK_HOME/listen-secret',
    );

    const skipped = await send('payment.success');
    const e = await send('sale.success');
    await receiver.waitFor(() => forwarded('/local', e.id).length === 1, 15_000, 'the forwarded webhook');
    const got = forwarded('/local', e.id)[0];
    assert.deepEqual(verifySignature(got.body, got.headers, secret).id, e.id);
    assert.deepEqual(JSON.parse(got.body), { id: e.id, type: 'sale.success', timestamp: e.created_at, data: e.data });
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(forwarded('/local', skipped.id).length, 0, 'filtered out by --events');
    await waitForOutput(r, new RegExp(`sale\\.success\\s+${e.id}\\s+\\[200\\]\\s+\\d+ ms`));

    r.child.kill('SIGINT');
    const { code } = await r.exited;
    assert.equal(code, 0, r.output());
    assert.match(r.output(), /Stopped\./);
  });

  test('the secret is the same on the next run; a failing local app is reported, not retried', async () => {
    const first = readFileSync(join(home, 'listen-secret'), 'utf8').trim();
    receiver.on('/broken', { kind: 'status', status: 500 });
    const r = listen(['--forward-to', `${receiver.url}/broken`]);
    await waitForOutput(r, /Ready\./);
    assert.match(r.output(), new RegExp(`Webhook signing secret: ${first.replace(/[+/]/g, '\\$&')}\\n\\s+\\(kept in `));
    const e = await send('sale.cancel');
    await waitForOutput(r, new RegExp(`sale\\.cancel\\s+${e.id}\\s+\\[500\\]`));
    assert.equal(forwarded('/broken', e.id).length, 1);
    r.child.kill('SIGINT');
    assert.equal((await r.exited).code, 0);
  });

  test('an unreachable local app is reported with its error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const r = listen(['--forward-to', `http://127.0.0.1:${port}/webhooks`]);
    await waitForOutput(r, /Ready\./);
    const e = await send('sale.success');
    await waitForOutput(r, new RegExp(`sale\\.success\\s+${e.id}\\s+\\[error: ECONNREFUSED\\]`));
    r.child.kill('SIGINT');
    assert.equal((await r.exited).code, 0);
  });

  test('usage and API errors exit at once with a clear message', async () => {
    const badUrl = listen(['--forward-to', 'localhost:3000/webhooks']);
    const badKey = listen(['--forward-to', `${receiver.url}/local`], { PAYHOOK_API_KEY: 'sk_wrong' });
    const badTypes = listen(['--forward-to', `${receiver.url}/local`, '--events', 'sale..x']);
    const [url, k, types] = await Promise.all([badUrl.exited, badKey.exited, badTypes.exited]);
    assert.equal(url.code, 2);
    assert.match(badUrl.output(), /--forward-to must be an http:\/\/ or https:\/\/ URL/);
    assert.equal(k.code, 1);
    assert.match(badKey.output(), /\(unauthorized\)/);
    assert.equal(types.code, 1);
    assert.match(badTypes.output(), /\(validation_failed\)/);
  });

  test('when payhook restarts, it reconnects and resumes after the last event forwarded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payhook-restart-'));
    const start = async (port: number): Promise<Payhook> => {
      const config = loadConfig(
        {},
        {
          server: { port, adminKey: 'ak_restart_test', logLevel: 'silent' },
          store: { dbPath: join(dir, 'payhook.db') },
          delivery: { pollIntervalMs: 50, allowNetworks: ['127.0.0.0/8', '::1/128'] },
        },
      );
      const app = await createPayhook(config);
      await app.start();
      return app;
    };
    let server = await start(0);
    try {
      const port = Number(new URL(server.url!).port);
      const merchantKey = (await createMerchant(server.store, 'Restarting')).apiKey;
      const r = listen(['--forward-to', `${receiver.url}/resume`], {
        PAYHOOK_URL: server.url!,
        PAYHOOK_API_KEY: merchantKey,
      });
      await waitForOutput(r, /Ready\./);
      const sendTo = async (type: string) => {
        const res = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${merchantKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type, data: {} }),
        });
        assert.equal(res.status, 202);
        return ((await res.json()) as { id: string }).id;
      };
      const first = await sendTo('sale.success');
      await receiver.waitFor(() => forwarded('/resume', first).length === 1, 15_000, 'the first event');

      await server.stop();
      await waitForOutput(r, /reconnecting in 1 s/);
      server = await start(port);
      // Accepted while listen is disconnected or reconnecting: either way it must arrive, once.
      const second = await sendTo('sale.cancel');
      await receiver.waitFor(
        () => forwarded('/resume', second).length === 1,
        20_000,
        'the event sent after the restart',
      );
      await waitForOutput(r, new RegExp(`Reconnected; resuming after ${first}`));
      const third = await sendTo('payment.success');
      await receiver.waitFor(() => forwarded('/resume', third).length === 1, 15_000, 'the next event');
      assert.equal(forwarded('/resume', first).length, 1, 'nothing forwarded twice');
      r.child.kill('SIGINT');
      assert.equal((await r.exited).code, 0);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
