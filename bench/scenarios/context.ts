/** What a scenario gets from the orchestrator, and small helpers every scenario uses. */
import type { ChildRpc } from '../lib/rpc.js';
import type { LoadedSystem } from '../lib/systems.js';
import type { Settings } from '../lib/settings.js';
import type { ScenarioOutcome } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';

export interface ScenarioContext {
  settings: Settings;
  /** The receiver process. */
  receiver: ChildRpc;
  /** The systems to run, ceiling first, payhook last. */
  systems: LoadedSystem[];
  log(message: string): void;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioOutcome>;

export const MB = 1024 * 1024;

/** How long to wait for `count` deliveries before calling the run incomplete: generous, but bounded. */
export function deadlineMs(count: number): number {
  return Math.max(60_000, (count / 300) * 1000);
}

/** Problems that make a run's figures meaningless (work missing or forged). */
export function checkArrivals(stats: ReceiverStats, expected: number, problems: string[]): void {
  if (stats.unique < expected) problems.push(`only ${stats.unique} of ${expected} deliveries arrived`);
  if (stats.badSignatures > 0) problems.push(`${stats.badSignatures} sampled signatures did not verify`);
  if (stats.rejected > 0) problems.push(`${stats.rejected} requests had no webhook-id`);
}

/** Turns a thrown error into an invalid row, so one broken system does not sink the others. */
export function failedRow(system: string, variant: string, error: unknown): ScenarioOutcome['rows'][number] {
  return {
    system,
    variant,
    valid: false,
    problems: [`run failed: ${(error as Error).message.split('\n')[0]}`],
    values: {},
  };
}
