/**
 * The CLI's API commands, spawned as a user runs them (`node packages/server/bin/payhook.mjs …`,
 * sources through tsx) against a started payhook: output for people, --json, errors and exit codes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, ADMIN_KEY, eventually } from './api-harness.js';
import { runCli, type CliRun } from './helpers/cli.js';

describe('payhook CLI against a running server', () => {
  let h: Harness;
  let receiver: Receiver;
  let merchantKey = '';

  const payhook = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli(args, { PAYHOOK_URL: h.url, PAYHOOK_API_KEY: merchantKey, ...env });

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start();
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('merchants create prints the merchant and its key once; the key works', async () => {
    const r = await payhook(['merchants', 'create', 'Corner Shop'], { PAYHOOK_API_KEY: ADMIN_KEY });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Created merchant mer_\w{26} \(Corner Shop\)$/m);
    merchantKey = /^\s+(sk_\S+)$/m.exec(r.stdout)?.[1] ?? '';
    assert.ok(merchantKey, r.stdout);
    assert.equal((await h.call('GET', '/v1/endpoints', { key: merchantKey })).status, 200);
  });

  test('endpoints add, events send, deliveries list --json', async () => {
    const add = await payhook([
      'endpoints',
      'add',
      `${receiver.url}/cli`,
      '--events',
      'shop.*',
      '--description',
      'from the CLI',
    ]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^Created endpoint ep_\w{26} -> http:\/\/127\.0\.0\.1:\d+\/cli$/m);
    assert.match(add.stdout, /^Events: shop\.\*/m);
    assert.match(add.stdout, /^Signing secret: whsec_/m);

    const send = await payhook([
      'events',
      'send',
      'shop.order_paid',
      '--data',
      '{"order_id":"ord_1"}',
      '--idempotency-key',
      'cli-1',
    ]);
    assert.equal(send.code, 0, send.stderr);
    const id = /^Accepted (evt_\w{26}) \(shop\.order_paid\)/m.exec(send.stdout)?.[1];
    assert.ok(id, send.stdout);

    await receiver.waitFor(() => receiver.for('/cli').length === 1, 10_000, 'the webhook');
    await eventually(
      async () => (await h.call('GET', '/v1/deliveries?status=succeeded', { key: merchantKey })).body.data.length === 1,
    );
    const list = await payhook(['deliveries', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const page = JSON.parse(list.stdout);
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0].event_id, id);
    assert.equal(page.data[0].status, 'succeeded');
  });

  // Independent runs go in parallel: each is a node start with tsx, which is most of its time.
  test('API errors print their code and exit 1 (as JSON with --json); usage mistakes exit 2; --help', async () => {
    const [bad, json, noKey, help] = await Promise.all([
      payhook(['endpoints', 'add', 'ftp://example.com/x']),
      payhook(['deliveries', 'retry', 'del_nope', '--json', '--api-key', 'sk_wrong']),
      payhook(['endpoints', 'list'], { PAYHOOK_API_KEY: '' }),
      payhook(['deliveries', 'list', '--help']),
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^payhook: .*\(invalid_url\)$/m);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stderr).error.code, 'unauthorized');
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /no API key/);
    assert.equal(help.code, 0);
    for (const flag of ['--status', '--endpoint', '--url', '--api-key', '--json'])
      assert.ok(help.stdout.includes(flag), flag);
  });
});
