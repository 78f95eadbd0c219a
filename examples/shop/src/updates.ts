/**
 * The page updates itself as webhooks arrive: `GET /updates` is a Server-Sent Events stream from the
 * shop's own server. Each open page gets the order rows, rendered on the server (escaped like the rest of
 * the page), at once and again after every change the shop makes (a checkout, an applied webhook); the
 * page's script swaps them in. Nothing polls: a change is on every open page as soon as the shop has
 * made it. A comment every 15 s keeps proxies from closing an idle stream.
 */
import type { Request, Response } from 'express';

const HEARTBEAT_MS = 15_000;

export class LiveUpdates {
  private readonly pages = new Set<Response>();

  constructor(private readonly render: () => string) {}

  /** `GET /updates`: holds the stream open until the page goes. */
  attach(req: Request, res: Response): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    req.socket.setTimeout(0);
    this.pages.add(res);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      this.pages.delete(res);
    });
    // `retry`: how long a browser waits before reconnecting after the shop restarts.
    res.write('retry: 1000\n');
    res.write(this.message());
  }

  /** Sends every open page the rows as they are now. */
  changed(): void {
    if (this.pages.size === 0) return;
    const message = this.message();
    for (const res of this.pages) res.write(message);
  }

  /** How many pages are open, for tests. */
  get open(): number {
    return this.pages.size;
  }

  private message(): string {
    // SSE data is line-based: each line of the HTML gets its own `data:` (the browser joins them with \n).
    const data = this.render()
      .split(/\r?\n/)
      .map((line) => `data: ${line}`)
      .join('\n');
    return `event: orders\n${data}\n\n`;
  }
}
