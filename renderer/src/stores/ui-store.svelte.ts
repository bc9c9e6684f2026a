/** State of the window itself: which view shows, what the dial field holds, toasts and spoken announcements. */
import type { ContactFields } from '../api/types.ts';
import type { OutgoingDial } from '../lib/outgoing-dial.ts';
import { loadShortcuts, saveShortcuts, type CallShortcuts } from '../lib/shortcuts.ts';

export type ViewName = 'dialpad' | 'contacts' | 'history' | 'accounts' | 'settings' | 'calls' | 'diagnostics' | 'messages';

export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  /** A button on the toast (a message's "Open"): runs, then the toast goes. */
  action?: { label: string; run: () => void };
}

export class UiStore {
  view = $state<ViewName>('dialpad');
  dialText = $state('');
  /** Account and identity chosen in the dial pad's picker; undefined = automatic. */
  dialAccountId = $state<string | undefined>(undefined);
  dialIdentity = $state<string | undefined>(undefined);
  /** The call the call screen shows. */
  focusedCallId = $state<string | undefined>(undefined);
  /** The newest call dialled from this page (lib/outgoing-dial.ts): shown before the phone answered the command, then its card's key. */
  dialing = $state.raw<OutgoingDial | undefined>(undefined);
  toasts = $state<Toast[]>([]);
  /** Text for the ARIA live region (LiveAnnouncer). */
  announcement = $state('');
  /** The SIP Call-ID whose ladder the Diagnostics view opens on. */
  ladderCallId = $state<string | undefined>(undefined);
  /** The Accounts view opens on a new account's form (the header's "Add a SIP account"). */
  newAccount = $state(false);
  /** A contact to create, filled in from elsewhere (History's "Add to contacts"); the Contacts view takes it. */
  contactDraft = $state<ContactFields | undefined>(undefined);
  /** Keys that answer and decline a ringing call (this browser's choice). */
  shortcuts = $state<CallShortcuts>(loadShortcuts());
  /** The conversation the Messages view shows (a peer address); a new one when no message exists yet. */
  messagesPeer = $state<string | undefined>(undefined);
  #nextToast = 1;
  #nextDial = 1;

  /** Opens the Messages view on the conversation with `peer` (from a contact, History, a notification). */
  openConversation(peer: string): void {
    this.messagesPeer = peer;
    this.view = 'messages';
  }

  setShortcuts(shortcuts: CallShortcuts): void {
    this.shortcuts = shortcuts;
    saveShortcuts(shortcuts);
  }

  go(view: ViewName): void {
    this.view = view;
  }

  /** A dial whose command has left (PhoneActions.dial): the call screen shows its call once the phone reports it, or `showDial` gives up waiting. */
  beginDial(dial: Omit<OutgoingDial, 'key' | 'cancelled'>): OutgoingDial {
    const started: OutgoingDial = { ...dial, key: `dial-${this.#nextDial++}`, cancelled: false };
    this.dialing = started;
    return started;
  }

  /** The phone is slow to report `dial`'s call: the call screen shows it already (a provisional card). */
  showDial(dial: OutgoingDial): void {
    if (this.dialing?.key === dial.key && this.dialing.callId === undefined) this.view = 'calls';
  }

  /** The phone answered `dial`'s command: its call (the card keeps its key), or none (the screen goes back to `from`). */
  endDial(dial: OutgoingDial, callId: string | undefined, from: ViewName): void {
    if (this.dialing?.key !== dial.key) return;
    if (callId !== undefined) {
      this.dialing = { ...this.dialing, callId };
      this.focusedCallId = callId;
      this.view = 'calls';
      return;
    }
    this.dialing = undefined;
    if (this.view === 'calls') this.view = from;
  }

  /** The key of `callId`'s card: the dial's own while it is the dialled call, so the card stays when the phone's snapshot replaces the provisional one. */
  callCardKey(callId: string): string {
    const d = this.dialing;
    return d !== undefined && (d.key === callId || d.callId === callId) ? d.key : callId;
  }

  toast(kind: ToastKind, text: string, timeoutMs = kind === 'error' ? 8000 : 4000, action?: Toast['action']): number {
    const id = this.#nextToast++;
    this.toasts = [...this.toasts, { id, kind, text, ...(action ? { action } : {}) }].slice(-4);
    if (timeoutMs > 0) setTimeout(() => this.dismiss(id), timeoutMs);
    return id;
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  /** Says `text` through the live region; the same text twice is said twice. */
  announce(text: string): void {
    this.announcement = '';
    queueMicrotask(() => (this.announcement = text));
  }
}
