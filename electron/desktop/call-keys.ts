/**
 * Answer and hang up from the keyboard while Parley is in the background:
 * the keyboard's (and Bluetooth headsets') media keys, and global shortcuts
 * the user chooses, registered with Electron's globalShortcut. Inside the
 * window the renderer has its own keys (Media Session handlers, configurable
 * answer/decline shortcuts); these work from any application.
 *
 *   MediaPlayPause (headset button) ── a call rings? answer it : hang up the call in progress
 *   MediaStop ──────────────────────── hang up (or decline the ringing call)
 *   answer shortcut ────────────────── answer the ringing call
 *   hang-up shortcut ───────────────── hang up, or decline the ringing call
 *
 * The shortcuts are off until the user sets them (a global shortcut takes
 * the keys from every other program); they are read from
 * `desktop-shortcuts.json` in the data folder:
 *   { "mediaKeys": true, "answer": "CommandOrControl+Alt+A", "hangup": "CommandOrControl+Alt+H" }
 * An accelerator another program holds is reported, not fatal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallSnapshot } from '../api/contract.ts';
import type { Logger } from '../shared/logger.ts';

/** The part of Electron's globalShortcut used here. */
export interface GlobalShortcutLike {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export interface CallKeysConfig {
  /** The media keys (play/pause, stop) answer and hang up; default true. */
  mediaKeys: boolean;
  /** Electron accelerators, or null for none (the default). */
  answer: string | null;
  hangup: string | null;
}

export const CALL_KEYS_DEFAULTS: Readonly<CallKeysConfig> = Object.freeze({ mediaKeys: true, answer: null, hangup: null });

export type CallKeyAction = 'toggle' | 'answer' | 'hangup';

/** Which command a key means now: the ringing incoming call first, else the call in progress. */
export function callKeyCommand(calls: readonly CallSnapshot[], action: CallKeyAction): { command: 'call.answer' | 'call.decline' | 'call.hangup'; callId: string } | undefined {
  const ringing = calls.find((c) => c.direction === 'in' && c.state === 'incoming');
  const talking = calls.find((c) => c.state === 'active' && !c.held) ?? calls.find((c) => c.state !== 'ended' && c.state !== 'incoming');
  if (action === 'answer') return ringing ? { command: 'call.answer', callId: ringing.id } : undefined;
  if (action === 'toggle') {
    if (ringing) return { command: 'call.answer', callId: ringing.id };
    return talking ? { command: 'call.hangup', callId: talking.id } : undefined;
  }
  if (talking) return { command: 'call.hangup', callId: talking.id };
  return ringing ? { command: 'call.decline', callId: ringing.id } : undefined;
}

/** Reads desktop-shortcuts.json; absent or unreadable → the defaults (a bad file is logged, never fatal). */
export function readCallKeysConfig(dataDir: string, logger: Logger): CallKeysConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dataDir, 'desktop-shortcuts.json'), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('desktop-shortcuts.json ignored', { error: (e as Error).message });
    return { ...CALL_KEYS_DEFAULTS };
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const accel = (v: unknown) => (typeof v === 'string' && /^[\w+]{1,64}$/.test(v) ? v : null);
  return { mediaKeys: o.mediaKeys !== false, answer: accel(o.answer), hangup: accel(o.hangup) };
}

export class CallKeys {
  readonly #shortcuts: GlobalShortcutLike;
  readonly #act: (action: CallKeyAction) => void;
  readonly #log: Logger;
  #registered: string[] = [];

  constructor(options: { shortcuts: GlobalShortcutLike; act: (action: CallKeyAction) => void; logger: Logger }) {
    this.#shortcuts = options.shortcuts;
    this.#act = options.act;
    this.#log = options.logger;
  }

  /** Registers what `config` asks for (after dropping the previous set); returns the accelerators that were refused. */
  apply(config: CallKeysConfig): string[] {
    this.dispose();
    const wanted: [string, CallKeyAction][] = [
      ...(config.mediaKeys ? ([['MediaPlayPause', 'toggle'], ['MediaStop', 'hangup']] as [string, CallKeyAction][]) : []),
      ...(config.answer ? ([[config.answer, 'answer']] as [string, CallKeyAction][]) : []),
      ...(config.hangup ? ([[config.hangup, 'hangup']] as [string, CallKeyAction][]) : []),
    ];
    const refused: string[] = [];
    for (const [accelerator, action] of wanted) {
      let ok = false;
      try {
        ok = this.#shortcuts.register(accelerator, () => this.#act(action));
      } catch (e) {
        this.#log.warn('not a shortcut', { accelerator, error: (e as Error).message });
      }
      if (ok) this.#registered.push(accelerator);
      else refused.push(accelerator);
    }
    if (refused.length > 0) this.#log.warn('shortcuts held by another program (or not available here)', { refused });
    return refused;
  }

  dispose(): void {
    for (const a of this.#registered) this.#shortcuts.unregister(a);
    this.#registered = [];
  }
}
