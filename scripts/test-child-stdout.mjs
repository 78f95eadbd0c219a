// Preloaded into every test file's process by scripts/test.mjs. Each test file runs in a child process
// that streams its results to the runner over stdout, a pipe. With --test-force-exit the child calls
// process.exit() as soon as its tests are done, and on Linux any results still queued for that pipe are
// dropped: the run then reports fewer tests than ran and still exits 0 (nodejs/node#64833, seen here on
// Node 20, 22 and 24 — e.g. the SQLite Store contract reported 20 of its 36 cases). Blocking writes
// leave nothing queued at exit. The runner itself (no NODE_TEST_CONTEXT) is left alone.
if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) process.stdout._handle?.setBlocking?.(true);
