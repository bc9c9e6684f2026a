/**
 * Calls into the history (docs/architecture.md, "History"): a row is written when the call
 * starts — so a crash mid-call still leaves it in the list — completed when
 * it is answered and when it ends (code, reason, quality summary from the
 * media statistics), and announced with a 'history' event once the end is
 * written. The writes go behind the call (store/history-repository.ts,
 * addLater): no commit on the dial or answer path, one transaction for all
 * the calls that changed within WRITE_BEHIND_MS.
 *
 * The history may only reference stored accounts and contacts (foreign
 * keys): the built-in direct account and Echo test contact are written as
 * no account / no contact, with the contact's name kept as the peer name.
 */
import type { EventBus } from '../api/event-bus.ts';
import type { Logger } from '../common/logger.ts';
import type { PhoneCall } from './phone-call.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';
import type { CallQuality } from './history-entry.ts';
import { recordingLinks } from './recordings.ts';
import { toHistorySnapshot } from './snapshot-mappers.ts';
import { describeForward } from './forward-words.ts';
import type { PhoneStore } from './store/phone-store.ts';

const clip = (text: string, max: number) => text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max);

/** What the history reads of a call (a PhoneCall). */
export type HistoryCall = Pick<PhoneCall, 'id' | 'accountId' | 'direction' | 'remote' | 'caller' | 'localIdentity' | 'sip' | 'startedAt' | 'answeredAt' | 'endedAt' | 'outcome' | 'lastStats' | 'historyRow' | 'snapshot' | 'forwardedBy' | 'forwardedTo'>;

export class CallHistory {
  readonly #store: PhoneStore;
  readonly #events: EventBus;
  readonly #log: Logger;

  constructor(store: PhoneStore, events: EventBus, logger: Logger) {
    this.#store = store;
    this.#events = events;
    this.#log = logger;
  }

  started(record: HistoryCall): void {
    this.#write(record, () => {
      const accountId = record.accountId === DIRECT_ACCOUNT_ID || !this.#store.accounts.get(record.accountId) ? null : record.accountId;
      const peerName = record.caller?.name ?? record.remote.displayName ?? null;
      record.historyRow = this.#store.history.addLater({
        direction: record.direction,
        peerUri: clip(record.remote.uri, 1024),
        peerName: peerName === null ? null : clip(peerName, 256),
        contactId: record.caller?.contactId ?? null,
        localAlias: clip(record.localIdentity, 256),
        accountId,
        callId: clip(record.sip.id, 256),
        startedAt: record.startedAt,
        forwardedBy: record.forwardedBy ? clip(record.forwardedBy.text, 512) : null,
      });
    });
  }

  answered(record: HistoryCall): void {
    const row = record.historyRow;
    if (row === undefined || record.answeredAt === undefined) return;
    this.#write(record, () => this.#store.history.updateLater(row, { answeredAt: Math.max(record.answeredAt!, record.startedAt) }));
  }

  ended(record: HistoryCall): void {
    const row = record.historyRow;
    if (row === undefined) return;
    this.#write(record, () => {
      const answeredAt = record.answeredAt === undefined ? null : Math.max(record.answeredAt, record.startedAt);
      const patch = {
        answeredAt,
        endedAt: Math.max(record.endedAt ?? record.startedAt, answeredAt ?? record.startedAt),
        resultCode: record.outcome && record.outcome.status >= 100 && record.outcome.status <= 699 ? record.outcome.status : null,
        reason: record.outcome ? clip(record.outcome.reason, 256) : null,
        quality: this.#quality(record),
        forwardedTo: record.forwardedTo ? clip(describeForward(record.forwardedTo), 512) : null,
      };
      this.#store.history.updateLater(row, patch, (entry) => this.#events.emit('history', toHistorySnapshot(entry, recordingLinks)));
    });
  }

  /** The call is being recorded into `path`: its History entry links the file. */
  recorded(record: HistoryCall, path: string): void {
    const row = record.historyRow;
    if (row === undefined) return;
    this.#write(record, () => {
      this.#store.history.updateLater(row, (current) => {
        const recordings = current.recordings ?? [];
        return recordings.includes(path) ? {} : { recordings: [...recordings, path] };
      });
    });
  }

  #quality(record: HistoryCall): CallQuality | null {
    const s = record.lastStats;
    if (!s || s.packetsReceived === 0 || s.mos === null) return null;
    const cap = (x: number) => Math.min(60_000, Math.max(0, x));
    const q: CallQuality = { mos: Math.min(5, Math.max(1, s.mos)), loss: Math.min(1, Math.max(0, s.lossPercent / 100)), jitter: cap(s.jitterMs), rtt: s.rttMs === null ? null : cap(s.rttMs) };
    const security = record.snapshot().security?.summary;
    if (security) q.security = security.slice(0, 200);
    return q;
  }

  #write(record: HistoryCall, work: () => void): void {
    try {
      work();
    } catch (e) {
      // The call goes on without its history row; the store's trouble is logged, not thrown at the SIP layer.
      this.#log.error('history not written', { callId: record.id, error: String(e) });
    }
  }
}
