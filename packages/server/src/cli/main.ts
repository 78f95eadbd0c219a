#!/usr/bin/env node
/**
 * The `payhook` command. `serve` and `migrate` run payhook itself; the other commands are thin clients
 * of the HTTP API for a person at a terminal or a script (they read PAYHOOK_URL and PAYHOOK_API_KEY).
 * Its commands are in program.ts; docs/cli.md describes them.
 *
 * Exit statuses: 0 done; 1 payhook refused or could not be reached (the error's code is printed);
 * 2 a usage mistake (an unknown flag, a missing argument, a malformed value), nothing sent.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Commander printed the message (and the help) already; --help and --version are not errors.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    const e = err as { message?: string; code?: string };
    process.stderr.write(`payhook: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}\n`);
    process.exit(1);
  });
