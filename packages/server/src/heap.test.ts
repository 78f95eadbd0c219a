/**
 * PAYHOOK_HEAP_GROWTH (heap.ts): a process whose heaps grow by the setting holds less memory than V8's own
 * rule lets it, on the same work. Each case is a child process of its own (the flag is process-wide),
 * running a churn shaped like a delivery backlog: a live set that stays, and objects that live long
 * enough to reach the old generation and die there. What is compared is the old generation's largest
 * size, a memory figure, not a time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { limitHeapGrowth } from './heap.js';

const CHURN = `
  import { getHeapSpaceStatistics } from 'node:v8';
  import { limitHeapGrowth } from ${JSON.stringify(new URL('./heap.ts', import.meta.url).href)};
  limitHeapGrowth(Number(process.argv[1]));
  const live = [];
  for (let i = 0; i < 200_000; i++) live.push({ i, s: 'x'.repeat(100) + i });
  const ring = new Array(50_000);
  let peak = 0;
  for (let n = 0; n < 2_000_000; n++) {
    ring[n % ring.length] = { n, s: 'y'.repeat(50) + n, a: [n, n + 1] };
    if (n % 10_000 === 0) peak = Math.max(peak, getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
  }
  // The live set is read at the end, so it stays alive through the churn.
  process.stdout.write(JSON.stringify({ peakMb: peak / 2 ** 20, live: live.length }));
`;

function peakOldMb(percent: number): number {
  const out = execFileSync(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', '--input-type=module', '--eval', CHURN, String(percent)],
    { encoding: 'utf8' },
  );
  const { peakMb, live } = JSON.parse(out) as { peakMb: number; live: number };
  assert.equal(live, 200_000);
  return peakMb;
}

test("a growth of 50 % holds the old generation well under V8's own rule on the same work", () => {
  const own = peakOldMb(0);
  const limited = peakOldMb(50);
  assert.ok(
    limited < own * 0.7,
    `old generation at most ${limited.toFixed(0)} MB at 50 %, ${own.toFixed(0)} MB by V8's rule`,
  );
});

test('the setting is a whole percentage, checked before anything is set', () => {
  assert.throws(() => limitHeapGrowth(-1), RangeError);
  assert.throws(() => limitHeapGrowth(1.5), RangeError);
});
