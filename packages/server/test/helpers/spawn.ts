/** Runs `payhook` as a child process from the sources (as `npx payhook` does before a build). */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

// Every child still running when the test file ends is killed: a test that fails half-way must not
// leave a payhook running (it would keep the file's process, and so the whole test run, alive).
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runPayhook(
  args: string[],
  env: Record<string, string>,
  options: Pick<SpawnOptions, 'uid' | 'gid'> = {},
): Running {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', CLI, ...args], {
    ...options,
    // The test receivers listen on loopback, which payhook refuses by default: open it (a test may override).
    env: { ...process.env, PAYHOOK_LOG_LEVEL: 'warn', PAYHOOK_ALLOW_NETWORKS: '127.0.0.0/8,::1/128', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => out, exited };
}

/** Resolves when the child has printed `pattern` (a ceiling, not a timing: a loaded machine starts tsx children slowly). */
export async function waitForOutput(r: Running, pattern: RegExp, ms = 90_000): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = r.output().match(pattern);
    if (m) return m;
    if (r.child.exitCode !== null) throw new Error(`payhook exited early:\n${r.output()}`);
    if (Date.now() > until) throw new Error(`payhook did not print ${pattern}:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}
