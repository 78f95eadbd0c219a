/**
 * Request/response over the IPC channel of a forked child: the receiver and each system host run in
 * their own processes, and the orchestrator drives them with `call(command, args)`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childExecArgv } from './payhook-code.js';

interface Request {
  rpc: number;
  command: string;
  args: unknown;
}
interface Response {
  rpc: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class ChildRpc {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (message: Response) => {
      const waiter = this.pending.get(message.rpc);
      if (!waiter) return;
      this.pending.delete(message.rpc);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`${name} exited (${signal ?? code}) during a call`));
      this.pending.clear();
    });
  }

  /** Forks `entry` with the bench's Node flags; resolves once the child says it is ready. */
  static async start(entry: string, name: string, options: { profile?: boolean } = {}): Promise<ChildRpc> {
    // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each profiled child there (open it in Chrome DevTools).
    const profile =
      options.profile && process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [];
    const child = fork(entry, [], {
      execArgv: [...childExecArgv(), ...profile],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const rpc = new ChildRpc(child, name);
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: { ready?: boolean }) =>
        m.ready ? resolve() : reject(new Error(`${name}: unexpected first message`)),
      );
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
    });
    return rpc;
  }

  call<T>(command: string, args?: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const rpc = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ rpc, command, args } satisfies Request);
    });
  }

  /** Asks the child to exit, and kills it if it has not within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/** Child side: answers the parent's calls with `handlers`, then says it is ready. */
export function serveRpc(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', async (message: Request) => {
    const handler = handlers[message.command];
    let response: Response;
    try {
      if (!handler) throw new Error(`unknown command ${message.command}`);
      response = { rpc: message.rpc, ok: true, result: await handler(message.args) };
    } catch (error) {
      response = { rpc: message.rpc, ok: false, error: (error as Error).stack ?? String(error) };
    }
    // The parent may be gone (interrupted run): then there is nobody to answer.
    if (process.connected) process.send!(response, undefined, undefined, () => {});
  });
  if (process.connected) process.send!({ ready: true }, undefined, undefined, () => {});
}
