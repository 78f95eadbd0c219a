// Copies the SQL files next to the compiled JavaScript, which reads them at run time.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const src = new URL('../src/', import.meta.url).pathname;
const dist = new URL('../dist/', import.meta.url).pathname;
function walk(rel) {
  for (const name of readdirSync(join(src, rel))) {
    const r = join(rel, name);
    if (statSync(join(src, r)).isDirectory()) walk(r);
    else if (/\.(sql|html|css|svg|json)$/.test(name)) cpSync(join(src, r), join(dist, r));
  }
}
walk('');
