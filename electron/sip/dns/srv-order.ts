/**
 * The order in which to try the servers of one SRV answer (RFC 2782, "Usage
 * rules"; RFC 3263 §4.4 defers to it): lowest priority first; within one
 * priority, a weighted random draw repeated until the set is used up, so a
 * record with weight 60 comes first about three times as often as one with 20.
 * Records whose target is "." ("decidedly not available") are left out.
 */
import type { SrvRecord } from './dns-records.ts';

/** A number in [0, 1), like Math.random; tests inject a deterministic one. */
export type RandomSource = () => number;

export function orderSrvRecords(records: readonly SrvRecord[], random: RandomSource = Math.random): SrvRecord[] {
  const usable = records.filter((r) => r.target !== '.' && r.target !== '');
  const priorities = [...new Set(usable.map((r) => r.priority))].sort((a, b) => a - b);
  const ordered: SrvRecord[] = [];
  for (const priority of priorities) {
    // "all those with weight 0 are placed at the beginning of the list", so they
    // are chosen only when the draw is exactly 0.
    const remaining = usable.filter((r) => r.priority === priority).sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (remaining.length > 0) {
      const sum = remaining.reduce((s, r) => s + r.weight, 0);
      // A uniform integer in [0, sum]; a broken source cannot push it out of range.
      const raw = Math.floor(random() * (sum + 1));
      const draw = Number.isFinite(raw) ? Math.min(sum, Math.max(0, raw)) : 0;
      let running = 0;
      let pick = remaining.length - 1;
      for (let i = 0; i < remaining.length; i++) {
        running += remaining[i].weight;
        if (running >= draw) {
          pick = i;
          break;
        }
      }
      ordered.push(remaining[pick]);
      remaining.splice(pick, 1);
    }
  }
  return ordered;
}
