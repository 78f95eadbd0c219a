/**
 * A stub of the HTTP acquirer (src/payments/acquirer.ts, docs/payments.md#the-http-acquirer) on a free
 * loopback port: it checks every request's signature and timestamp as a real acquirer would, records
 * what it got, and answers by card number:
 *
 *   4111111111111111   approved          4000000000000002   declined (nothing debited)
 *   4000000000001000   pending (decided later by a notification; enquiries answer pending)
 *   4000000000002008   no answer at all (payhook times out); the enquiry then answers approved
 *
 * Refunds succeed, pay-backs are confirmed. `notify()` sends a signed notification to payhook, as the
 * acquirer does when it decides a pending payment.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signAcquirer } from '../../src/payments/acquirer.js';

export interface StubRequest {
  path: string;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

export class StubAcquirer {
  readonly requests: StubRequest[] = [];
  /** Requests whose signature or timestamp did not check out: a correct payhook sends none. */
  badSignatures = 0;
  private server: Server | null = null;
  /** Authorisations by payment reference, with what an enquiry answers about them. */
  private readonly seen = new Map<string, { reference: string; status: 'approved' | 'pending' }>();
  private readonly hanging = new Set<ServerResponse>();

  constructor(readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  on(path: string): StubRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const ts = Number(req.headers['acquirer-timestamp']);
    const fresh = Number.isInteger(ts) && Math.abs(Date.now() - ts * 1000) < 300_000;
    if (!fresh || req.headers['acquirer-signature'] !== signAcquirer(this.secret, ts, raw)) {
      this.badSignatures++;
      return void res.writeHead(401).end();
    }
    const body = JSON.parse(raw) as Record<string, unknown>;
    const key = req.headers['idempotency-key'];
    this.requests.push({ path: req.url ?? '', idempotencyKey: Array.isArray(key) ? key[0] : key, body });
    const send = (json: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    switch (req.url) {
      case '/authorisations': {
        const number = (body.card as { number: string }).number;
        const reference = `acq_${body.payment_reference as string}`;
        const pending = number === '4000000000001000';
        this.seen.set(body.payment_reference as string, { reference, status: pending ? 'pending' : 'approved' });
        if (number === '4000000000002008') {
          // No answer: payhook gives up at its timeout; the socket is closed when the stub stops.
          this.hanging.add(res);
          return;
        }
        if (number === '4000000000000002')
          return void send({ status: 'declined', reference, message: 'do not honour', debited: false });
        if (pending) return void send({ status: 'pending', reference, message: 'in review' });
        return void send({ status: 'approved', reference, message: 'approved by stub' });
      }
      case '/enquiries': {
        const known = this.seen.get(body.payment_reference as string);
        if (!known) return void res.writeHead(404).end();
        return void send({ status: known.status, reference: known.reference, message: `${known.status} on enquiry` });
      }
      case '/refunds':
        return void send({ status: 'succeeded', message: 'refunded by stub' });
      case '/paybacks':
        return void send({ status: 'confirmed', message: 'paid back by stub' });
      default:
        res.writeHead(404).end();
    }
  }

  /** Posts a notification to payhook signed at `at` (ms) with `secret` (the shared one by default). */
  async notify(
    payhookUrl: string,
    notification: Record<string, unknown>,
    o: { at?: number; secret?: string } = {},
  ): Promise<{ status: number; body: any }> {
    const body = JSON.stringify(notification);
    const ts = Math.floor((o.at ?? Date.now()) / 1000);
    const res = await fetch(`${payhookUrl}/v1/bank/acquirer/notifications`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'acquirer-timestamp': String(ts),
        'acquirer-signature': signAcquirer(o.secret ?? this.secret, ts, body),
      },
      body,
    });
    return { status: res.status, body: await res.json() };
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
