/**
 * `npm run docs:versions`: rewrites docs/versions.md from the table of event versions
 * (src/events/versions.ts). test/versions-doc.test.ts fails when the page and the table disagree.
 */
import { writeFileSync } from 'node:fs';
import { renderedVersionsDoc } from '../src/events/versions-doc.js';

const path = new URL('../../../docs/versions.md', import.meta.url);
writeFileSync(path, renderedVersionsDoc());
console.log(`wrote ${path.pathname}`);
