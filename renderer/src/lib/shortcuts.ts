/**
 * Keyboard shortcuts for a ringing call, chosen by the user in Settings and
 * kept in this browser's localStorage (they are a property of the keyboard
 * at hand, not of the phone, so they do not travel in the engine's settings).
 *
 * A shortcut is written as the key name with modifiers: "Enter", "Escape",
 * "Alt+A", "Ctrl+Enter", "F9" — the same text `shortcutOf(event)` gives.
 */

export interface CallShortcuts {
  answer: string;
  decline: string;
}

export const DEFAULT_SHORTCUTS: CallShortcuts = { answer: 'Enter', decline: 'Escape' };

/** What Settings offers. Enter and Space also work on the focused Answer button in any case. */
export const ANSWER_CHOICES = ['Enter', 'Ctrl+Enter', 'Alt+A', 'F9'] as const;
export const DECLINE_CHOICES = ['Escape', 'Ctrl+Backspace', 'Alt+D', 'F10'] as const;

const KEY = 'parley.shortcuts';

/** "Ctrl+Alt+A" for a keydown; letters upper-cased so Shift does not matter for them. */
export function shortcutOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'shiftKey'>): string {
  const key = event.key === ' ' ? 'Space' : event.key.length === 1 ? event.key.toUpperCase() : event.key;
  return [event.ctrlKey ? 'Ctrl' : '', event.altKey ? 'Alt' : '', event.metaKey ? 'Meta' : '', event.shiftKey && event.key.length > 1 && key !== 'Space' ? 'Shift' : '', key].filter(Boolean).join('+');
}

export function loadShortcuts(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): CallShortcuts {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return { ...DEFAULT_SHORTCUTS };
    const parsed = JSON.parse(raw) as Partial<CallShortcuts>;
    return {
      answer: typeof parsed.answer === 'string' && parsed.answer ? parsed.answer : DEFAULT_SHORTCUTS.answer,
      decline: typeof parsed.decline === 'string' && parsed.decline ? parsed.decline : DEFAULT_SHORTCUTS.decline,
    };
  } catch {
    return { ...DEFAULT_SHORTCUTS };
  }
}

export function saveShortcuts(shortcuts: CallShortcuts, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(shortcuts));
  } catch {
    // Storage may be off (private mode): the choice then lasts until the page closes.
  }
}
