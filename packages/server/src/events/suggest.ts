/** "Did you mean": the known names nearest to a misspelt one, by Levenshtein distance. */

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** Up to `n` of `known`, nearest first (ties by name). */
export function closest(name: string, known: readonly string[], n: number): string[] {
  return [...new Set(known)]
    .map((k) => ({ k, d: editDistance(name, k) }))
    .sort((x, y) => x.d - y.d || (x.k < y.k ? -1 : x.k > y.k ? 1 : 0))
    .slice(0, n)
    .map((x) => x.k);
}
