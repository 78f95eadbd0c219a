/** Runs the `payhook` command of a project that installed it (`node_modules/.bin/payhook`), as a long-lived child. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';

export interface Installed {
  child: ReturnType<typeof spawn>;
  output: () => string;
  exited: Promise<{ code: number | null }>;
  /** Resolves with the match once the child printed `pattern`; rejects if it exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

const children = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

export function runPayhookBin(project: string, args: string[], env: Record<string, string>): Installed {
  const child = spawn(join(project, 'node_modules', '.bin', 'payhook'), args, {
    cwd: project,
    // Without what `npm test` hands down: as from a user's shell.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'))),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<{ code: number | null }>((resolve) => child.on('exit', (code) => resolve({ code })));
  return {
    child,
    output: () => out,
    exited,
    async waitFor(pattern, ms = 30_000) {
      const until = Date.now() + ms;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`payhook exited early:\n${out}`);
        if (Date.now() > until) throw new Error(`payhook did not print ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
