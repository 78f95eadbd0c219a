/**
 * Operations: `GET /healthz` (liveness) and `GET /readyz` (readiness: the store takes writes) for load
 * balancers and orchestrators, `GET /metrics` for Prometheus.
 *
 * `/healthz` needs no key (a probe has none) and shows only aggregate counts, nothing of a merchant.
 * `/metrics` needs the admin key: its figures span every merchant and show traffic volumes, which a
 * scraper can be given with `authorization: { credentials: <admin key> }` in its scrape config.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { bearer, noKey } from './auth.js';
import { errorResponses, noQuery, publicErrorResponses } from './schemas.js';
import { faultReason, isStorageFault, STORAGE_RETRY_AFTER_SECONDS } from '../store/faults.js';

const counts = {
  type: 'object',
  required: ['pending', 'succeeded', 'failed', 'cancelled'],
  properties: {
    pending: { type: 'integer' },
    succeeded: { type: 'integer' },
    failed: { type: 'integer' },
    cancelled: { type: 'integer' },
  },
};

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const health = {
    type: 'object',
    required: ['status', 'version', 'role', 'store'],
    properties: {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      version: { type: 'string' },
      role: { type: 'string', enum: ['api', 'dispatcher', 'all'] },
      store: { type: 'string', enum: ['sqlite', 'postgres'], description: 'The database in use.' },
      deliveries: {
        ...counts,
        description: 'Deliveries by status, across all merchants (absent when the store did not answer).',
      },
    },
  };

  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'health.get',
        summary: 'Check health',
        description:
          'Whether payhook can reach its database, with delivery counts. 200 when healthy, 503 when the store does not answer.',
        tags: ['operations'],
        security: noKey,
        querystring: noQuery,
        response: {
          200: {
            ...health,
            description: 'Healthy.',
            examples: [
              {
                status: 'ok',
                version: ctx.version,
                role: 'all',
                store: 'sqlite',
                deliveries: { pending: 3, succeeded: 1520, failed: 2, cancelled: 0 },
              },
            ],
          },
          503: {
            ...health,
            description: 'The store does not answer.',
            examples: [{ status: 'unavailable', version: ctx.version, role: 'all', store: 'postgres' }],
          },
          ...publicErrorResponses(),
        },
      },
    },
    async (request, reply) => {
      const base = { version: ctx.version, role: ctx.config.server.role, store: ctx.store.dialect };
      try {
        return { status: 'ok', ...base, deliveries: await ctx.store.countDeliveries() };
      } catch (err) {
        request.log.error({ err }, 'health check: the store did not answer');
        return reply.code(503).send({ status: 'unavailable', ...base });
      }
    },
  );

  // Readiness: can this process take writes now? Liveness stays /healthz. The probe is one small
  // committed write; concurrent probes within a second share one result, so a busy balancer does not
  // turn readiness checks into write load.
  let last: { at: number; result: Promise<string | null> } | null = null;
  const probe = (): Promise<string | null> => {
    const now = Date.now();
    if (!last || now - last.at >= 1000) {
      last = {
        at: now,
        result: ctx.store.probeWrite(now).then(
          () => null,
          (err) => (isStorageFault(err) ? faultReason(err) : 'the database does not take writes'),
        ),
      };
    }
    return last.result;
  };
  const ready = {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ready', 'not_ready'] },
      reason: { type: 'string', description: 'Why the store cannot take writes (absent when ready).' },
    },
  };
  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'health.ready',
        summary: 'Check readiness',
        description:
          'Readiness: 200 while the store takes writes, 503 (with the reason) while it cannot, for example on a full disk or a read-only database. Use /healthz for liveness.',
        tags: ['operations'],
        security: noKey,
        querystring: noQuery,
        response: {
          200: { ...ready, description: 'Ready.', examples: [{ status: 'ready' }] },
          503: {
            ...ready,
            description: 'The store cannot take writes.',
            examples: [{ status: 'not_ready', reason: 'the disk is full' }],
          },
          ...publicErrorResponses(),
        },
      },
    },
    async (request, reply) => {
      const reason = await probe();
      if (reason === null) return { status: 'ready' };
      request.log.warn({ reason }, 'readiness: the store cannot take writes');
      return reply
        .code(503)
        .header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS))
        .send({ status: 'not_ready', reason });
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: 'admin' },
      schema: {
        operationId: 'metrics.get',
        summary: 'Get Prometheus metrics',
        description:
          "payhook's counters, gauges and histograms (events accepted, attempts by outcome and error class, attempt durations, queue depth and lag, the dispatcher's load) and Node.js's process metrics, in the Prometheus text format (admin key). Every metric is described in docs/operations.md.",
        tags: ['operations'],
        security: bearer,
        querystring: noQuery,
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: {
              'text/plain': {
                schema: { type: 'string' },
                example:
                  '# HELP payhook_events_accepted_total Events accepted through POST /v1/events (stored with their deliveries).\n# TYPE payhook_events_accepted_total counter\npayhook_events_accepted_total 1525\n\n# HELP payhook_deliveries_pending Pending deliveries in the store (due, claimed, or waiting for their next retry), across every process.\n# TYPE payhook_deliveries_pending gauge\npayhook_deliveries_pending 3\n',
              },
            },
          },
          ...errorResponses(403),
        },
      },
    },
    async (_request, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.render()),
  );
}
