/**
 * What every scenario does around one run of one system: point the receiver at fresh endpoints, start a
 * host process for the system, create it, tell the receiver the secrets it signs with, start it, and
 * afterwards close it and the host whatever happened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpoint } from './postgres.js';
import { ChildRpc } from './rpc.js';
import type { LoadedSystem } from './systems.js';
import { makeRunId, makeSecret } from './workload.js';
import type { CreateArgs } from './host.js';
import type { EndpointSpec } from '../receiver/receiver.js';
import type { BenchEndpoint, ScenarioName } from '../systems/types.js';
import type { Settings } from './settings.js';

const HOST_ENTRY = new URL('./host.ts', import.meta.url).pathname;

// Starting a host process takes about a second (Node, tsx, imports). The next run's host is started
// while the previous run is being closed, after its figures are taken, so that second is not spent
// between runs and costs no run any CPU while it is measured.
let spare: Promise<ChildRpc> | null = null;
const startHost = () => ChildRpc.start(HOST_ENTRY, 'host', { profile: true });

/** Stops the host kept ready for a next run (call once no more runs follow). */
export async function stopSpareHost(): Promise<void> {
  const next = spare;
  spare = null;
  if (next) await (await next).stop().catch(() => {});
}

export interface Session {
  host: ChildRpc;
  receiver: ChildRpc;
  endpoints: BenchEndpoint[];
  runId: string;
}

export interface SessionSpec {
  scenario: ScenarioName;
  /** One entry per endpoint: whether it hangs. */
  hangs: boolean[];
  /** Endpoints that answer one byte a second (by index; default none). */
  drips?: boolean[];
  /** How many dispatcher processes the system runs beside its API (scale-out; default: its usual setup). */
  dispatchers?: number;
  timeoutMs?: number;
  /** Leave the system created but not started (the backlog scenario starts it itself). */
  noStart?: boolean;
}

export async function withSession<T>(
  receiver: ChildRpc,
  loaded: LoadedSystem,
  settings: Settings,
  spec: SessionSpec,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const runId = makeRunId();
  const secrets = spec.hangs.map(() => makeSecret());
  const urls = await receiver.call<string[]>(
    'configure',
    spec.hangs.map((hang, i) => ({ hang, drip: spec.drips?.[i] ?? false, secret: secrets[i] }) satisfies EndpointSpec),
  );
  const endpoints = urls.map((url, index) => ({
    index,
    url,
    secret: secrets[index],
    hangs: spec.hangs[index],
    drips: spec.drips?.[index] ?? false,
  }));
  const tmpDir = mkdtempSync(join(tmpdir(), `payhook-bench-${runId}-`));
  // Every run, whatever its system, starts with PostgreSQL checkpointed (lib/postgres.ts, `checkpoint`):
  // the same clean start for each, and no flush of an earlier run's writes inside this one.
  await checkpoint(settings.postgresUrl);
  const host = await (spare ?? startHost());
  spare = null;
  try {
    const args: CreateArgs = {
      file: loaded.file,
      systemId: loaded.system.id,
      options: {
        scenario: spec.scenario,
        runId,
        endpoints,
        tmpDir,
        concurrency: settings.concurrency,
        timeoutMs: spec.timeoutMs ?? settings.timeoutMs,
        retryDelayMs: settings.retryDelayMs,
        postgresUrl: settings.postgresUrl,
        redis: settings.redis,
        dispatchers: spec.dispatchers,
      },
    };
    const { secrets: own } = await host.call<{ secrets: string[] | null }>('create', args);
    if (own) {
      if (own.length !== endpoints.length)
        throw new Error(`${loaded.system.id} returned ${own.length} secrets for ${endpoints.length} endpoints`);
      await receiver.call('setSecrets', own);
    }
    await receiver.call('reset');
    if (!spec.noStart) await host.call('start');
    return await fn({ host, receiver, endpoints, runId });
  } finally {
    spare = startHost();
    spare.catch(() => {}); // a failure surfaces when the next run awaits it
    await host.call('close').catch(() => {});
    await host.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
