/**
 * `payhook listen`, spawned as a developer (or a CI job) runs it, against a real payhook and a real
 * local app: events are forwarded as webhooks signed with a local secret that survives restarts, one
 * printed line each; Ctrl-C exits 0; a failed forward (app down, 5xx) is retried until the app takes it;
 * a restart of listen (even kill -9) resumes from its cursor, and of payhook after the last event
 * forwarded; per-type routes; resent events arrive.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { verifySignature } from '@payhook/sdk';
import { createPayhook, type Payhook } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMerchant } from '../src/merchants/service.js';
import { Harness, Receiver, eventually } from './api-harness.js';
import { runCli } from './helpers/cli.js';
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
    assert.deepEqual(JSON.parse(got.body), {
      id: e.id,
      type: 'sale.success',
      timestamp: e.created_at,
      livemode: false,
      data: e.data,
    });
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(forwarded('/local', skipped.id).length, 0, 'filtered out by --events');
    await waitForOutput(r, new RegExp(`sale\\.success\\s+${e.id}\\s+\\[200\\]\\s+\\d+ ms`));

    r.child.kill('SIGINT');
    const { code } = await r.exited;
    assert.equal(code, 0, r.output());
    assert.match(r.output(), /Stopped\./);
  });

  test('the next run has the same secret and resumes where the last stopped; a 5xx is retried until the app takes it', async () => {
    const first = readFileSync(join(home, 'listen-secret'), 'utf8').trim();
    const cursor = JSON.parse(readFileSync(join(home, 'listen-cursor.json'), 'utf8'));
    const entry = Object.values(cursor)[0] as { url: string; after: string; resends_after: string };
    assert.equal(entry.url, h.url);
    assert.equal(JSON.stringify(cursor).includes(key), false, 'the API key is not written down');
    receiver.on('/flaky', { kind: 'fail-then-ok', failures: 2, status: 503 });
    receiver.on('/rejects', { kind: 'status', status: 400 });
    const r = listen(['--forward-to', `sale.*=${receiver.url}/flaky`, '--forward-to', `${receiver.url}/rejects`]);
    await waitForOutput(r, /Ready\./);
    assert.match(r.output(), new RegExp(`Webhook signing secret: ${first.replace(/[+/]/g, '\\$&')}\\n\\s+\\(kept in `));
    assert.match(r.output(), new RegExp(`^Resuming after ${entry.after} `, 'm'));
    const e = await send('sale.cancel');
    const rejected = await send('billing.failed');
    await waitForOutput(
      r,
      new RegExp(`sale\\.cancel\\s+${e.id}\\s+\\[503\\]\\s+\\d+ ms  -> \\S+/flaky  retrying in 1 s`),
    );
    await waitForOutput(
      r,
      new RegExp(`sale\\.cancel\\s+${e.id}\\s+\\[503\\]\\s+\\d+ ms  -> \\S+/flaky  attempt 2  retrying in 2 s`),
    );
    await waitForOutput(
      r,
      new RegExp(`sale\\.cancel\\s+${e.id}\\s+\\[200\\]\\s+\\d+ ms  -> \\S+/flaky  attempt 3$`, 'm'),
    );
    assert.equal(forwarded('/flaky', e.id).length, 3);
    assert.equal(forwarded('/rejects', e.id).length, 0, 'a typed route takes its types away from the default one');
    // A 4xx is the app's answer: printed, not retried, and the next event goes on.
    await waitForOutput(
      r,
      new RegExp(`billing\\.failed\\s+${rejected.id}\\s+\\[400\\]\\s+\\d+ ms  -> \\S+/rejects$`, 'm'),
    );
    assert.equal(forwarded('/rejects', rejected.id).length, 1);
    assert.equal(forwarded('/flaky', rejected.id).length, 0);
    r.child.kill('SIGINT');
    assert.equal((await r.exited).code, 0);
  });

  test('an app that is down gets the event once it is up (ECONNREFUSED is retried, never dropped)', async () => {
    // A port that was free a moment ago: nothing listens there yet.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const r = listen(['--forward-to', `http://127.0.0.1:${port}/webhooks`, '--from-now']);
    await waitForOutput(r, /Ready\./);
    const e = await send('sale.success');
    await waitForOutput(
      r,
      new RegExp(`sale\\.success\\s+${e.id}\\s+\\[error: ECONNREFUSED\\]\\s+\\d+ ms  retrying in 1 s`),
    );
    const got: string[] = [];
    const app: Server = createHttpServer((req, res) => {
      got.push(String(req.headers['webhook-id']));
      res.end('ok');
    });
    await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', resolve));
    try {
      await waitForOutput(r, new RegExp(`sale\\.success\\s+${e.id}\\s+\\[200\\]\\s+\\d+ ms  attempt \\d+$`, 'm'));
      assert.deepEqual(got, [e.id]);
    } finally {
      r.child.kill('SIGINT');
      await r.exited;
      await new Promise((resolve) => app.close(resolve));
    }
  });

  test('killed (-9) and started again: what was accepted meanwhile arrives, and resends too; --from-now skips', async () => {
    const own = mkdtempSync(join(tmpdir(), 'payhook-home-'));
    try {
      const env = { PAYHOOK_HOME: own };
      const r = listen(['--forward-to', `${receiver.url}/resume-cli`], env);
      await waitForOutput(r, /Ready\./);
      const before = await send('sale.success');
      await receiver.waitFor(() => forwarded('/resume-cli', before.id).length === 1, 15_000, 'the first event');
      // Saved once the app took it: killed before that, the event would simply come again (at least once).
      await eventually(
        () => readFileSync(join(own, 'listen-cursor.json'), 'utf8').includes(before.id),
        10_000,
        'the cursor to be saved',
      );
      r.child.kill('SIGKILL');
      await r.exited;
      // While listen is not running: two events, and a resend of the first through the CLI.
      const missed = [await send('sale.cancel'), await send('payment.success')];
      const resend = await runCli(['events', 'resend', before.id], { PAYHOOK_URL: h.url, PAYHOOK_API_KEY: key });
      assert.equal(resend.code, 0, resend.stderr);
      const resendId = /\((rsd_\w{26})\)/.exec(resend.stdout)![1];

      const again = listen(['--forward-to', `${receiver.url}/resume-cli`], env);
      await waitForOutput(again, new RegExp(`Resuming after ${before.id} `));
      for (const m of missed)
        await receiver.waitFor(() => forwarded('/resume-cli', m.id).length === 1, 15_000, `missed ${m.type}`);
      await receiver.waitFor(() => forwarded('/resume-cli', before.id).length === 2, 15_000, 'the resend');
      await waitForOutput(
        again,
        new RegExp(`sale\\.success\\s+${before.id}\\s+\\[200\\]\\s+\\d+ ms  \\(resent ${resendId}\\)`),
      );
      // Resent while running, through the API: it comes at once.
      const live = await h.call('POST', `/v1/events/${missed[0].id}/resend`, { key });
      assert.equal(live.status, 202);
      await receiver.waitFor(() => forwarded('/resume-cli', missed[0].id).length === 2, 15_000, 'the live resend');
      again.child.kill('SIGINT');
      assert.equal((await again.exited).code, 0);

      const skipped = await send('sale.success');
      const fresh = listen(['--forward-to', `${receiver.url}/resume-cli`, '--from-now'], env);
      await waitForOutput(fresh, /Ready\./);
      const after = await send('sale.cancel');
      await receiver.waitFor(
        () => forwarded('/resume-cli', after.id).length === 1,
        15_000,
        'the event after --from-now',
      );
      assert.equal(forwarded('/resume-cli', skipped.id).length, 0, '--from-now skipped it');
      assert.equal(forwarded('/resume-cli', before.id).length, 2, 'nothing replayed twice');
      fresh.child.kill('SIGTERM'); // as a CI job stops it
      assert.equal((await fresh.exited).code, 0);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  test('--max-attempts: listen stops (exit 1, forward_failed) before the event, and the next run sends it', async () => {
    const own = mkdtempSync(join(tmpdir(), 'payhook-home-'));
    try {
      receiver.on('/down', { kind: 'status', status: 502 });
      const r = listen(['--forward-to', `${receiver.url}/down`, '--max-attempts', '2'], { PAYHOOK_HOME: own });
      await waitForOutput(r, /Ready\./);
      const e = await send('sale.success');
      const { code } = await r.exited;
      assert.equal(code, 1, r.output());
      assert.match(r.output(), new RegExp(`${e.id}\\s+\\[502\\]\\s+\\d+ ms  attempt 2  giving up`));
      assert.match(r.output(), /\(forward_failed\)$/m);
      receiver.on('/down', { kind: 'ok' });
      const again = listen(['--forward-to', `${receiver.url}/down`], { PAYHOOK_HOME: own });
      await receiver.waitFor(() => forwarded('/down', e.id).length === 3, 15_000, 'the event on the next run');
      again.child.kill('SIGINT');
      assert.equal((await again.exited).code, 0);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  test('--api-version renders forwarded events as an endpoint of that version receives them', async () => {
    const r = listen([
      '--forward-to',
      `${receiver.url}/versioned`,
      '--events',
      'till.*',
      '--from-now',
      '--api-version',
      '2026-12-05',
    ]);
    await waitForOutput(r, /Ready\./);
    const secret = (await waitForOutput(r, /Webhook signing secret: (whsec_\S+)/))[1];
    const res = await fetch(`${h.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'till.sale', data: { amount: 1250, amount_decimal: '12.50', currency: 'AED' } }),
    });
    const e = (await res.json()) as { id: string };
    await receiver.waitFor(() => forwarded('/versioned', e.id).length === 1, 15_000, 'the versioned webhook');
    const got = forwarded('/versioned', e.id)[0];
    assert.equal(verifySignature(got.body, got.headers, secret).id, e.id);
    const body = JSON.parse(got.body);
    assert.equal(body.api_version, '2026-12-05');
    assert.deepEqual(body.data, { amount: { value: '12.50', minor: 1250, currency: 'AED' }, currency: 'AED' });
    r.child.kill('SIGINT');
    assert.equal((await r.exited).code, 0);
    const bad = listen(['--forward-to', `${receiver.url}/versioned`, '--api-version', '1999-01-01']);
    assert.equal((await bad.exited).code, 2);
    assert.match(bad.output(), /--api-version must be one of 2026-11-27, 2026-12-05/);
  });

  test('usage and API errors exit at once with a clear message', async () => {
    const badUrl = listen(['--forward-to', 'ftp://localhost:3000/webhooks']);
    const badRoute = listen(['--forward-to', 'order..x=http://localhost:3000/a']);
    const badKey = listen(['--forward-to', `${receiver.url}/local`], { PAYHOOK_API_KEY: 'sk_wrong' });
    const badTypes = listen(['--forward-to', `${receiver.url}/local`, '--events', 'sale..x']);
    const [url, route, k, types] = await Promise.all([badUrl.exited, badRoute.exited, badKey.exited, badTypes.exited]);
    assert.equal(url.code, 2);
    assert.match(badUrl.output(), /--forward-to must be an http:\/\/ or https:\/\/ URL/);
    assert.equal(route.code, 2);
    assert.match(badRoute.output(), /"order\.\.x" is not an event type or prefix\.\* wildcard .*\(usage_error\)/);
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
