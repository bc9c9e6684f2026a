/**
 * Global shortcuts (the desktop app only): keys that answer, hang up, mute,
 * hold or bring Parley forward while another program has the focus,
 * registered with Electron's globalShortcut by the desktop glue
 * (electron/desktop/call-keys.ts) from the `globalShortcuts` setting.
 *
 * The keys are written as Electron accelerators ("Ctrl+Alt+A", "Super+F9",
 * "MediaPlayPause"; Electron's "Accelerator" page lists the names). The one
 * check of what a field may hold lives here, free of Node and zod, so that
 * the settings form (renderer) and the API's schema (global-shortcuts-schema.ts)
 * refuse the same things with the same words:
 *
 *   "Ctrl+Alt+A"          ok
 *   "A", "Shift+A"        a key every program types: needs Ctrl, Alt or Super
 *   "Ctrl+Alt"            no key, only modifiers
 *   "Ctrl+Ctrl+A", "Ctrl+Foo"   not an accelerator
 *   the same keys twice, a media key while the media keys are on, Alt+1…7
 *   (Parley's own view keys)   a conflict, named on the later field
 *
 * Imports nothing: the renderer bundles this file.
 */

export const GLOBAL_SHORTCUT_ACTIONS = ['answer', 'hangup', 'mute', 'hold', 'show'] as const;
export type GlobalShortcutAction = (typeof GLOBAL_SHORTCUT_ACTIONS)[number];

/** What each action does, as Settings says it (and the conflict messages name it). */
export const GLOBAL_SHORTCUT_LABELS: Readonly<Record<GlobalShortcutAction, string>> = Object.freeze({
  answer: 'Answer a ringing call',
  hangup: 'Hang up (or decline a ringing call)',
  mute: 'Mute or unmute the microphone',
  hold: 'Hold or resume the call',
  show: 'Bring Parley to the front',
});

export interface GlobalShortcuts {
  /** The keyboard's and headsets' media keys: play/pause answers or hangs up, stop hangs up. */
  mediaKeys: boolean;
  /** An accelerator per action; '' = none. */
  answer: string;
  hangup: string;
  mute: string;
  hold: string;
  show: string;
}

/** Off until the user picks keys: a global shortcut takes those keys from every other program. */
export const DEFAULT_GLOBAL_SHORTCUTS: Readonly<GlobalShortcuts> = Object.freeze({ mediaKeys: true, answer: '', hangup: '', mute: '', hold: '', show: '' });

/** The keys the media-key switch registers (call-keys.ts). */
export const MEDIA_KEY_ACCELERATORS = ['MediaPlayPause', 'MediaStop'] as const;

/** One shortcut the desktop could not register, in words for the field. */
export interface GlobalShortcutRefusal {
  /** The action, or 'mediaKeys' for the media-key switch. */
  action: GlobalShortcutAction | 'mediaKeys';
  accelerator: string;
  /** 'held': another program (or the desktop) has the keys; 'invalid': Electron did not take them as a shortcut. */
  reason: 'held' | 'invalid';
  words: string;
}

/** The desktop glue's answer after each (re)registration (event `shortcuts.status`). */
export interface GlobalShortcutsStatus {
  /** The accelerators registered now. */
  registered: string[];
  refused: GlobalShortcutRefusal[];
}

// ── the accelerator grammar ────────────────────────────────────────────────

/** Modifier spellings Electron accepts → the one this file writes. */
const MODIFIERS: Readonly<Record<string, string>> = {
  command: 'Command',
  cmd: 'Command',
  control: 'Ctrl',
  ctrl: 'Ctrl',
  commandorcontrol: 'CommandOrControl',
  cmdorctrl: 'CommandOrControl',
  alt: 'Alt',
  option: 'Alt',
  altgr: 'AltGr',
  shift: 'Shift',
  super: 'Super',
  meta: 'Super',
};
const MODIFIER_ORDER = ['CommandOrControl', 'Command', 'Ctrl', 'Alt', 'AltGr', 'Shift', 'Super'];

const NAMED_KEYS = [
  'Plus', 'Space', 'Tab', 'Capslock', 'Numlock', 'Scrolllock', 'Backspace', 'Delete', 'Insert', 'Enter', 'Up', 'Down', 'Left', 'Right',
  'Home', 'End', 'PageUp', 'PageDown', 'Escape', 'VolumeUp', 'VolumeDown', 'VolumeMute', 'MediaNextTrack', 'MediaPreviousTrack',
  'MediaStop', 'MediaPlayPause', 'PrintScreen', 'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
];
const KEY_ALIASES: Readonly<Record<string, string>> = { return: 'Enter', esc: 'Escape' };
const KEYS = new Map<string, string>([
  ...NAMED_KEYS.map((k) => [k.toLowerCase(), k] as [string, string]),
  ...Object.entries(KEY_ALIASES),
  ...Array.from({ length: 24 }, (_, i) => [`f${i + 1}`, `F${i + 1}`] as [string, string]),
  ...Array.from({ length: 10 }, (_, i) => [`num${i}`, `num${i}`] as [string, string]),
]);
/** Single characters Electron names (its Accelerator page); '+' is written Plus. */
const CHARACTER_KEYS = /^[A-Za-z0-9)!@#$%^&*(:;=<,_\->.?/~`{\][|\\}"]$/;

const MEDIA_KEYS = new Set(['MediaNextTrack', 'MediaPreviousTrack', 'MediaStop', 'MediaPlayPause']);
const FUNCTION_KEY = /^F([1-9]|1[0-9]|2[0-4])$/;

export type AcceleratorCheck = { ok: true; accelerator: string } | { ok: false; problem: string };

/** Checks one accelerator and writes it the one way ("ctrl+alt+a" → "Ctrl+Alt+A"). */
export function parseAccelerator(text: string): AcceleratorCheck {
  const raw = text.trim();
  if (raw === '') return { ok: false, problem: 'is empty' };
  if (raw.length > 64) return { ok: false, problem: 'is longer than 64 characters' };
  const parts = raw.split('+');
  const keyText = parts.pop() ?? '';
  if (keyText === '') return { ok: false, problem: 'ends with “+” (write the plus key as Plus)' };
  const modifiers: string[] = [];
  for (const part of parts) {
    const m = MODIFIERS[part.toLowerCase()];
    if (!m) return { ok: false, problem: `has “${part}” where a modifier (Ctrl, Alt, Shift, Super) belongs` };
    if (modifiers.includes(m)) return { ok: false, problem: `names ${m} twice` };
    modifiers.push(m);
  }
  if (MODIFIERS[keyText.toLowerCase()]) return { ok: false, problem: 'has only modifiers: add a key (a letter, a digit, F1–F24…)' };
  const key = KEYS.get(keyText.toLowerCase()) ?? (CHARACTER_KEYS.test(keyText) ? keyText.toUpperCase() : undefined);
  if (!key) return { ok: false, problem: `has “${keyText}”, which is not a key Electron knows` };
  const typing = modifiers.every((m) => m === 'Shift');
  if (typing && !FUNCTION_KEY.test(key) && !MEDIA_KEYS.has(key)) {
    return { ok: false, problem: `would take ${modifiers.length > 0 ? 'Shift+' : ''}${key} from every program: add Ctrl, Alt or Super` };
  }
  modifiers.sort((a, b) => MODIFIER_ORDER.indexOf(a) - MODIFIER_ORDER.indexOf(b));
  return { ok: true, accelerator: [...modifiers, key].join('+') };
}

/** Parley's own keys in its window (App.svelte): Alt+0…7 open the views. A global shortcut would take them. */
const WINDOW_KEYS = new Map<string, string>(['0', '1', '2', '3', '4', '5', '6', '7'].map((d) => [`Alt+${d}`, `Parley’s own key for its views (Alt+${d})`]));

/** The keys as one comparable set: CommandOrControl may be Ctrl (Linux, Windows) or Command (macOS), so it meets both. */
function sameKeys(a: string, b: string): boolean {
  if (a === b) return true;
  const variants = (s: string) => (s.includes('CommandOrControl') ? [s.replace('CommandOrControl', 'Ctrl'), s.replace('CommandOrControl', 'Command')] : [s]);
  const norm = (s: string) => s.split('+').sort().join('+');
  return variants(a).some((x) => variants(b).some((y) => norm(x) === norm(y)));
}

/**
 * What is wrong with each field of `shortcuts` (empty = nothing): the
 * accelerator itself, then a clash with an earlier field, the media keys or
 * Parley's own window keys. The form puts each message on its field; the API
 * refuses the same set with the same words.
 */
export function globalShortcutProblems(shortcuts: GlobalShortcuts): Partial<Record<GlobalShortcutAction, string>> {
  const problems: Partial<Record<GlobalShortcutAction, string>> = {};
  const taken: { action: GlobalShortcutAction; accelerator: string }[] = [];
  for (const action of GLOBAL_SHORTCUT_ACTIONS) {
    const text = shortcuts[action];
    if (text === '') continue;
    const parsed = parseAccelerator(text);
    if (!parsed.ok) {
      problems[action] = parsed.problem;
      continue;
    }
    const acc = parsed.accelerator;
    const earlier = taken.find((t) => sameKeys(t.accelerator, acc));
    const windowKey = [...WINDOW_KEYS].find(([k]) => sameKeys(k, acc));
    if (earlier) problems[action] = `is already the shortcut to ${GLOBAL_SHORTCUT_LABELS[earlier.action].toLowerCase()}`;
    else if (shortcuts.mediaKeys && (MEDIA_KEY_ACCELERATORS as readonly string[]).includes(acc)) problems[action] = 'is a media key, which answers and hangs up already (media keys are on)';
    else if (windowKey) problems[action] = `is ${windowKey[1]}`;
    else taken.push({ action, accelerator: acc });
  }
  return problems;
}

/** The shortcuts with each accelerator written the one way (parseAccelerator); fields with a problem are left as typed. */
export function normalizeGlobalShortcuts(shortcuts: GlobalShortcuts): GlobalShortcuts {
  const out: GlobalShortcuts = { ...shortcuts };
  for (const action of GLOBAL_SHORTCUT_ACTIONS) {
    const parsed = out[action] === '' ? undefined : parseAccelerator(out[action]);
    if (parsed?.ok) out[action] = parsed.accelerator;
  }
  return out;
}
