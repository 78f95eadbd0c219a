// Every public export carries JSDoc with an @example, and the README documents each adapter and helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const src = new URL('../src/', import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, src), 'utf8');

/** name -> module path, from the export lists in src/index.ts. */
function publicExports(): Map<string, string> {
  const index = read('index.ts');
  const out = new Map<string, string>();
  for (const m of index.matchAll(/export (?:type )?\{([^}]*)\} from '\.\/([^']+)\.js';/g)) {
    for (const raw of m[1].split(',')) {
      const name = raw.trim().replace(/^type\s+/, '');
      if (name) out.set(name, `${m[2]}.ts`);
    }
  }
  for (const m of index.matchAll(/export type \* from '\.\/([^']+)\.js';/g)) {
    const file = `${m[1]}.ts`;
    for (const d of read(file).matchAll(/^export (?:interface|type) (\w+)/gm)) out.set(d[1], file);
  }
  return out;
}

test('every export of @payhook/sdk has JSDoc with an @example', () => {
  const exports = publicExports();
  assert.ok(exports.size > 60, `found ${exports.size} exports`);
  const missing: string[] = [];
  for (const [name, file] of exports) {
    const text = read(file);
    const decl = new RegExp(`^export (?:async )?(?:function|class|interface|type|const) ${name}\\b`, 'm').exec(text);
    if (!decl) {
      missing.push(`${name} (no declaration in ${file})`);
      continue;
    }
    // The JSDoc block that ends right before the declaration.
    const before = text.slice(0, decl.index).trimEnd();
    const doc = before.endsWith('*/') ? before.slice(before.lastIndexOf('/**')) : '';
    if (!doc.includes('@example')) missing.push(`${name} (${file})`);
  }
  assert.deepEqual(missing, []);
});

test('the README covers install, Express in five lines, every adapter, idempotency, ordering and catch-up', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const needle of [
    // Not on a registry yet: installed from the tarball `npm run pack` makes.
    'npm run pack',
    `payhook-sdk-${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}.tgz`,
    'expressWebhook',
    'verifyNodeRequest',
    'readRawBody',
    'fastifyWebhook',
    'fastifyRawBody',
    'verifyRequest',
    'fetchWebhook',
    'createIdempotency',
    'DuplicateInFlightError',
    'sqliteIdempotencyStore',
    'createOrdering',
    'sqliteSequenceStore',
    'PayhookClient',
    'events.iterate',
    'Node.js',
    'require(',
  ])
    assert.ok(readme.includes(needle), `README lacks ${needle}`);
});
