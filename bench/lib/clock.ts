/**
 * One clock for every bench process: wall-clock milliseconds with sub-millisecond resolution.
 * `performance.timeOrigin` is taken from the system clock when the process starts and `performance.now()`
 * is monotonic after that, so a time taken in the producing process and one taken in the receiver
 * process can be subtracted (they differ only by clock adjustments made between the two starts).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
