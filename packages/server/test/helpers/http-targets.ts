/**
 * Receivers on loopback for the HTTP client's tests (http-thread.test.ts, http-thread-room.test.ts): a
 * target whose answer per path is a function, and a response held until the test lets it go.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DestinationPolicy, LOOPBACK_NETWORKS } from '../../src/delivery/destinations.js';

export interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver whose answer per path is a function; records connections and requests. */
export class Target {
  connections = 0;
  readonly seen: Seen[] = [];
  readonly routes = new Map<string, (res: ServerResponse) => void>();
  private server!: Server;
  url = '';

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.seen.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const route = this.routes.get(path);
        if (route) route(res);
        else res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${path}`);
      });
    });
    this.server.on('connection', () => {
      this.connections++;
    });
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A response held until the test lets it go, and told when its connection closes. */
export function held(): {
  route: (res: ServerResponse) => void;
  arrived: Promise<ServerResponse>;
  closed: Promise<void>;
} {
  let arrive!: (res: ServerResponse) => void;
  let close!: () => void;
  const arrived = new Promise<ServerResponse>((r) => {
    arrive = r;
  });
  const closed = new Promise<void>((r) => {
    close = r;
  });
  return {
    arrived,
    closed,
    route: (res) => {
      res.on('close', close);
      arrive(res);
    },
  };
}

export const loopback = () => new DestinationPolicy(LOOPBACK_NETWORKS);
