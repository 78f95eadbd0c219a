/**
 * The ingest ceiling: a bare Fastify route that parses the JSON body and answers 202, with no
 * validation, no authentication and no store. payhook's `POST /v1/events` does all of those, so its
 * requests per second are compared against this.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { packageVersion } from '../lib/versions.js';
import type { BenchSystem, IngestTarget, SystemInstance } from './types.js';

class BareFastify implements SystemInstance {
  private app: FastifyInstance | null = null;
  private url = '';
  private n = 0;

  async start(): Promise<void> {
    const app = Fastify({ logger: false });
    app.post('/v1/events', async (request, reply) => {
      const body = request.body as { type?: unknown };
      reply.code(202);
      return { id: `evt_${++this.n}`, type: body.type };
    });
    this.url = await app.listen({ host: '127.0.0.1', port: 0 });
    this.app = app;
  }

  async ingestTarget(): Promise<IngestTarget> {
    return {
      url: `${this.url}/v1/events`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      delivers: false,
    };
  }

  async close(): Promise<void> {
    await this.app?.close();
  }
}

export const systems: BenchSystem[] = [
  {
    id: 'fastify-bare',
    label: `bare Fastify ${packageVersion('fastify')} route, JSON parse only (ceiling)`,
    role: 'ceiling',
    scenarios: ['ingest'],
    create: async () => new BareFastify(),
  },
];
