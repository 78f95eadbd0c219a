/**
 * `npm run bench [-- --scenario throughput,latency --quick --systems raw,bullmq]`
 *
 * Starts a receiver process, runs each applicable system on the same workload (each in a fresh host
 * process), and writes bench/results/<date>-<scenario>[-quick].{md,json} with SVG plots beside them.
 * See bench/README.md.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import { Redis } from 'ioredis';
import { computeRatios, describeMachine, writeReport } from './lib/report.js';
import { ChildRpc } from './lib/rpc.js';
import { makeSettings } from './lib/settings.js';
import { loadSystems, type LoadedSystem } from './lib/systems.js';
import { ensureBuild } from './lib/payhook-code.js';
import { stopSpareHost } from './lib/session.js';
import { withClient } from './lib/postgres.js';
import type { ScenarioName } from './systems/types.js';
import { SCENARIOS } from './scenarios/index.js';

const RECEIVER_ENTRY = new URL('./receiver/main.ts', import.meta.url).pathname;
const RESULTS_DIR = new URL('./results/', import.meta.url);

const USAGE = `usage: npm run bench [-- options]
  --scenario <list>     throughput,latency,isolation,backlog,ingest,payment,scale-out (default: all)
  --quick               small counts, for a smoke run (under a minute for the baselines)
  --systems <list>      only these systems (ids from bench/systems/*.ts); also runs their optional scenarios
  --concurrency <n>     HTTP requests in flight for every system (default 50)
  --events <n>          override the event count of throughput, isolation and backlog
  --rate <n>            override the offered rate of latency and payment (events or payments per second)
  --no-write            print the figures, do not write bench/results
  --from-source         run payhook's TypeScript sources through tsx instead of its build
  --help`;

const startedAt = Date.now();
const log = (message: string) =>
  process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);

async function serverVersions(settings: ReturnType<typeof makeSettings>) {
  let redis: string | null = null,
    postgres: string | null = null;
  const client = new Redis({
    ...settings.redis,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    redis = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? null;
  } catch {
    /* not running */
  } finally {
    client.disconnect();
  }
  try {
    postgres = await withClient(
      settings.postgresUrl,
      async (c) => (await c.query('show server_version')).rows[0].server_version as string,
    );
  } catch {
    /* not running */
  }
  return { redis, postgres };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      quick: { type: 'boolean', default: false },
      systems: { type: 'string' },
      concurrency: { type: 'string' },
      events: { type: 'string' },
      rate: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      'from-source': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scenarios = (values.scenario?.split(',') ?? Object.keys(SCENARIOS)) as ScenarioName[];
  for (const s of scenarios) if (!(s in SCENARIOS)) throw new Error(`unknown scenario ${s}\n${USAGE}`);
  const settings = makeSettings(values.quick, {
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    events: values.events ? Number(values.events) : undefined,
    rate: values.rate ? Number(values.rate) : undefined,
  });
  // payhook runs from its build unless asked otherwise (lib/payhook-code.ts); the hosts forked below
  // inherit the choice with the environment.
  process.env.BENCH_PAYHOOK_CODE = values['from-source'] ? 'src' : 'dist';
  if (!values['from-source']) ensureBuild(log);
  const wanted = values.systems?.split(',');
  const all = await loadSystems(log);
  for (const id of wanted ?? [])
    if (!all.some((l) => l.system.id === id))
      throw new Error(`no system ${id}; known: ${all.map((l) => l.system.id).join(', ')}`);

  const machine = describeMachine();
  Object.assign(machine, await serverVersions(settings));
  log(
    `payhook bench: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAverageBefore.join(' ')}, payhook from its ${machine.payhookCode === 'dist' ? 'build' : 'sources'}${settings.quick ? ', quick' : ''}`,
  );

  process.env.BENCH_SAMPLE_EVERY = String(settings.sampleEvery);
  const receiver = await ChildRpc.start(RECEIVER_ENTRY, 'receiver', { profile: true });
  process.once('SIGINT', () => {
    log('interrupted');
    void receiver.stop(1000).finally(() => process.exit(130));
  });
  const unavailable = new Map<string, string | null>();
  try {
    for (const scenario of scenarios) {
      const started = Date.now();
      const candidates = all.filter(({ system }) =>
        wanted
          ? wanted.includes(system.id) &&
            (system.scenarios.includes(scenario) || system.optionalScenarios?.includes(scenario))
          : system.scenarios.includes(scenario),
      );
      const systems: LoadedSystem[] = [];
      const skipped: Array<{ system: string; reason: string }> = [];
      for (const loaded of candidates) {
        const { system } = loaded;
        if (!unavailable.has(system.id)) unavailable.set(system.id, (await system.unavailable?.()) ?? null);
        const reason = unavailable.get(system.id);
        if (reason) {
          skipped.push({ system: system.id, reason });
          log(`${scenario}: skipping ${system.id}: ${reason}`);
        } else systems.push(loaded);
      }
      if (systems.length === 0) {
        log(
          `${scenario}: no system to run${all.some((l) => l.system.role === 'subject') ? '' : ' (payhook is not plugged in yet: bench/systems/payhook.ts)'}`,
        );
        continue;
      }
      log(`== ${scenario}: ${systems.map((l) => l.system.id).join(', ')}`);
      const outcome = await SCENARIOS[scenario]({ settings, receiver, systems, log });
      const ratios = computeRatios(
        outcome,
        systems.map((l) => l.system),
      );
      for (const r of ratios)
        log(
          `  ratio ${r.subject} ÷ ${r.versus}${r.variant ? ` (${r.variant})` : ''} ${r.metric}: ${r.value.toFixed(2)}×`,
        );
      machine.loadAverageAfter = os.loadavg().map((l) => +l.toFixed(2));
      const date = new Date().toISOString().slice(0, 10);
      const base = `${date}-${scenario}${settings.quick ? '-quick' : ''}`;
      outcome.plots = outcome.plots.map((p) => ({ ...p, name: `${base}-${p.name}` }));
      const report = {
        scenario,
        date,
        settings,
        machine: { ...machine },
        systems: systems.map((l) => l.system),
        skipped,
        outcome,
        ratios,
        durationS: (Date.now() - started) / 1000,
      };
      if (values['no-write']) continue;
      const files = writeReport(RESULTS_DIR, base, report);
      log(`  wrote ${files.map((f) => `bench/results/${f}`).join(', ')}`);
    }
  } finally {
    await stopSpareHost();
    await receiver.stop(5000);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
