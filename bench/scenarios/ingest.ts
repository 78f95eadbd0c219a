/**
 * ingest: autocannon hammers the system's event-create route (payhook: `POST /v1/events`) with a typical
 * ~700-byte event body, after a short warm-up run; the ceiling is a bare Fastify route that only parses
 * the JSON. autocannon runs in the orchestrator process, the server in the system's host process.
 */
import autocannon from 'autocannon';
import { withSession } from '../lib/session.js';
import { createEventRequestBody } from '../lib/workload.js';
import type { Row } from '../lib/report.js';
import type { ReceiverStats } from '../receiver/receiver.js';
import type { IngestTarget } from '../systems/types.js';
import { failedRow, type Scenario } from './context.js';

export const ingest: Scenario = async ({ settings, receiver, systems, log }) => {
  const { connections, durationMs, warmupMs } = settings.ingest;
  const rows: Row[] = [];
  for (const loaded of systems) {
    const id = loaded.system.id;
    log(`ingest: ${id}, ${connections} connections for ${durationMs / 1000} s`);
    try {
      rows.push(
        await withSession(receiver, loaded, settings, { scenario: 'ingest', hangs: [false] }, async ({ host }) => {
          const target = await host.call<IngestTarget>('ingestTarget');
          const request = {
            url: target.url,
            method: target.method,
            headers: target.headers,
            body: target.body ?? createEventRequestBody(),
            connections,
            pipelining: 1,
          };
          const warm = await autocannon({ ...request, duration: warmupMs / 1000 });
          const run = await autocannon({ ...request, duration: durationMs / 1000 });
          const problems: string[] = [];
          if (run.non2xx + warm.non2xx) problems.push(`${run.non2xx + warm.non2xx} non-2xx answers`);
          if (run.errors + warm.errors) problems.push(`${run.errors + warm.errors} connection errors`);
          if (target.delivers) {
            const accepted = run['2xx'] + warm['2xx'];
            await receiver.call('waitFor', { count: accepted, timeoutMs: 120_000 });
            const stats = await receiver.call<ReceiverStats>('stats');
            if (stats.unique < accepted)
              problems.push(`only ${stats.unique} of ${accepted} accepted events were delivered within 120 s`);
            if (stats.badSignatures) problems.push(`${stats.badSignatures} sampled signatures did not verify`);
          }
          return {
            system: id,
            variant: '',
            valid: problems.length === 0,
            problems,
            values: {
              req_per_s: run.requests.average,
              p50_ms: run.latency.p50,
              p99_ms: run.latency.p99,
              max_ms: run.latency.max,
            },
          } satisfies Row;
        }),
      );
    } catch (error) {
      rows.push(failedRow(id, '', error));
    }
    const last = rows[rows.length - 1];
    log(
      `  ${last.valid ? `${Math.round(last.values.req_per_s ?? 0)} req/s, p99 ${last.values.p99_ms} ms` : `INCOMPLETE: ${last.problems.join('; ')}`}`,
    );
  }
  return {
    columns: [
      { key: 'req_per_s', label: 'requests/s', better: 'higher' },
      { key: 'p50_ms', label: 'p50 ms', digits: 1, better: 'lower' },
      { key: 'p99_ms', label: 'p99 ms', digits: 1, better: 'lower' },
      { key: 'max_ms', label: 'max ms', digits: 1, better: 'lower' },
    ],
    rows,
    ratioMetrics: ['req_per_s', 'p99_ms'],
    notes: [
      `autocannon, ${connections} connections, no pipelining, ${warmupMs / 1000} s warm-up then ${durationMs / 1000} s measured; body: one ${Buffer.byteLength(createEventRequestBody())}-byte event (a merchant type carrying the payment data).`,
      'A system whose accepted events are delivered (payhook) must also get every one of them to the receiver afterwards.',
      'autocannon reports latency in whole milliseconds.',
    ],
    plots: [],
  };
};
