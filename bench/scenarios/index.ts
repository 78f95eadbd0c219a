/** Every scenario by name (`--scenario`); run.ts and the harness test take them from here. */
import type { ScenarioName } from '../systems/types.js';
import type { Scenario } from './context.js';
import { backlog } from './backlog.js';
import { ingest } from './ingest.js';
import { isolation } from './isolation.js';
import { latency } from './latency.js';
import { payment } from './payment.js';
import { scaleOut } from './scale-out.js';
import { throughput } from './throughput.js';

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  throughput,
  latency,
  isolation,
  backlog,
  ingest,
  payment,
  'scale-out': scaleOut,
};
