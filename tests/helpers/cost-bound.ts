/**
 * Bounds on how long a piece of work takes, for the tests that guard against
 * super-linear parsing. A single timing on a shared machine includes whatever
 * the scheduler or the garbage collector did meanwhile, so a run over the
 * bound is repeated: work that is really too slow is slow every time, a pause
 * is not. The cheapest of the runs is what is compared with the bound.
 */
export function cheapestRunMs(work: () => void, boundMs: number, retries = 4): number {
  let best = Infinity;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
    if (best < boundMs) break;
  }
  return best;
}
