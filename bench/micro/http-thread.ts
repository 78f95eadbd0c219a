/**
 * The HTTP client in a worker thread (PAYHOOK_HTTP_THREAD), off and on alternately in one process:
 * payhook embedded as the throughput scenario runs it (SQLite, API and dispatcher in one process, events
 * accepted in process in chunks of 1,000 while the dispatcher runs), the bench receiver in a process of
 * its own. Per round it reports, per delivery:
 *
 * - the CPU time of the main thread (the one that claims, commits, records results and serves the API),
 *   from /proc/self/task/<pid>/schedstat (nanoseconds), and the time it waited for a CPU (run queue);
 * - the CPU time of the whole process (process.cpuUsage: the HTTP worker, libuv's pool, V8's helpers);
 * - the throughput, which on a shared machine is the noisiest of the three.
 *
 * CPU time per delivery measures the work itself, so it survives other load far better than a rate.
 *
 * `--round-trip`: instead, what the thread adds to one request's time: sequential posts (one in flight)
 * to a local server, the in-process client and the threaded one alternating, median and p90 of each;
 * with `--remote`, to the bench receiver in a process of its own.
 *
 * Usage: node --conditions=development --import tsx bench/micro/http-thread.ts
 *          [--events 10000] [--rounds 4] [--endpoints 1] [--concurrency 50] [--round-trip [--remote]]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPayhook } from '../../packages/server/src/app.js';
import { loadConfig } from '../../packages/server/src/config.js';
import { DestinationPolicy } from '../../packages/server/src/delivery/destinations.js';
import { HttpClient, type HttpSender } from '../../packages/server/src/delivery/http.js';
import { ThreadedHttpClient } from '../../packages/server/src/delivery/http-thread.js';
import { createEndpoint } from '../../packages/server/src/endpoints/service.js';
import type { MerchantId } from '../../packages/server/src/ids.js';
import { createMerchant } from '../../packages/server/src/merchants/service.js';
import { ChildRpc } from '../lib/rpc.js';
import { makeEvent, makeRunId } from '../lib/workload.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '4' },
    endpoints: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '50' },
    'round-trip': { type: 'boolean', default: false },
    remote: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const ENDPOINTS = Number(values.endpoints);
const CHUNK = 1000;

/** CPU time and run-queue wait of one thread, in ns (schedstat: on-CPU, waiting, timeslices). */
function threadTimes(tid: number | string): { cpu: number; wait: number } {
  const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
  return { cpu, wait };
}

/** CPU time of every thread of this process but the main one, by thread name. */
function otherThreads(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      byName.set(name, (byName.get(name) ?? 0) + threadTimes(tid).cpu);
    } catch {
      /* the thread ended */
    }
  }
  return byName;
}

async function round(receiver: ChildRpc, thread: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-http-thread-'));
  const config = loadConfig(
    { PAYHOOK_HTTP_THREAD: String(thread) },
    {
      server: { host: '127.0.0.1', port: 0, logLevel: 'silent' },
      store: { dbPath: join(dir, 'payhook.db'), databaseUrl: null },
      delivery: {
        timeoutMs: 15_000,
        retrySchedule: Array(1000).fill(1000),
        maxInFlight: Number(values.concurrency),
        allowNetworks: ['127.0.0.0/8'],
      },
    },
  );
  const app = await createPayhook(config, { modules: [] });
  await app.start();
  const urls = await receiver.call<string[]>('configure', Array(ENDPOINTS).fill({}));
  const merchants: MerchantId[] = [];
  const secrets: string[] = [];
  for (const url of urls) {
    const { merchant } = await createMerchant(app.store, 'bench');
    secrets.push((await createEndpoint(app.store, merchant.id, { url })).secret);
    merchants.push(merchant.id);
  }
  await receiver.call('setSecrets', secrets);
  // Warm-up: the worker started and the connections opened before the clock starts.
  const warm = receiver.call<boolean>('waitFor', { count: ENDPOINTS, timeoutMs: 60_000 });
  const runId = makeRunId();
  await Promise.all(
    merchants.map((m, i) => {
      const e = makeEvent(`${runId}w`, i, ENDPOINTS);
      return app.ingestor.send({ merchantId: m, type: e.type, data: e.data });
    }),
  );
  await warm;
  await receiver.call('reset');

  const load = loadavg()[0];
  const arrived = receiver.call<boolean>('waitFor', { count: EVENTS, timeoutMs: 600_000 });
  const main0 = threadTimes(process.pid);
  const others0 = otherThreads();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += CHUNK) {
    const events = Array.from({ length: Math.min(CHUNK, EVENTS - i) }, (_, k) => makeEvent(runId, i + k, ENDPOINTS));
    await Promise.all(
      events.map((e) => app.ingestor.send({ merchantId: merchants[e.endpoint], type: e.type, data: e.data })),
    );
  }
  if (!(await arrived)) throw new Error('not every delivery arrived');
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const main = threadTimes(process.pid);
  const others = otherThreads();
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
  const perDelivery = (ns: number) => ns / 1000 / EVENTS;
  const threads = [...others]
    .map(([name, ns]) => [name, perDelivery(ns - (others0.get(name) ?? 0))] as const)
    .filter(([, us]) => us >= 1)
    .map(([name, us]) => `${name} ${us.toFixed(0)}`)
    .join(', ');
  return {
    thread,
    load,
    perS: EVENTS / seconds,
    mainUs: perDelivery(main.cpu - main0.cpu),
    mainWaitUs: perDelivery(main.wait - main0.wait),
    processUs: (cpu.user + cpu.system) / EVENTS,
    threads,
  };
}

/** Sequential posts through each client in turn; the receiver is in this process (both pay for it alike). */
async function roundTrip(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-length': '2' }).end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const receiver = values.remote
    ? await ChildRpc.start(new URL('../receiver/main.ts', import.meta.url).pathname, 'receiver')
    : null;
  if (receiver) url = (await receiver.call<string[]>('configure', [{}]))[0];
  const options = { connectionsPerOrigin: 1, destinations: new DestinationPolicy(['127.0.0.0/8']), userAgent: 'b' };
  const clients: [string, HttpSender][] = [
    ['in process', new HttpClient(options)],
    ['thread', new ThreadedHttpClient(options)],
  ];
  const times = new Map<string, number[]>(clients.map(([name]) => [name, []]));
  const body = JSON.stringify(makeEvent('rt', 0, 1).data);
  for (let i = 0; i < 3000; i++) {
    for (const [name, client] of clients) {
      const t = performance.now();
      const r = await client.post(
        url,
        { 'content-type': 'application/json', 'webhook-id': `rt${i}${name}` },
        body,
        5000,
      );
      if (r.statusCode === null) throw new Error(`${name}: ${r.errorMessage}`);
      if (i >= 500) times.get(name)!.push(performance.now() - t);
    }
  }
  console.log(`2,500 sequential posts each (after 500 of warm-up), load ${loadavg()[0].toFixed(1)}; ms`);
  for (const [name, list] of times) {
    list.sort((a, b) => a - b);
    const at = (p: number) => list[Math.floor((p / 100) * (list.length - 1))].toFixed(3);
    console.log(`${name}: p50 ${at(50)}, p90 ${at(90)}, p99 ${at(99)}`);
  }
  await Promise.all(clients.map(([, c]) => c.close()));
  server.close();
  await receiver?.stop();
}

if (values['round-trip']) {
  await roundTrip();
  process.exit(0);
}

const receiver = await ChildRpc.start(new URL('../receiver/main.ts', import.meta.url).pathname, 'receiver');
try {
  console.log(
    `${EVENTS} events, ${ENDPOINTS} endpoint(s), ${ROUNDS} rounds of off/on (the first pair is warm-up); µs per delivery`,
  );
  console.log('thread | load | deliveries/s | main CPU | main waiting | process CPU | other threads');
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always follows the other.
    for (const thread of r % 2 === 0 ? [false, true] : [true, false]) {
      const x = await round(receiver, thread);
      console.log(
        `${x.thread ? 'on ' : 'off'} | ${x.load.toFixed(1)} | ${x.perS.toFixed(0)} | ${x.mainUs.toFixed(0)} | ${x.mainWaitUs.toFixed(0)} | ${x.processUs.toFixed(0)} | ${x.threads}`,
      );
    }
  }
} finally {
  await receiver.stop();
}
