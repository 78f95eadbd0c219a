/**
 * docs/cli.md against the command itself: every command of `payhook` (walked from the real command tree)
 * has its row, and the CLI's own error codes (cli/commands/errors.ts) are listed with their exit status,
 * as docs/errors.md is checked against the API's table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CLI_ERRORS } from '../src/cli/commands/errors.js';
import { buildProgram } from '../src/cli/program.js';

const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

/** `payhook endpoints show <id>`: every command that does something, with its arguments. */
function leaves(cmd: Command, prefix: string[] = []): string[] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (subs.length === 0) return [[...prefix, cmd.name()].join(' ')];
  return subs.flatMap((c) =>
    leaves(c, prefix.length === 0 && cmd.name() === 'payhook' ? ['payhook'] : [...prefix, cmd.name()]),
  );
}

test('docs/cli.md has a row for every command', () => {
  const commands = leaves(buildProgram());
  assert.ok(commands.length >= 30, commands.join('\n'));
  const missing = commands.filter((c) => !doc.includes(`| \`${c}`));
  assert.deepEqual(missing, [], 'commands without a row in docs/cli.md');
});

test('docs/cli.md lists every CLI error code with its exit status, and nothing else as one', () => {
  for (const [code, { exit }] of Object.entries(CLI_ERRORS))
    assert.match(doc, new RegExp(`^\\| \`${code}\` \\| ${exit} \\|`, 'm'), code);
  const documented = [...doc.matchAll(/^\| `([a-z_]+)` \| [12] \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), Object.keys(CLI_ERRORS).sort());
});
