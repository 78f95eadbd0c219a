/** The receiver process: a `Receiver` driven over IPC by the orchestrator (`bench/run.ts`). */
import { serveRpc } from '../lib/rpc.js';
import { Receiver, type EndpointSpec } from './receiver.js';

const receiver = new Receiver(Number(process.env.BENCH_SAMPLE_EVERY ?? 50));

serveRpc({
  configure: (specs: EndpointSpec[]) => receiver.configure(specs),
  setSecrets: (secrets: Array<string | null>) => receiver.setSecrets(secrets),
  reset: () => receiver.reset(),
  stats: () => receiver.stats(),
  waitFor: ({ count, timeoutMs }: { count: number; timeoutMs: number }) => receiver.waitFor(count, timeoutMs),
  down: () => receiver.down(),
  up: () => receiver.up(),
  startTimeline: (intervalMs: number) => receiver.startTimeline(intervalMs),
  stopTimeline: () => receiver.stopTimeline(),
  latency: (fromT0: number) => receiver.latency(fromT0),
  keyedArrivals: () => receiver.keyedArrivals(),
  rss: () => process.memoryUsage.rss(),
});

process.on('SIGTERM', () => {
  void receiver.close().finally(() => process.exit(0));
});
process.on('disconnect', () => {
  void receiver.close().finally(() => process.exit(0));
});
