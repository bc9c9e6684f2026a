/**
 * SIP floods against `parley listen --auto-answer` (sipp, loopback), shared
 * by the CI test (flood.test.ts) and the bench (tests/bench/flood.bench.ts):
 * each flood sends one kind of request at `rate` per second for `seconds`,
 * every one with a new Call-ID and never completed; afterwards the listener
 * must still be up, hold no call, and its heap (after a forced GC) stay
 * within a bound of the baseline. RSS before and after go in the table.
 */
import { fileURLToPath } from 'node:url';
import type { DiagnosticsCounts } from '../../electron/api/snapshots.ts';
import { runSipp } from '../interop/harness/sipp.ts';
import { Listener, mb } from './listener.ts';

export const scenarios = fileURLToPath(new URL('./scenarios/', import.meta.url));

export const FLOODS = [
  { name: 'INVITE without ACK', scenario: 'flood-invite' },
  { name: 'OPTIONS (z9hG4bK)', scenario: 'flood-options' },
  { name: 'OPTIONS (RFC 2543 branch)', scenario: 'flood-options-legacy' },
  { name: 'REGISTER at the UA', scenario: 'flood-register' },
  { name: 'MESSAGE, 1 KB', scenario: 'flood-message' },
] as const;

export interface FloodRow {
  name: string;
  sent: number;
  seconds: number;
  before: DiagnosticsCounts;
  after: DiagnosticsCounts;
  settleS: number;
  alive: boolean;
}

/** Nothing of a call is held (transactions may still be in their RFC 3261 wait states). */
export const idle = (d: DiagnosticsCounts) => d.calls === 0 && d.pendingIncoming === 0 && d.mediaSessions === 0 && d.sipCalls === 0 && d.dialogs === 0;

/**
 * `settle: false` returns as soon as sipp is done, with `after` read then: the
 * caller waits for the calls to end itself (the CI test lets the INVITE
 * flood's calls run out their Timer H while it waits for every transaction).
 */
export async function flood(listener: Listener, f: (typeof FLOODS)[number], rate: number, seconds: number, opts: { settle?: boolean } = {}): Promise<FloodRow> {
  const before = await listener.diagnostics();
  const started = performance.now();
  const total = Math.round(rate * seconds);
  const r = await runSipp({
    scenario: `${scenarios}${f.scenario}.xml`,
    remote: listener.target,
    service: 'anyone',
    calls: total,
    rate,
    timeoutMs: seconds * 1000 + 30_000,
    extraArgs: ['-l', String(total)],
  });
  const sentS = (performance.now() - started) / 1000;
  const t0 = performance.now();
  const after = opts.settle === false ? await listener.diagnostics() : await listener.settled(60_000, idle);
  return { name: f.name, sent: r.stats?.created ?? 0, seconds: sentS, before, after, settleS: (performance.now() - t0) / 1000, alive: listener.process.running };
}

export function floodTable(rows: readonly FloodRow[], baseline: DiagnosticsCounts): string {
  const lines = [
    `| flood | sent | RSS before → after (MB) | heap after GC (MB, baseline ${mb(baseline.heapUsedBytes)}) | calls held after | settled in |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.sent} in ${r.seconds.toFixed(1)} s | ${mb(r.before.rssBytes)} → ${mb(r.after.rssBytes)} | ${mb(r.after.heapUsedBytes)} | ${r.after.calls} calls, ${r.after.mediaSessions} media, ${r.after.dialogs} dialogs, ${r.after.transactions} transactions | ${r.settleS.toFixed(1)} s |`),
  ];
  return lines.join('\n');
}
