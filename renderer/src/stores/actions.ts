/**
 * What the user's buttons do: one API command each, with the result folded
 * into the store and a failure shown as a toast in words. Views call these
 * and never talk to the client directly. They send intents only: what
 * follows for the other calls (answering, dialling or resuming holds the
 * talking call) is the phone's rule (docs/api.md), not the renderer's.
 */
import type { ApiClient, CallArgs } from '../api/client.ts';
import type {
  AccountInput,
  AccountPatch,
  AccountSnapshot,
  ApiResult,
  CallSnapshot,
  CommandName,
  CommandResult,
  ContactInput,
  ContactPatch,
  ContactSnapshot,
  Settings,
  SettingsPatch,
} from '../api/types.ts';
import { TraceFollow } from './trace-follow.ts';
import { MessageActions } from './message-actions.ts';
import { consultations } from './consultations.svelte.ts';
import type { PhoneState } from './phone-state.svelte.ts';
import type { UiStore } from './ui-store.svelte.ts';

/** A save the phone refused field by field: field path ("registrar", "aliases.0", "addresses.1.uri") → words. */
export interface FieldErrors {
  fieldErrors: Record<string, string>;
}

/**
 * The issues of a bad-request as field errors, or undefined when there are
 * none: `changes.` (the update command's wrapper) is dropped from the paths,
 * and the engine's words become a sentence.
 */
export function fieldErrorsOf(result: ApiResult<unknown>): Record<string, string> | undefined {
  if (result.ok || result.code !== 'bad-request' || !result.issues || result.issues.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const issue of result.issues) {
    const path = issue.path.replace(/^changes\./, '');
    if (path === '' || out[path]) continue;
    out[path] = `${issue.message.charAt(0).toUpperCase()}${issue.message.slice(1)}.`;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * How long a dial waits for the phone's first word before the call screen
 * shows it anyway: drawing the call screen at once would compete for the CPU
 * with the dial on its way to the phone (a Worker, the browser's network
 * process, the phone), and the phone's first event comes within a few
 * milliseconds; under 100 ms still feels immediate.
 */
export const DIAL_FEEDBACK_MS = 100;

export class PhoneActions {
  readonly client: ApiClient;
  readonly store: PhoneState;
  readonly ui: UiStore;

  /** The Messages view's commands (message-actions.ts). */
  readonly messages: MessageActions;

  /** The SIP trace, followed while a view that shows it is open (trace-follow.ts). */
  readonly trace: TraceFollow;

  constructor(client: ApiClient, store: PhoneState, ui: UiStore) {
    this.client = client;
    this.store = store;
    this.ui = ui;
    this.messages = new MessageActions(this);
    this.trace = new TraceFollow(client, (entries) => store.mergeTrace(entries));
  }

  /** Runs a command; on failure says what went wrong (prefixed with `what`) and returns undefined. */
  async run<N extends CommandName>(what: string, name: N, ...args: CallArgs<N>): Promise<CommandResult<N> | undefined> {
    return this.#settled(what, this.client.call(name, ...args));
  }

  async #settled<T>(what: string, reply: Promise<ApiResult<T>>): Promise<T | undefined> {
    const r = await reply;
    if (r.ok) return r.result;
    this.ui.toast('error', `${what}: ${r.message}`);
    return undefined;
  }

  #putCall(call: CallSnapshot | undefined): CallSnapshot | undefined {
    if (call) this.store.apply({ event: 'call', data: call });
    return call;
  }

  /**
   * The command leaves before anything is drawn. The call screen comes with
   * the phone's first event of the call (the INVITE is out by then: App's
   * "a call that starts" rule), already on that call (lib/outgoing-dial.ts),
   * or after DIAL_FEEDBACK_MS with a provisional card if the phone is slow; the
   * command's answer keeps the same card. A refused dial goes back where it came from.
   */
  async dial(target: string, accountId?: string, identity?: string): Promise<CallSnapshot | undefined> {
    const t = target.trim();
    if (t === '') return undefined;
    const reply = this.client.call('call.dial', { target: t, ...(accountId ? { accountId } : {}), ...(identity ? { identity } : {}) });
    const from = this.ui.view;
    const dial = this.ui.beginDial({
      target: t,
      ...(accountId ? { accountId } : {}),
      ...(identity ? { identity } : {}),
      startedAt: Date.now(),
      known: new Set(this.store.calls.map((c) => c.id)),
    });
    // Calls that already ended leave the call screen now rather than after their few seconds: the user has moved
    // on, and the new call's screen is then one card (not a list beside it, built and laid out while the call starts).
    this.store.pruneEnded(0);
    const feedback = setTimeout(() => this.ui.showDial(dial), DIAL_FEEDBACK_MS);
    const call = this.#putCall(await this.#settled('Could not call', reply));
    clearTimeout(feedback);
    this.ui.endDial(dial, call?.id, from);
    if (call && this.ui.dialing?.key === dial.key && this.ui.dialing.cancelled) await this.hangup(call.id);
    return call;
  }

  /** Answers; the phone holds the call in progress first, as desk phones do. */
  async answer(callId: string): Promise<void> {
    const call = this.#putCall(await this.run('Could not answer', 'call.answer', { callId }));
    if (call) {
      this.ui.focusedCallId = call.id;
      this.ui.go('calls');
    }
  }

  async decline(callId: string, code: 486 | 603 = 603): Promise<void> {
    await this.run('Could not decline', 'call.decline', { callId, code });
  }

  async hangup(callId: string): Promise<void> {
    const dial = this.ui.dialing;
    if (dial?.key === callId && dial.callId === undefined) {
      // The provisional card (the phone has not answered the dial yet): hung up as soon as the call is known.
      this.ui.dialing = { ...dial, cancelled: true };
      return;
    }
    const connecting = this.store.calls.find((c) => c.id === callId)?.state === 'connecting';
    const done = (await this.run('Could not hang up', 'call.hangup', { callId })) !== undefined;
    // The engine sends the BYE once the ACK comes (or gives up after 32 s); for the user the call is over now.
    if (done && connecting) this.store.endLocally(callId);
  }

  async setHold(callId: string, hold: boolean): Promise<void> {
    this.#putCall(await this.run(hold ? 'Could not hold' : 'Could not resume', hold ? 'call.hold' : 'call.resume', { callId }));
  }

  async setMute(callId: string, muted: boolean): Promise<void> {
    this.#putCall(await this.run(muted ? 'Could not mute' : 'Could not unmute', 'call.mute', { callId, muted }));
  }

  async dtmf(callId: string, digits: string): Promise<void> {
    await this.run('Could not send the tones', 'call.dtmf', { callId, digits });
  }

  async transfer(callId: string, target: string): Promise<boolean> {
    this.store.startTransfer(callId, target.trim());
    const ok = (await this.run('Could not transfer', 'call.transfer', { callId, target: target.trim() })) !== undefined;
    if (!ok) this.store.transfers = Object.fromEntries(Object.entries(this.store.transfers).filter(([id]) => id !== callId));
    return ok;
  }

  // --- call control: attended transfer, conference, recording (docs/api.md, "Call control") ---

  /** Consultation before a transfer: calls `target` (the phone holds `callId`) and remembers which call it is for. */
  async consult(callId: string, target: string): Promise<CallSnapshot | undefined> {
    const call = await this.dial(target);
    if (call) consultations.start(call.id, callId);
    return call;
  }

  /** Attended transfer: the peer of `callId` replaces our call `toCallId` (REFER with Replaces); both our calls then end. */
  async transferToCall(callId: string, toCallId: string): Promise<boolean> {
    const other = this.store.calls.find((c) => c.id === toCallId);
    this.store.startTransfer(callId, other?.remote.uri ?? toCallId);
    const ok = (await this.run('Could not transfer', 'call.transfer', { callId, toCallId })) !== undefined;
    if (!ok) this.store.transfers = Object.fromEntries(Object.entries(this.store.transfers).filter(([id]) => id !== callId));
    else consultations.end(toCallId);
    return ok;
  }

  async merge(callId: string, withCallId: string): Promise<void> {
    this.#putCall(await this.run('Could not merge the calls', 'call.merge', { callId, withCallId }));
  }

  async split(callId: string): Promise<void> {
    this.#putCall(await this.run('Could not take the call out of the conference', 'call.split', { callId }));
  }

  async setRecording(callId: string, record: boolean): Promise<void> {
    this.#putCall(await this.run(record ? 'Could not record' : 'Could not stop recording', 'call.record', { callId, record }));
  }

  /** Shows `callId` and makes it the one we talk on: resumed, and the phone holds the others. */
  async swapTo(callId: string): Promise<void> {
    this.ui.focusedCallId = callId;
    const call = this.store.calls.find((c) => c.id === callId);
    if (call?.state === 'held' || call?.state === 'active') await this.setHold(callId, false);
  }

  /** Saves an account; a refusal naming fields comes back as FieldErrors for the form to show (no toast over it). */
  async saveAccount(id: string | undefined, fields: AccountInput | AccountPatch): Promise<AccountSnapshot | FieldErrors | undefined> {
    const r = id === undefined ? await this.client.call('accounts.add', fields as AccountInput) : await this.client.call('accounts.update', { id, changes: fields as AccountPatch });
    if (!r.ok) {
      const fieldErrors = fieldErrorsOf(r);
      if (fieldErrors) return { fieldErrors };
      this.ui.toast('error', `${id === undefined ? 'Could not add the account' : 'Could not save the account'}: ${r.message}`);
      return undefined;
    }
    const account = r.result;
    this.store.putAccount(account);
    this.ui.toast('success', id === undefined ? `Added ${account.aor}` : `Saved ${account.aor}`);
    return account;
  }

  async removeAccount(account: AccountSnapshot): Promise<boolean> {
    const done = (await this.run('Could not remove the account', 'accounts.remove', { id: account.id })) !== undefined;
    if (done) this.store.dropAccount(account.id);
    return done;
  }

  async register(accountId: string): Promise<void> {
    const r = await this.run('Could not register', 'account.register', { accountId });
    if (r) this.store.apply({ event: 'registration', data: r });
  }

  async unregister(accountId: string): Promise<void> {
    const r = await this.run('Could not unregister', 'account.unregister', { accountId });
    if (r) this.store.apply({ event: 'registration', data: r });
  }

  /** Saves a contact; a refusal naming fields comes back as FieldErrors for the form to show. */
  async saveContact(id: string | undefined, fields: ContactInput | ContactPatch): Promise<ContactSnapshot | FieldErrors | undefined> {
    const r = id === undefined ? await this.client.call('contacts.add', fields as ContactInput) : await this.client.call('contacts.update', { id, changes: fields as ContactPatch });
    if (!r.ok) {
      const fieldErrors = fieldErrorsOf(r);
      if (fieldErrors) return { fieldErrors };
      this.ui.toast('error', `${id === undefined ? 'Could not add the contact' : 'Could not save the contact'}: ${r.message}`);
      return undefined;
    }
    this.store.putContact(r.result);
    return r.result;
  }

  async removeContact(id: string): Promise<boolean> {
    const done = (await this.run('Could not delete the contact', 'contacts.remove', { id })) !== undefined;
    if (done) this.store.dropContact(id);
    return done;
  }

  async updateSettings(patch: SettingsPatch): Promise<Settings | undefined> {
    const settings = await this.run('Could not save the settings', 'settings.update', patch);
    if (settings) this.store.settings = settings;
    return settings;
  }

  /** Saves settings typed into a field: a refusal comes back in words for the field to show (no toast over it). */
  async saveSettingsField(patch: SettingsPatch): Promise<(FieldErrors & { message: string }) | undefined> {
    const r = await this.client.call('settings.update', patch);
    if (r.ok) {
      this.store.settings = r.result;
      return undefined;
    }
    return { fieldErrors: fieldErrorsOf(r) ?? {}, message: r.message };
  }

  /** Opens a call's recording in the system's player (desktop app). */
  async openRecording(historyId: string, path: string): Promise<void> {
    await this.run('Could not open the recording', 'recording.open', { historyId, path });
  }

  /** Shows a call's recording in its folder (desktop app). */
  async revealRecording(historyId: string, path: string): Promise<void> {
    await this.run('Could not show the recording', 'recording.reveal', { historyId, path });
  }

  /** Deletes a call's recording and its link from the History entry. */
  async deleteRecording(historyId: string, path: string): Promise<boolean> {
    const done = (await this.run('Could not delete the recording', 'recording.delete', { historyId, path })) !== undefined;
    if (done) {
      this.store.setHistory(
        this.store.history.map((h) => {
          if (h.id !== historyId || !h.recordings) return h;
          const { recordings, ...rest } = h;
          const left = recordings.filter((r) => r.path !== path);
          return left.length > 0 ? { ...rest, recordings: left } : rest;
        }),
      );
    }
    return done;
  }

  async removeHistory(id: string): Promise<boolean> {
    const done = (await this.run('Could not delete the entry', 'history.remove', { id })) !== undefined;
    if (done) this.store.setHistory(this.store.history.filter((h) => h.id !== id));
    return done;
  }

  async clearHistory(): Promise<void> {
    if ((await this.run('Could not clear the history', 'history.clear')) !== undefined) this.store.setHistory([]);
  }
}
