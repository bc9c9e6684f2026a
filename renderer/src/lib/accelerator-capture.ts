/**
 * A pressed key combination as an Electron accelerator, for the global
 * shortcuts editor's key-capture field. The key is taken from
 * `KeyboardEvent.code` (the key's place on the keyboard, so Shift+1 is
 * "Shift+1", not "!"), with the modifiers in the order global-shortcuts.ts
 * writes them; the check of the result is that file's, shared with the API.
 *
 *   Ctrl+Alt+A pressed      → { accelerator: 'Ctrl+Alt+A' }
 *   Ctrl held alone         → { partial: 'Ctrl+…' }    (still waiting for a key)
 *   a key Electron has no name for → { unknown: 'IntlRo' }
 */

export type CaptureResult = { accelerator: string } | { partial: string } | { unknown: string };

const MODIFIER_CODES = /^(Control|Alt|Shift|Meta|OS|AltGraph)(Left|Right)?$/;

const CODE_KEYS: Readonly<Record<string, string>> = {
  Space: 'Space',
  Tab: 'Tab',
  Enter: 'Enter',
  NumpadEnter: 'Enter',
  Backspace: 'Backspace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  Escape: 'Escape',
  PrintScreen: 'PrintScreen',
  CapsLock: 'Capslock',
  NumLock: 'Numlock',
  ScrollLock: 'Scrolllock',
  MediaPlayPause: 'MediaPlayPause',
  MediaStop: 'MediaStop',
  MediaTrackNext: 'MediaNextTrack',
  MediaTrackPrevious: 'MediaPreviousTrack',
  AudioVolumeUp: 'VolumeUp',
  AudioVolumeDown: 'VolumeDown',
  AudioVolumeMute: 'VolumeMute',
  NumpadDecimal: 'numdec',
  NumpadAdd: 'numadd',
  NumpadSubtract: 'numsub',
  NumpadMultiply: 'nummult',
  NumpadDivide: 'numdiv',
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Comma: ',',
  Period: '.',
  Slash: '/',
  Backquote: '`',
};

function keyOf(code: string): string | undefined {
  const m = /^(?:Key([A-Z])|Digit([0-9])|Numpad([0-9])|(F(?:[1-9]|1[0-9]|2[0-4])))$/.exec(code);
  if (m) return m[1] ?? m[2] ?? (m[3] !== undefined ? `num${m[3]}` : m[4]);
  return CODE_KEYS[code];
}

export function captureAccelerator(event: Pick<KeyboardEvent, 'code' | 'key' | 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'>): CaptureResult {
  const modifiers = [event.ctrlKey ? 'Ctrl' : '', event.altKey ? 'Alt' : '', event.shiftKey ? 'Shift' : '', event.metaKey ? 'Super' : ''].filter(Boolean);
  if (MODIFIER_CODES.test(event.code) || /^(Control|Alt|Shift|Meta|OS|AltGraph)$/.test(event.key)) return { partial: modifiers.length > 0 ? `${modifiers.join('+')}+…` : '' };
  // Some keyboards (and synthetic events) leave `code` empty: fall back to the key's own name.
  const key = keyOf(event.code) ?? (event.code === '' ? keyOf(/^[a-z]$/i.test(event.key) ? `Key${event.key.toUpperCase()}` : /^[0-9]$/.test(event.key) ? `Digit${event.key}` : event.key) : undefined);
  if (!key) return { unknown: event.code || event.key };
  return { accelerator: [...modifiers, key].join('+') };
}
