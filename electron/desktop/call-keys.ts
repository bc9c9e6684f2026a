/**
 * Answer, hang up, mute, hold and bring Parley forward from the keyboard
 * while Parley is in the background: the keyboard's (and Bluetooth
 * headsets') media keys, and global shortcuts the user chooses in Settings,
 * registered with Electron's globalShortcut. Inside the window the renderer
 * has its own keys (Media Session handlers, answer/decline shortcuts); these
 * work from any application.
 *
 *   MediaPlayPause (headset button) ── a call rings? answer it : hang up the call in progress
 *   MediaStop ──────────────────────── hang up (or decline the ringing call)
 *   answer ─────────────────────────── answer the ringing call
 *   hangup ─────────────────────────── hang up, or decline the ringing call
 *   mute ───────────────────────────── mute / unmute the call in progress
 *   hold ───────────────────────────── hold the call in progress / resume the held one
 *   show ───────────────────────────── bring the window to the front (desktop-app.ts)
 *
 * The keys come from the engine's `globalShortcuts` setting (typed and
 * validated by the API: electron/api/global-shortcuts.ts), applied at start
 * and again whenever the setting changes. The shortcuts are off until the
 * user sets them (a global shortcut takes the keys from every other
 * program). A key another program holds, or one Electron refuses, is reported
 * back in words (`shortcuts.status`), never fatal.
 */
import type { CallSnapshot, GlobalShortcutAction, GlobalShortcutRefusal, GlobalShortcuts, GlobalShortcutsStatus } from '../api/contract.ts';
import { GLOBAL_SHORTCUT_ACTIONS, MEDIA_KEY_ACCELERATORS } from '../api/global-shortcuts.ts';
import type { Logger } from '../common/logger.ts';

/** The part of Electron's globalShortcut used here. */
export interface GlobalShortcutLike {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export type CallKeyAction = 'toggle' | GlobalShortcutAction;

export type CallKeyCommand =
  | { command: 'call.answer' | 'call.decline' | 'call.hangup' | 'call.hold' | 'call.resume'; params: { callId: string } }
  | { command: 'call.mute'; params: { callId: string; muted: boolean } };

/** Which command a key means now: the ringing incoming call first, else the call in progress. `show` is no call command. */
export function callKeyCommand(calls: readonly CallSnapshot[], action: CallKeyAction): CallKeyCommand | undefined {
  const ringing = calls.find((c) => c.direction === 'in' && c.state === 'incoming');
  const talking = calls.find((c) => c.state === 'active' && !c.held) ?? calls.find((c) => c.state !== 'ended' && c.state !== 'incoming' && c.state !== 'held' && c.state !== 'ending');
  const held = calls.find((c) => c.state === 'held');
  const on = (command: 'call.answer' | 'call.decline' | 'call.hangup' | 'call.hold' | 'call.resume', call: CallSnapshot | undefined): CallKeyCommand | undefined =>
    call ? { command, params: { callId: call.id } } : undefined;
  switch (action) {
    case 'answer':
      return on('call.answer', ringing);
    case 'toggle':
      return ringing ? on('call.answer', ringing) : on('call.hangup', talking ?? held);
    case 'hangup':
      return talking ?? held ? on('call.hangup', talking ?? held) : on('call.decline', ringing);
    case 'mute': {
      const call = talking ?? held;
      return call ? { command: 'call.mute', params: { callId: call.id, muted: !call.muted } } : undefined;
    }
    case 'hold':
      return talking ? on('call.hold', talking) : on('call.resume', held);
    case 'show':
      return undefined;
  }
}

function refusalWords(accelerator: string, reason: GlobalShortcutRefusal['reason']): string {
  return reason === 'held'
    ? `${accelerator} is taken by another program or the desktop: choose other keys, or free them there`
    : `${accelerator} could not be made a global shortcut on this system: choose other keys`;
}

export class CallKeys {
  readonly #shortcuts: GlobalShortcutLike;
  readonly #act: (action: CallKeyAction) => void;
  readonly #log: Logger;
  #registered: string[] = [];
  #status: GlobalShortcutsStatus = { registered: [], refused: [] };
  #applied = '';

  constructor(options: { shortcuts: GlobalShortcutLike; act: (action: CallKeyAction) => void; logger: Logger }) {
    this.#shortcuts = options.shortcuts;
    this.#act = options.act;
    this.#log = options.logger;
  }

  /** What the last apply() registered and refused. */
  get status(): GlobalShortcutsStatus {
    return structuredClone(this.#status);
  }

  /**
   * Registers what `config` asks for, after giving back the previous set.
   * The same config again changes nothing and returns undefined (a settings
   * event for another key must not unregister and re-register the keys);
   * otherwise the new status.
   */
  apply(config: GlobalShortcuts): GlobalShortcutsStatus | undefined {
    const key = JSON.stringify(config);
    if (key === this.#applied) return undefined;
    this.dispose();
    this.#applied = key;
    const wanted: [string, CallKeyAction, GlobalShortcutRefusal['action']][] = [];
    if (config.mediaKeys) wanted.push([MEDIA_KEY_ACCELERATORS[0], 'toggle', 'mediaKeys'], [MEDIA_KEY_ACCELERATORS[1], 'hangup', 'mediaKeys']);
    for (const action of GLOBAL_SHORTCUT_ACTIONS) if (config[action] !== '') wanted.push([config[action], action, action]);
    const refused: GlobalShortcutRefusal[] = [];
    for (const [accelerator, action, field] of wanted) {
      let reason: GlobalShortcutRefusal['reason'] | undefined;
      try {
        // Electron answers false when another program holds the keys, and throws on an accelerator it cannot parse.
        if (!this.#shortcuts.register(accelerator, () => this.#act(action))) reason = 'held';
      } catch (e) {
        reason = 'invalid';
        this.#log.warn('not a shortcut', { accelerator, error: (e as Error).message });
      }
      if (reason) refused.push({ action: field, accelerator, reason, words: refusalWords(accelerator, reason) });
      else this.#registered.push(accelerator);
    }
    if (refused.length > 0) this.#log.warn('global shortcuts refused', { refused: refused.map((r) => `${r.accelerator} (${r.reason})`) });
    this.#status = { registered: [...this.#registered], refused };
    return this.status;
  }

  dispose(): void {
    for (const a of this.#registered) this.#shortcuts.unregister(a);
    this.#registered = [];
    this.#applied = '';
    this.#status = { registered: [], refused: [] };
  }
}
