/**
 * The CLI's commands for every resource, spawned as a user runs them against a started payhook with a
 * real receiver: endpoints show/update/enable/disable/delete/rotate-secret/recover/test, events
 * list/show/resend, deliveries show/retry, api-keys list/create/revoke; output for people and --json,
 * confirmation of destructive commands, and the stable codes and exit statuses of mistakes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@payhook/sdk';
import { ADMIN_KEY, Harness, Receiver, eventually } from './api-harness.js';
import { runCli, type CliRun } from './helpers/cli.js';

describe('payhook CLI: every resource', () => {
  let h: Harness;
  let receiver: Receiver;
  let key = '';
  let endpointId = '';
  let secret = '';

  const payhook = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli(args, { PAYHOOK_URL: h.url, PAYHOOK_API_KEY: key, ...env });
  const ok = (r: CliRun) => {
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const json = async (args: string[]) => JSON.parse(ok(await payhook([...args, '--json'])).stdout);

  before(async () => {
    receiver = await new Receiver().start();
    receiver.on('/down', { kind: 'status', status: 503, body: 'maintenance' });
    h = await Harness.start({ delivery: { pollIntervalMs: 50, retrySchedule: [3_600_000] } });
    key = (await h.call('POST', '/v1/merchants', { body: { name: 'CLI shop' } })).body.api_key;
    const ep = await json(['endpoints', 'add', `${receiver.url}/hooks`, '--events', 'shop.*']);
    endpointId = ep.id;
    secret = ep.secret;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('endpoints show (with --secret), update, disable, enable', async () => {
    const shown = ok(await payhook(['endpoints', 'show', endpointId]));
    assert.match(shown.stdout, new RegExp(`^Endpoint:\\s+${endpointId}$`, 'm'));
    assert.match(shown.stdout, /^Status:\s+enabled$/m);
    assert.match(shown.stdout, /^Events:\s+shop\.\*$/m);
    assert.equal(shown.stdout.includes('whsec_'), false, 'no secret unless asked');
    const withSecret = await json(['endpoints', 'show', endpointId, '--secret']);
    assert.equal(withSecret.secrets.secret, secret);

    const updated = ok(
      await payhook([
        'endpoints',
        'update',
        endpointId,
        '--events',
        'shop.*,billing.*',
        '--description',
        'the shop',
        '--header',
        'x-shop: corner',
        '--timeout',
        '5s',
      ]),
    );
    assert.match(updated.stdout, /^Updated endpoint ep_/m);
    assert.match(updated.stdout, /^Headers:\s+x-shop$/m, 'header names, not values');
    const ep = (await h.call('GET', `/v1/endpoints/${endpointId}`, { key })).body;
    assert.deepEqual(
      [ep.event_types, ep.description, ep.headers, ep.timeout_ms],
      [['shop.*', 'billing.*'], 'the shop', { 'x-shop': 'corner' }, 5000],
    );
    const cleared = await json(['endpoints', 'update', endpointId, '--clear-headers', '--timeout', 'default']);
    assert.deepEqual([cleared.headers, cleared.timeout_ms], [{}, null]);
    // The event version and payload style, changed in place; an unknown version is the API's stable code.
    const versioned = ok(
      await payhook(['endpoints', 'update', endpointId, '--api-version', '2026-11-27', '--payload-style', 'thin']),
    );
    assert.match(versioned.stdout, /^API version:\s+2026-11-27$/m);
    assert.match(versioned.stdout, /^Payload:\s+thin$/m);
    const back = await json([
      'endpoints',
      'update',
      endpointId,
      '--api-version',
      '2026-12-05',
      '--payload-style',
      'snapshot',
    ]);
    assert.deepEqual([back.api_version, back.payload_style], ['2026-12-05', 'snapshot']);
    const unknown = await payhook(['endpoints', 'update', endpointId, '--api-version', '2020-01-01']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown_api_version/);

    const controlled = ok(
      await payhook(['endpoints', 'update', endpointId, '--rate-limit', '10', '--retry-schedule', '5s,1m,90']),
    );
    assert.match(controlled.stdout, /^Rate limit:\s+10\/s$/m);
    assert.match(controlled.stdout, /^Retries:\s+5s, 60s, 90s$/m);
    assert.match(ok(await payhook(['endpoints', 'show', endpointId])).stdout, /^Circuit:\s+closed$/m);
    const tooMany = await payhook(['endpoints', 'update', endpointId, '--retry-schedule', '5s,4d']);
    assert.equal(tooMany.code, 1);
    assert.match(tooMany.stderr, /\(invalid_retry_schedule\)$/m);
    const reset = await json([
      'endpoints',
      'update',
      endpointId,
      '--rate-limit',
      'none',
      '--retry-schedule',
      'default',
    ]);
    assert.deepEqual([reset.rate_limit, reset.retry_schedule], [null, null]);

    assert.match(ok(await payhook(['endpoints', 'disable', endpointId])).stdout, /is disabled \(merchant\)$/m);
    assert.equal((await h.call('GET', `/v1/endpoints/${endpointId}`, { key })).body.disabled, true);
    assert.match(ok(await payhook(['endpoints', 'enable', endpointId])).stdout, /is enabled$/m);
    assert.equal((await h.call('GET', `/v1/endpoints/${endpointId}`, { key })).body.disabled, false);
  });

  test('endpoints test: a signed payhook.test webhook, verifiable with the secret; a failing endpoint exits 1', async () => {
    const r = ok(await payhook(['endpoints', 'test', endpointId]));
    assert.match(r.stdout, /^Sent payhook\.test (evt_\w{26}) to http:\/\/127\.0\.0\.1:\d+\/hooks: \[200\] in \d+ ms$/m);
    const webhookId = /Sent payhook\.test (evt_\w{26})/.exec(r.stdout)![1];
    const got = receiver.for('/hooks').find((x) => x.headers['webhook-id'] === webhookId)!;
    assert.ok(got, 'the receiver got it');
    const event = verify(got.body, got.headers as Record<string, string>, secret);
    assert.equal(event.type, 'payhook.test');
    assert.deepEqual((event.data as { endpoint_id: string }).endpoint_id, endpointId);
    assert.equal((await h.call('GET', `/v1/events/${webhookId}`, { key })).status, 404, 'not an event');

    const down = await json(['endpoints', 'add', `${receiver.url}/down`, '--events', 'billing.*']);
    const failed = await payhook(['endpoints', 'test', down.id]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /: \[503\] in \d+ ms$/m);
    assert.match(failed.stdout, /^Response: maintenance$/m);
    assert.match(failed.stderr, /\(endpoint_test_failed\)$/m);
    const asJson = await payhook(['endpoints', 'test', down.id, '--json']);
    assert.equal(asJson.code, 1);
    assert.deepEqual(
      (({ succeeded, status_code, response_body }) => ({ succeeded, status_code, response_body }))(
        JSON.parse(asJson.stdout),
      ),
      { succeeded: false, status_code: 503, response_body: 'maintenance' },
    );
  });

  test('events list, show and resend; deliveries show and retry', async () => {
    const sent = JSON.parse(
      ok(await payhook(['events', 'send', 'shop.order_paid', '--data', '{"order":"A-1"}', '--json'])).stdout,
    );
    const other = JSON.parse(ok(await payhook(['events', 'send', 'billing.paid', '--json'])).stdout);
    await receiver.waitFor(() => receiver.for('/hooks').some((r) => r.headers['webhook-id'] === sent.id));

    const list = await json(['events', 'list', '--type', 'shop.*', '--limit', '10']);
    assert.deepEqual(
      list.data.map((e: { id: string }) => e.id),
      [sent.id],
    );
    const table = ok(await payhook(['events', 'list', '--order', 'asc']));
    assert.ok(table.stdout.indexOf(sent.id) < table.stdout.indexOf(other.id), 'oldest first');

    const delivery = await eventually(async () => {
      const d = (await h.call('GET', `/v1/deliveries?event_id=${sent.id}`, { key })).body.data[0];
      return d?.status === 'succeeded' ? d : null;
    });
    const shown = ok(await payhook(['events', 'show', sent.id]));
    assert.match(shown.stdout, /^Type:\s+shop\.order_paid$/m);
    assert.match(shown.stdout, /"order": "A-1"/);
    assert.match(shown.stdout, new RegExp(`^${delivery.id}\\s+${endpointId}\\s+succeeded\\s+1\\s+200$`, 'm'));
    assert.equal((await json(['events', 'show', sent.id])).deliveries[0].id, delivery.id);
    const inVersion = ok(await payhook(['events', 'show', sent.id, '--api-version', '2026-12-05']));
    assert.match(inVersion.stdout, /^API version:\s+2026-12-05$/m);

    const resent = ok(await payhook(['events', 'resend', sent.id]));
    assert.match(resent.stdout, new RegExp(`^Resent ${sent.id} \\(rsd_\\w{26}\\): 1 delivery due now`, 'm'));
    await receiver.waitFor(
      () => receiver.for('/hooks').filter((r) => r.headers['webhook-id'] === sent.id).length === 2,
      10_000,
      'the resent webhook',
    );
    await eventually(
      async () => (await h.call('GET', `/v1/deliveries/${delivery.id}`, { key })).body.attempt_count === 2,
    );
    const d = ok(await payhook(['deliveries', 'show', delivery.id]));
    assert.match(d.stdout, /^Status:\s+succeeded$/m);
    assert.match(d.stdout, /^1\s+\S+\s+\d+ ms\s+200\s+ok/m);
    assert.match(d.stdout, /^2\s+\S+\s+\d+ ms\s+200\s+ok/m);

    const retried = ok(await payhook(['deliveries', 'retry', delivery.id]));
    assert.match(retried.stdout, /is due now \(attempts so far: 2\)/);
    await receiver.waitFor(
      () => receiver.for('/hooks').filter((r) => r.headers['webhook-id'] === sent.id).length === 3,
      10_000,
      'the retried webhook',
    );
  });

  test('endpoints recover and rotate-secret', async () => {
    const ep = await json(['endpoints', 'add', `${receiver.url}/flaky`, '--events', 'stock.*']);
    receiver.on('/flaky', { kind: 'status', status: 410 });
    const e = JSON.parse(ok(await payhook(['events', 'send', 'stock.low', '--json'])).stdout);
    // 410 disables the endpoint and its delivery waits: enabling it sends the delivery again, so there
    // is nothing failed left to recover.
    await eventually(async () => (await h.call('GET', `/v1/endpoints/${ep.id}`, { key })).body.disabled === true);
    receiver.on('/flaky', { kind: 'ok' });
    ok(await payhook(['endpoints', 'enable', ep.id]));
    await receiver.waitFor(
      () => receiver.for('/flaky').filter((r) => r.headers['webhook-id'] === e.id).length === 2,
      10_000,
      'the webhook that waited',
    );
    const rec = ok(await payhook(['endpoints', 'recover', ep.id, '--since', '1h']));
    assert.match(rec.stdout, /^0 failed deliveries since \S+ due again now$/m);
    const bad = await payhook(['endpoints', 'recover', ep.id, '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\(usage_error\)$/m);

    const rotated = ok(await payhook(['endpoints', 'rotate-secret', ep.id]));
    assert.match(rotated.stdout, /^New signing secret: whsec_/m);
    assert.match(rotated.stdout, /^Previous secret whsec_\S+… keeps signing until /m);
    const alias = await json(['endpoints', 'rotate', ep.id]);
    assert.equal(alias.previous_secrets.length, 2);
  });

  test('endpoints delete asks for confirmation: without a terminal it needs --yes', async () => {
    const ep = await json(['endpoints', 'add', `${receiver.url}/gone`]);
    const refused = await payhook(['endpoints', 'delete', ep.id]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^payhook: Delete endpoint ep_\w{26} \(http:.*\/gone\)\? Pass --yes to confirm.*\(confirmation_required\)$/m,
    );
    assert.equal((await h.call('GET', `/v1/endpoints/${ep.id}`, { key })).status, 200, 'still there');
    assert.match(ok(await payhook(['endpoints', 'delete', ep.id, '--yes'])).stdout, /^Deleted endpoint ep_/m);
    assert.equal((await h.call('GET', `/v1/endpoints/${ep.id}`, { key })).status, 404);
    const again = await payhook(['endpoints', 'delete', ep.id, '--yes', '--json']);
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stderr).error.code, 'endpoint_not_found');
  });

  test('api-keys create, list, revoke; a read-only key reads and cannot write', async () => {
    const created = ok(await payhook(['api-keys', 'create', 'reporting', '--read-only']));
    const id = /^Created API key (key_\w{26}) \(reporting, read\)$/m.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    const readKey = /^\s+(sk_\S+)$/m.exec(created.stdout)![1];
    const listed = ok(await payhook(['keys', 'list']));
    assert.match(listed.stdout, new RegExp(`^${id}\\s+reporting\\s+sk_test_\\S+…\\s+test\\s+read\\s`, 'm'));
    assert.match(listed.stdout, /^Mode: test \(bank simulator\)$/m, 'the CLI says which mode it is in');
    assert.equal(listed.stdout.includes(readKey), false, 'never the key itself');

    ok(await payhook(['events', 'list'], { PAYHOOK_API_KEY: readKey }));
    const write = await payhook(['events', 'send', 'shop.x'], { PAYHOOK_API_KEY: readKey });
    assert.equal(write.code, 1);
    assert.match(write.stderr, /\(insufficient_scope\)$/m);

    assert.equal((await payhook(['api-keys', 'revoke', id])).code, 2, 'needs --yes without a terminal');
    ok(await payhook(['api-keys', 'revoke', id, '--yes']));
    const revoked = await payhook(['events', 'list'], { PAYHOOK_API_KEY: readKey });
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /\(unauthorized\)$/m);
  });

  test('keys create --mode: a test key cannot make a live key; the admin key makes one for the merchant', async () => {
    const merchantId = (await h.call('GET', '/v1/endpoints', { key })).body.data[0].merchant_id;
    const refused = await payhook(['keys', 'create', 'live-ci', '--mode', 'live']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /\(mode_mismatch\)$/m);
    const admin = { PAYHOOK_API_KEY: ADMIN_KEY, PAYHOOK_MERCHANT_ID: merchantId };
    const made = ok(await payhook(['keys', 'create', 'live-ci', '--mode', 'live'], admin));
    assert.match(made.stdout, /^Mode: live /m);
    const liveKey = /^\s+(sk_live_\S+)$/m.exec(made.stdout)?.[1];
    assert.ok(liveKey, made.stdout);
    const listed = ok(await payhook(['keys', 'list'], { PAYHOOK_API_KEY: liveKey }));
    assert.match(listed.stdout, /^Mode: live /m);
    assert.match(listed.stdout, /\slive-ci\s+sk_live_\S+…\s+live\s/);
    assert.equal(listed.stdout.includes('sk_test_'), false, "the test mode's keys are not listed");
  });

  test('mistakes have stable codes: usage 2, payhook unreachable 1, unknown flags 2', async () => {
    // A port nobody listens on: one just freed.
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const closedPort = (spare.address() as AddressInfo).port;
    await new Promise((r) => spare.close(r));
    const [badJson, unknownFlag, nothing, unreachable, noKey] = await Promise.all([
      payhook(['events', 'send', 'shop.x', '--data', '[1]', '--json']),
      payhook(['endpoints', 'show', endpointId, '--colour']),
      payhook(['endpoints', 'update', endpointId]),
      payhook(['events', 'list'], { PAYHOOK_URL: `http://127.0.0.1:${closedPort}` }),
      payhook(['api-keys', 'list'], { PAYHOOK_API_KEY: '' }),
    ]);
    assert.equal(badJson.code, 2);
    assert.equal(JSON.parse(badJson.stderr).error.code, 'invalid_json');
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /unknown option '--colour'/);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /^payhook: nothing to change: .* \(usage_error\)$/m);
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      /^payhook: cannot reach payhook at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED .*\(connection_failed\)$/m,
    );
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /\(missing_api_key\)$/m);
  });
});
