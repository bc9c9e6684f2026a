/**
 * Follows calls through the engine's events for a command that waits on
 * them: the newest snapshot of each call, its last RTCP figures, and the
 * history entry written when it ended (which carries the final quality).
 * Subscribed before a call is placed, so no event is missed even when the
 * engine reports a state before `call.dial` has returned.
 *
 * A listener runs for months: what it keeps is bounded. A call's snapshot
 * and figures stay while it lives and, once ended, among the last
 * ENDED_KEPT ended calls (long enough to print its report), then go.
 */
import type { EventBus } from '../api/event-bus.ts';
import type { CallSnapshot, HistoryEntry, MediaStats } from '../api/snapshots.ts';
import type { QualityReport } from './output.ts';

type Waiter = { id: string; match: (c: CallSnapshot) => boolean; resolve: (c: CallSnapshot | undefined) => void; timer?: NodeJS.Timeout };

export function isAnswered(c: CallSnapshot): boolean {
  return c.answeredAt !== undefined || c.state === 'active' || c.state === 'held' || c.state === 'remote-held';
}

/** Ended calls whose snapshot and figures are still kept for their final report. */
export const ENDED_KEPT = 64;
/** Calls whose last media figures are kept (live calls are far fewer; a bound all the same). */
const STATS_KEPT = 256;

export class CallTracker {
  readonly #calls = new Map<string, CallSnapshot>();
  /** Ids of ended calls, oldest first (a Map keeps insertion order). */
  readonly #ended = new Map<string, true>();
  readonly #stats = new Map<string, MediaStats>();
  readonly #history: HistoryEntry[] = [];
  readonly #historyListeners = new Set<(h: HistoryEntry) => void>();
  #waiters: Waiter[] = [];
  readonly #off: (() => void)[];

  constructor(events: EventBus) {
    this.#off = [
      events.on('call', (c) => this.#update(c)),
      events.on('call.incoming', (c) => this.#update(c)),
      events.on('media.stats', (s) => {
        // A late report of an ended call is not kept (it would never leave); figures of calls not seen are bounded.
        if (this.#ended.has(s.callId)) return;
        this.#stats.delete(s.callId);
        this.#stats.set(s.callId, s);
        if (this.#stats.size > STATS_KEPT) this.#stats.delete(this.#stats.keys().next().value!);
      }),
      events.on('history', (h) => {
        this.#history.push(h);
        if (this.#history.length > 100) this.#history.shift();
        for (const l of [...this.#historyListeners]) l(h);
      }),
    ];
  }

  latest(id: string): CallSnapshot | undefined {
    return this.#calls.get(id);
  }

  /** How many calls' snapshots are held (live ones plus the last ended ones). */
  get size(): number {
    return this.#calls.size;
  }

  /** Records a snapshot a command got as a result (call.dial, call.answer), unless a newer one came by event. */
  note(c: CallSnapshot): CallSnapshot {
    const known = this.#calls.get(c.id);
    if (!known) this.#update(c);
    return this.#calls.get(c.id)!;
  }

  /** The call's newest snapshot once `match` holds (at once if it already does); undefined after `timeoutMs`. */
  waitFor(id: string, match: (c: CallSnapshot) => boolean, timeoutMs?: number): Promise<CallSnapshot | undefined> {
    const now = this.#calls.get(id);
    if (now && match(now)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const w: Waiter = { id, match, resolve };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((x) => x !== w);
          resolve(undefined);
        }, timeoutMs);
      }
      this.#waiters.push(w);
    });
  }

  ended(id: string, timeoutMs?: number): Promise<CallSnapshot | undefined> {
    return this.waitFor(id, (c) => c.state === 'ended', timeoutMs);
  }

  /**
   * The figures to print when a call has ended: from its history entry (the
   * engine's final E-model MOS and RTCP figures), waited for briefly, else
   * the last media.stats seen.
   */
  async finalQuality(call: CallSnapshot, waitMs = 1000): Promise<QualityReport> {
    const sameCall = (h: HistoryEntry) => h.startedAt === call.startedAt && (h.direction === call.direction);
    let entry = this.#history.find(sameCall);
    if (!entry) {
      entry = await new Promise<HistoryEntry | undefined>((resolve) => {
        const timer = setTimeout(() => {
          this.#historyListeners.delete(listener);
          resolve(undefined);
        }, waitMs);
        const listener = (h: HistoryEntry) => {
          if (!sameCall(h)) return;
          clearTimeout(timer);
          this.#historyListeners.delete(listener);
          resolve(h);
        };
        this.#historyListeners.add(listener);
      });
    }
    const stats = this.#stats.get(call.id);
    const report: QualityReport = { callId: call.id };
    const q = entry?.quality;
    const mos = q?.mos ?? stats?.mos;
    const loss = q?.lossPercent ?? stats?.lossPercent;
    const jitter = q?.jitterMs ?? stats?.jitterMs;
    const rtt = q?.rttMs ?? stats?.rttMs;
    if (mos !== undefined) report.mos = mos;
    if (loss !== undefined) report.lossPercent = loss;
    if (jitter !== undefined) report.jitterMs = jitter;
    if (rtt !== undefined) report.rttMs = rtt;
    const end = call.endedAt ?? entry?.endedAt;
    const answered = call.answeredAt ?? entry?.answeredAt;
    if (end !== undefined && answered !== undefined) report.durationS = Math.max(0, (end - answered) / 1000);
    if (stats) {
      report.packetsSent = stats.packetsSent;
      report.packetsReceived = stats.packetsReceived;
    }
    if (call.codec) report.codec = call.codec;
    return report;
  }

  dispose(): void {
    for (const off of this.#off) off();
    for (const w of this.#waiters) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.#waiters = [];
  }

  #update(c: CallSnapshot): void {
    this.#calls.set(c.id, c);
    if (c.state === 'ended' && !this.#ended.has(c.id)) {
      this.#ended.set(c.id, true);
      for (const old of this.#ended.keys()) {
        if (this.#ended.size <= ENDED_KEPT) break;
        this.#ended.delete(old);
        this.#calls.delete(old);
        this.#stats.delete(old);
      }
    }
    const ready = this.#waiters.filter((w) => w.id === c.id && w.match(c));
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve(c);
    }
  }
}
