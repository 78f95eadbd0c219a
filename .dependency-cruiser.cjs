/**
 * `npm run deps`: the import rules of the sources, checked by dependency-cruiser (parsed with swc: the
 * TypeScript here is the native compiler, which has no JavaScript API for dependency-cruiser to use).
 *
 * - No import cycle in packages/{sdk,server}/src. Type-only imports count too: a cycle of types still
 *   ties the modules together, even if Node never sees it.
 * - The core (packages/server/src, except the payment module, the CLI and src/default-modules.ts, the
 *   one place that wires the default modules in) never imports the payment module.
 * - The payment module imports the core only through src/module-api.ts.
 */
const SERVER = '^packages/server/src/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: break it by moving the shared part into a module both sides import.',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-no-module',
      severity: 'error',
      comment:
        'The core knows payment modules only through the module API; src/default-modules.ts (and the CLI) ' +
        'wire the payment module in.',
      from: { path: SERVER, pathNot: `${SERVER}(payments/|cli/|default-modules\\.ts$)` },
      to: { path: `${SERVER}payments/` },
    },
    {
      name: 'module-imports-only-module-api',
      severity: 'error',
      comment: 'The payment module reaches the core through src/module-api.ts only.',
      from: { path: `${SERVER}payments/` },
      to: { path: SERVER, pathNot: `${SERVER}(payments/|module-api\\.ts$)` },
    },
  ],
  options: {
    // A workspace package resolves to its build (dist/) here; its sources are cruised on their own.
    doNotFollow: { path: ['node_modules', '^packages/[^/]+/dist/'] },
    parser: 'swc',
    tsPreCompilationDeps: true,
  },
};
