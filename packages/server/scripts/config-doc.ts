/**
 * `npm run docs:config`: rewrites docs/configuration.md from the settings tables (the core's and the
 * payment module's). test/config-doc.test.ts fails when the page and the tables disagree.
 */
import { writeFileSync } from 'node:fs';
import { CONFIG_DOC_PATH, renderedConfigDoc } from '../test/helpers/config-doc.js';

writeFileSync(CONFIG_DOC_PATH, renderedConfigDoc());
console.log(`wrote ${CONFIG_DOC_PATH}`);
