/**
 * Runs the `payhook` command as a user does (`node packages/server/bin/payhook.mjs …`, the sources
 * through tsx, from the repository root) and collects what it printed and its exit status. The tests
 * of the API commands share it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/payhook.mjs', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      // PAYHOOK_FROM_SOURCE runs the sources even after a build.
      { cwd: root, env: { ...process.env, PAYHOOK_FROM_SOURCE: '1', ...env }, timeout: timeoutMs },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
