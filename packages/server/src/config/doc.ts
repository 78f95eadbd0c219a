/**
 * docs/configuration.md, rendered from the settings tables (the core's and each module's), so the
 * page cannot drift from the code: `npm run docs:config` rewrites it and test/config-doc.test.ts fails
 * when the two differ.
 */
import type { Table } from './settings.js';

const INTRO = `# Configuration

Every setting has a default, so \`npm start\` needs none. Each is read from its \`PAYHOOK_*\` environment
variable; \`payhook serve\` flags (\`--port\`, \`--host\`, \`--db\`, \`--database-url\`, \`--role\`) win over the
environment, and code that embeds payhook passes overrides to \`loadConfig(env, overrides)\` as a nested
object (\`{ server: { port: 0 }, delivery: { retrySchedule: [1000] } }\`). Every value is checked after the
overrides are laid on top, at start: a bad one stops payhook with a message naming the variable.

Durations are written \`250ms\`, \`5s\`, \`30m\`, \`2h\` or \`1d\` (a bare number is milliseconds). The
configuration is one object with a section per part of payhook; the section and key of each setting is
what \`loadConfig\` returns and what overrides set.

<!-- Rendered from packages/server/src/config/schema.ts and the modules' settings (npm run docs:config). Do not edit by hand. -->
`;

const SECTION_NOTES: Record<string, string> = {
  server: 'The process: where the API listens, what this process runs, how it stops.',
  store: 'Where the data lives (SQLite file or PostgreSQL) and how it is kept.',
  postgres: 'PostgreSQL only (when `PAYHOOK_DATABASE_URL` is set); see docs/deployment.md.',
  delivery:
    'The dispatcher: retries, timeouts, concurrency, leases, destinations (docs/delivery.md, docs/security.md).',
  limits: 'Protection of the API: key cache, failed-authentication limit, per-key event rate (docs/security.md).',
  listen: '`payhook listen` streams (docs/receiving.md).',
  payments:
    'The payment module (docs/payments.md): its bank, enquiries, pay-backs and refunds, and the most an order may be.',
};

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderConfigDoc(tables: readonly Table[]): string {
  const parts = [INTRO];
  for (const table of tables) {
    for (const [section, settings] of Object.entries(table)) {
      parts.push(`\n## \`${section}\`\n\n${SECTION_NOTES[section] ?? ''}\n`);
      parts.push('| variable | key | default | accepts | what it does |\n| --- | --- | --- | --- | --- |');
      for (const [key, s] of Object.entries(settings)) {
        parts.push(
          `| \`${s.env}\` | \`${section}.${key}\` | \`${cell(s.shown)}\` | ${cell(s.accepts)} | ${cell(s.doc)} |`,
        );
      }
    }
  }
  return `${parts.join('\n')}\n`;
}
