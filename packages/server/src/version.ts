import { readFileSync } from 'node:fs';

/** payhook's version, from its package.json (sent as `user-agent: payhook/<version>`). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
