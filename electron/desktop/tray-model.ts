/**
 * What the tray shows: one icon for all accounts' registrations, a tooltip,
 * and a status line per account for the menu. Kept current from the
 * engine's events ('registration' per account, 'accounts' with the whole
 * list, 'settings' for Do Not Disturb); app.snapshot seeds it.
 *
 * The icon shows the state that needs attention first:
 *   failed       any enabled account's registration failed
 *   registering  any is (un)registering, none failed
 *   registered   every enabled account is registered
 *   offline      no enabled account, or none registered yet
 *
 * Pure: tray.ts turns the model into an Electron Tray and Menu.
 */
import type { AccountSnapshot, ApiEvent, AppSnapshot, RegistrationSnapshot } from '../api/contract.ts';

export type TrayState = 'registered' | 'registering' | 'failed' | 'offline';

export interface TrayModel {
  state: TrayState;
  dnd: boolean;
  /** File name under resources/icons (tray-STATE[-dnd].png; Electron picks the @2x file on HiDPI). */
  icon: string;
  tooltip: string;
  /** One line per enabled account (at most MAX_STATUS_LINES), for the menu. */
  statusLines: string[];
}

export const MAX_STATUS_LINES = 8;

type AccountInfo = Pick<AccountSnapshot, 'id' | 'aor' | 'displayName' | 'enabled'>;

const STATE_WORDS: Record<RegistrationSnapshot['state'], string> = {
  registered: 'registered',
  registering: 'registering…',
  unregistering: 'signing out…',
  unregistered: 'not registered',
  failed: 'failed',
};

export class TrayStatus {
  #accounts: AccountInfo[] = [];
  #registrations = new Map<string, RegistrationSnapshot>();
  #dnd = false;

  load(snapshot: Pick<AppSnapshot, 'accounts' | 'registrations' | 'settings'>): void {
    this.#accounts = snapshot.accounts.map(pickAccount);
    this.#registrations = new Map(snapshot.registrations.map((r) => [r.accountId, r]));
    this.#dnd = snapshot.settings.dnd;
  }

  /** Applies one engine event; true when the tray should be redrawn. */
  apply(event: ApiEvent): boolean {
    switch (event.event) {
      case 'registration':
        this.#registrations.set(event.data.accountId, event.data);
        return true;
      case 'accounts': {
        this.#accounts = event.data.map(pickAccount);
        const ids = new Set(this.#accounts.map((a) => a.id));
        for (const id of [...this.#registrations.keys()]) if (!ids.has(id)) this.#registrations.delete(id);
        return true;
      }
      case 'settings': {
        const changed = event.data.dnd !== this.#dnd;
        this.#dnd = event.data.dnd;
        return changed;
      }
      default:
        return false;
    }
  }

  get dnd(): boolean {
    return this.#dnd;
  }

  model(): TrayModel {
    const enabled = this.#accounts.filter((a) => a.enabled);
    const states = enabled.map((a) => this.#registrations.get(a.id)?.state ?? 'unregistered');
    let state: TrayState = 'offline';
    if (states.includes('failed')) state = 'failed';
    else if (states.some((s) => s === 'registering' || s === 'unregistering')) state = 'registering';
    else if (states.length > 0 && states.every((s) => s === 'registered')) state = 'registered';
    const statusLines = enabled.slice(0, MAX_STATUS_LINES).map((a) => {
      const r = this.#registrations.get(a.id);
      const words = r?.state === 'failed' && r.words ? `failed: ${r.words}` : STATE_WORDS[r?.state ?? 'unregistered'];
      return `${a.displayName || a.aor}: ${words}`;
    });
    if (enabled.length > MAX_STATUS_LINES) statusLines.push(`…and ${enabled.length - MAX_STATUS_LINES} more`);
    const registered = states.filter((s) => s === 'registered').length;
    let summary: string;
    if (enabled.length === 0) summary = 'no account';
    else if (state === 'registered') summary = enabled.length === 1 ? 'registered' : `all ${enabled.length} accounts registered`;
    else summary = `${registered} of ${enabled.length} account${enabled.length === 1 ? '' : 's'} registered${state === 'failed' ? ', a registration failed' : ''}`;
    return {
      state,
      dnd: this.#dnd,
      icon: `tray-${state}${this.#dnd ? '-dnd' : ''}.png`,
      tooltip: `Parley: ${summary}${this.#dnd ? ' (do not disturb)' : ''}`,
      statusLines,
    };
  }
}

function pickAccount(a: AccountSnapshot): AccountInfo {
  return { id: a.id, aor: a.aor, displayName: a.displayName, enabled: a.enabled };
}
