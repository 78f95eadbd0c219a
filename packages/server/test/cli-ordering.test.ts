/**
 * The CLI for ordered delivery and bulk replay, spawned against a started payhook with a real receiver:
 * `endpoints update --ordered --ordering-on-failure`, `deliveries skip`, and `endpoints replay` with its
 * progress until the replay is done.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, eventually } from './api-harness.js';
import { runCli, type CliRun } from './helpers/cli.js';

let h: Harness;
let rx: Receiver;
let key = '';

const payhook = (args: string[]): Promise<CliRun> => runCli(args, { PAYHOOK_URL: h.url, PAYHOOK_API_KEY: key });
const ok = (r: CliRun) => {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
};

before(async () => {
  rx = await new Receiver().start();
  rx.on('/down', { kind: 'status', status: 503 });
  h = await Harness.start({ delivery: { pollIntervalMs: 50, retrySchedule: [50], retryJitter: 0 } });
  key = (await h.call('POST', '/v1/merchants', { body: { name: 'CLI shop' } })).body.api_key;
});
after(async () => {
  await h?.close();
  await rx?.close();
});

test('endpoints update --ordered --ordering-on-failure, deliveries skip, endpoints replay', async () => {
  const ep = (await h.call('POST', '/v1/endpoints', { key, body: { url: `${rx.url}/down` } })).body;
  const on = JSON.parse(
    ok(await payhook(['endpoints', 'update', ep.id, '--ordered', '--ordering-on-failure', 'hold', '--json'])).stdout,
  );
  assert.deepEqual([on.ordered, on.ordering_on_failure], [true, 'hold']);
  const shown = ok(await payhook(['endpoints', 'show', ep.id]));
  assert.match(shown.stdout, /^Ordered:\s+yes \(on failure: hold\)$/m);
  const bad = await payhook(['endpoints', 'update', ep.id, '--ordering-on-failure', 'wait']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /usage_error/);

  const ev = await h.call('POST', '/v1/events', { key, body: { type: 'shop.paid', data: {}, ordering_key: 'o1' } });
  await h.call('POST', '/v1/events', { key, body: { type: 'shop.paid', data: {}, ordering_key: 'o1' } });
  const first = (await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}`, { key })).body.data[0];
  const failed = await eventually(
    async () => {
      const d = (await h.call('GET', `/v1/deliveries/${first.id}`, { key })).body;
      return d.status === 'failed' ? d : null;
    },
    10_000,
    'the first delivery to fail',
  );
  assert.equal(failed.held, true);
  const skipped = ok(await payhook(['deliveries', 'skip', first.id]));
  assert.match(skipped.stdout, new RegExp(`^Delivery ${first.id} skipped \\(failed\\)`, 'm'));
  const again = await payhook(['deliveries', 'skip', first.id, '--json']);
  assert.equal(again.code, 0, 'a skipped failed delivery can be skipped again (it holds nothing)');

  rx.on('/down', { kind: 'ok' });
  const replay = ok(await payhook(['endpoints', 'replay', ep.id, '--since', '1h', '--status', 'all']));
  assert.match(replay.stdout, /^Replay rpl_\w+ completed: 2 deliveries made due$/m);
  assert.match(replay.stderr, /^Replay rpl_\w+: 2 events to send again$/m);
  assert.match(replay.stderr, /\[#+\] 100% 2\/2 completed/);
  const asJson = JSON.parse(ok(await payhook(['endpoints', 'replay', ep.id, '--since', '1h', '--json'])).stdout);
  assert.equal(asJson.state, 'completed');
  assert.match(asJson.id, /^rpl_/);
  const badStatus = await payhook(['endpoints', 'replay', ep.id, '--since', '1h', '--status', 'some']);
  assert.equal(badStatus.code, 2);
  const foreign = await runCli(['endpoints', 'replay', ep.id, '--since', '1h'], {
    PAYHOOK_URL: h.url,
    PAYHOOK_API_KEY: (await h.call('POST', '/v1/merchants', { body: { name: 'other' } })).body.api_key,
  });
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /endpoint_not_found/);
});
