/**
 * The renderer's copy of presence, watched lines (BLF) and voicemail: our own
 * status, the watches, the watchers asking to see us, and each account's
 * message summary. Loaded at connect (presence.get, watch.list,
 * watchers.list, mwi.list — a phone without the event engine answers
 * 'unavailable' and the lists stay empty), then kept by events.
 */
import type { ApiEvent, MwiSnapshot, OwnPresenceSnapshot, WatchSnapshot, WatcherSnapshot } from '../api/types.ts';
import { displayAddress } from '../lib/party.ts';

export class PresenceState {
  own = $state.raw<OwnPresenceSnapshot | undefined>(undefined);
  watches = $state.raw<WatchSnapshot[]>([]);
  watchers = $state.raw<WatcherSnapshot[]>([]);
  mwi = $state.raw<Record<string, MwiSnapshot>>({});

  /** Watches that include the line (the busy-lamp panel), in the phone's order. */
  lines = $derived(this.watches.filter((w) => w.line !== undefined));
  pendingWatchers = $derived(this.watchers.filter((w) => w.state === 'pending'));

  setOwn(own: OwnPresenceSnapshot): void {
    this.own = own;
  }

  setWatches(list: WatchSnapshot[]): void {
    this.watches = list;
  }

  setWatchers(list: WatcherSnapshot[]): void {
    this.watchers = list;
  }

  setMwi(list: MwiSnapshot[]): void {
    this.mwi = Object.fromEntries(list.map((m) => [m.accountId, m]));
  }

  /** The watch of an address (same user@host, ignoring scheme, parameters and case), if any. */
  watchOf(uri: string | undefined): WatchSnapshot | undefined {
    if (!uri) return undefined;
    const key = displayAddress(uri).replace(/^sips:/i, '').toLowerCase();
    return this.watches.find((w) => displayAddress(w.target).replace(/^sips:/i, '').toLowerCase() === key);
  }

  /** The watch of a contact: by its id, else by any of its addresses. */
  watchOfContact(contact: { id: string; addresses: { uri: string }[] }): WatchSnapshot | undefined {
    return this.watches.find((w) => w.contactId === contact.id) ?? contact.addresses.map((a) => this.watchOf(a.uri)).find((w) => w !== undefined);
  }

  /** Returns true when the event was about presence. */
  apply(event: ApiEvent): boolean {
    switch (event.event) {
      case 'presence.own':
        this.own = event.data;
        return true;
      case 'watch': {
        const w = event.data;
        this.watches = this.watches.some((x) => x.id === w.id) ? this.watches.map((x) => (x.id === w.id ? w : x)) : [...this.watches, w];
        return true;
      }
      case 'watch.removed':
        this.watches = this.watches.filter((x) => x.id !== event.data.id);
        return true;
      case 'watcher': {
        const w = event.data;
        const same = (x: WatcherSnapshot) => x.accountId === w.accountId && x.watcher === w.watcher;
        this.watchers = this.watchers.some(same) ? this.watchers.map((x) => (same(x) ? w : x)) : [...this.watchers, w];
        return true;
      }
      case 'mwi':
        this.mwi = { ...this.mwi, [event.data.accountId]: event.data };
        return true;
      default:
        return false;
    }
  }
}
