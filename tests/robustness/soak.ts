/**
 * The soak: many short complete calls from sipp (INVITE with a PCMU offer,
 * 200, ACK, BYE at once: tests/interop/scenarios/uac-load.xml) against an
 * auto-answering `parley listen`, each with a real media session, one at a
 * time (sipp -l 1: a phone answers one call at a time; overlapping calls
 * would be held by call waiting, which this scenario does not expect).
 *
 * Baseline: after a warm-up batch (JIT, the media WASM, sqlite caches), once
 * no call is held, after a forced GC. Then the batch, then — once the last
 * transactions have ended (RFC 3261 Timer J/L keep them 32 s) — the same
 * reading again. The soak test asserts on it; the bench prints it.
 */
import type { DiagnosticsCounts } from '../../electron/api/snapshots.ts';
import { runSipp, type SippResult } from '../interop/harness/sipp.ts';
import { Listener } from './listener.ts';

export interface SoakResult {
  calls: number;
  baseline: DiagnosticsCounts;
  after: DiagnosticsCounts;
  sipp: SippResult;
  /** Heap growth per 1,000 completed calls, in bytes (after GC, against the baseline). */
  heapPerThousandCalls: number;
  seconds: number;
}

export const noCallHeld = (d: DiagnosticsCounts) => d.calls === 0 && d.pendingIncoming === 0 && d.mediaSessions === 0 && d.sipCalls === 0;

export async function soak(listener: Listener, options: { calls: number; warmUp?: number; rate?: number }): Promise<SoakResult> {
  const run = (calls: number) =>
    runSipp({
      scenario: 'uac-load',
      remote: listener.target,
      calls,
      rate: options.rate ?? 200,
      // One call at a time (see the file comment); the rate is then what the round trips allow.
      extraArgs: ['-l', '1'],
      timeoutMs: Math.max(30_000, calls * 100),
    });
  await run(options.warmUp ?? 50);
  const baseline = await listener.settled(20_000, noCallHeld);
  const started = performance.now();
  const sipp = await run(options.calls);
  const seconds = (performance.now() - started) / 1000;
  const after = await listener.settled(45_000);
  const completed = sipp.stats?.successful ?? 0;
  return {
    calls: completed,
    baseline,
    after,
    sipp,
    heapPerThousandCalls: completed > 0 ? ((after.heapUsedBytes - baseline.heapUsedBytes) / completed) * 1000 : Number.NaN,
    seconds,
  };
}
