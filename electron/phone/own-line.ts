/**
 * Our own line as the dialog event package (RFC 4235) for whoever watches
 * this phone directly — a colleague's busy lamp for us: each call of the
 * account as a dialog (trying, early, confirmed), who the other party is
 * (unless they withheld it), and the dialog's Call-ID and tags so that a
 * watcher can pick a ringing call up with Replaces (RFC 3891). Watchers are
 * authorized like presence watchers (one "who may watch me" decision).
 *
 *   call state (ours)                      dialog-info state
 *   dialing                                trying
 *   ringing, early, incoming               early
 *   connecting, active, held, remote-held  confirmed
 *   ending, ended                          (left out: the line is free)
 *
 * A NOTIFY goes out only when what a watcher sees changes (a mute or a
 * codec switch is no news to a busy lamp); while nobody watches, a call's
 * events cost one look at the notifiers. Each subscription's documents
 * are versioned from 0 (§4.1).
 */
import type { CallSnapshot } from '../api/snapshots.ts';
import { buildDialogInfo, DIALOG_INFO_TYPE, MAX_LINE_DIALOGS, type DialogInfoDialog, type DialogInfoState } from '../sip/event/dialog-info.ts';
import type { EventAgent, PackageServer } from '../sip/event/event-agent.ts';

const STATE_OF: Partial<Record<CallSnapshot['state'], DialogInfoState>> = {
  dialing: 'trying',
  ringing: 'early',
  early: 'early',
  incoming: 'early',
  connecting: 'confirmed',
  active: 'confirmed',
  held: 'confirmed',
  'remote-held': 'confirmed',
};

export interface OwnLineDeps {
  agent: EventAgent;
  /** The same decision as for presence watchers (presence-service.ts). */
  authorize: PackageServer['authorize'];
  /** The account's address: the document's entity. */
  aorOf: (accountId: string) => string | undefined;
  calls: () => CallSnapshot[];
  /** The SIP dialog of a call, once it has one: Call-ID and tags as we have them. */
  dialogIdOf: (callId: string) => { callId: string; localTag: string; remoteTag: string } | undefined;
}

export class OwnLine {
  readonly #d: OwnLineDeps;
  /** What each account's watchers saw last (without the version). */
  readonly #last = new Map<string, string>();

  constructor(deps: OwnLineDeps) {
    this.#d = deps;
    deps.agent.serve({
      package: 'dialog',
      authorize: (accountId, watcher) => deps.authorize(accountId, watcher),
      document: (accountId, sent) => ({ contentType: DIALOG_INFO_TYPE, body: buildDialogInfo(this.#entity(accountId), sent, this.dialogs(accountId)) }),
    });
  }

  /** A call of the account changed: its watchers are told when their view changed (nothing is built while nobody watches). */
  callChanged(accountId: string): void {
    if (!this.#d.agent.watched('dialog', accountId)) {
      this.#last.delete(accountId);
      return;
    }
    const key = JSON.stringify(this.dialogs(accountId));
    if (this.#last.get(accountId) === key) return;
    this.#last.set(accountId, key);
    this.#d.agent.changed('dialog', accountId);
  }

  /** The account's calls as dialogs, oldest first. */
  dialogs(accountId: string): DialogInfoDialog[] {
    const out: DialogInfoDialog[] = [];
    for (const c of this.#d.calls()) {
      if (c.accountId !== accountId) continue;
      const state = STATE_OF[c.state];
      if (!state) continue;
      const d: DialogInfoDialog = { id: c.id, state, direction: c.direction === 'out' ? 'initiator' : 'recipient' };
      const ids = this.#d.dialogIdOf(c.id);
      if (ids) {
        d.callId = ids.callId;
        d.localTag = ids.localTag;
        d.remoteTag = ids.remoteTag;
      } else if (c.sipCallId) d.callId = c.sipCallId;
      if (!c.remote.withheld) d.remote = c.remote.displayName ? { uri: c.remote.uri, displayName: c.remote.displayName } : { uri: c.remote.uri };
      out.push(d);
      if (out.length >= MAX_LINE_DIALOGS) break;
    }
    return out;
  }

  #entity(accountId: string): string {
    return this.#d.aorOf(accountId) ?? `sip:${accountId}@invalid`;
  }
}
