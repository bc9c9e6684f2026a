import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { globalShortcutsSchema } from '../../../electron/api/global-shortcuts-schema.ts';
import type { GlobalShortcuts, Settings } from '../api/types.ts';
import { captureAccelerator } from '../lib/accelerator-capture.ts';
import { harness } from '../test-support/app-harness.ts';
import GlobalShortcutsPane from './GlobalShortcutsPane.svelte';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A desktop window whose engine answers settings.update with the API's own schema for the shortcuts. */
function desktop(host: 'desktop' | 'web' = 'desktop') {
  const h = harness();
  h.transport.handle('settings.update', (p) => {
    const parsed = globalShortcutsSchema.safeParse((p as Partial<Settings>).globalShortcuts);
    if (!parsed.success) return { ok: false, code: 'bad-request', message: 'invalid', issues: parsed.error.issues.map((i) => ({ path: ['globalShortcuts', ...i.path].join('.'), message: i.message })) };
    return { ok: true, result: { ...h.store.settings!, globalShortcuts: parsed.data } };
  });
  const context = new Map(h.context);
  const app = { ...h.context.values().next().value!, host };
  context.set([...h.context.keys()][0]!, app);
  render(GlobalShortcutsPane, { context });
  return h;
}

const saved = (h: ReturnType<typeof harness>) => h.transport.requests.filter((r) => r.cmd === 'settings.update').map((r) => (r.params as { globalShortcuts: GlobalShortcuts }).globalShortcuts);

async function press(field: HTMLElement, init: KeyboardEventInit) {
  await fireEvent.click(field);
  await fireEvent.keyDown(field, init);
}

describe('key capture', () => {
  it('turns a key press into an accelerator by the key’s place, modifiers first', () => {
    expect(captureAccelerator({ code: 'KeyA', key: 'a', ctrlKey: true, altKey: true, shiftKey: false, metaKey: false })).toEqual({ accelerator: 'Ctrl+Alt+A' });
    expect(captureAccelerator({ code: 'Digit1', key: '!', ctrlKey: false, altKey: false, shiftKey: true, metaKey: true })).toEqual({ accelerator: 'Shift+Super+1' });
    expect(captureAccelerator({ code: 'F9', key: 'F9', ctrlKey: false, altKey: false, shiftKey: false, metaKey: false })).toEqual({ accelerator: 'F9' });
    expect(captureAccelerator({ code: 'ArrowUp', key: 'ArrowUp', ctrlKey: true, altKey: false, shiftKey: false, metaKey: false })).toEqual({ accelerator: 'Ctrl+Up' });
    expect(captureAccelerator({ code: 'ControlLeft', key: 'Control', ctrlKey: true, altKey: false, shiftKey: false, metaKey: false })).toEqual({ partial: 'Ctrl+…' });
    expect(captureAccelerator({ code: 'IntlRo', key: 'ろ', ctrlKey: true, altKey: false, shiftKey: false, metaKey: false })).toEqual({ unknown: 'IntlRo' });
  });
});

describe('GlobalShortcutsPane (desktop)', () => {
  it('captures keys and saves them through settings.update; Clear removes them', async () => {
    const h = desktop();
    const answer = screen.getByTestId('shortcut-gs-answer');
    expect(answer.textContent).toContain('None');
    await press(answer, { code: 'KeyA', key: 'a', ctrlKey: true, altKey: true });
    await tick();
    expect(saved(h).at(-1)).toMatchObject({ answer: 'Ctrl+Alt+A', mediaKeys: true });
    expect(h.store.settings?.globalShortcuts.answer).toBe('Ctrl+Alt+A');
    expect(screen.getByTestId('shortcut-gs-answer').textContent).toContain('Ctrl+Alt+A');
    await fireEvent.click(screen.getByRole('button', { name: 'Clear the shortcut: Answer a ringing call' }));
    await tick();
    expect(saved(h).at(-1)?.answer).toBe('');
  });

  it('a modifier alone waits for the key; Escape cancels; the page’s own keys do not see the capture', async () => {
    const h = desktop();
    let reachedWindow = 0;
    const count = () => reachedWindow++;
    window.addEventListener('keydown', count);
    try {
      const mute = screen.getByTestId('shortcut-gs-mute');
      await press(mute, { code: 'AltLeft', key: 'Alt', altKey: true });
      expect(mute.textContent).toContain('Alt+…');
      expect(mute.getAttribute('aria-pressed')).toBe('true');
      await fireEvent.keyDown(mute, { code: 'Escape', key: 'Escape' });
      expect(mute.getAttribute('aria-pressed')).toBe('false');
      expect(reachedWindow).toBe(0);
      expect(saved(h)).toEqual([]);
    } finally {
      window.removeEventListener('keydown', count);
    }
  });

  it('a clash is shown on the field with the API’s words, not saved, and the field gets the focus', async () => {
    const h = desktop();
    await press(screen.getByTestId('shortcut-gs-answer'), { code: 'KeyA', key: 'a', ctrlKey: true, altKey: true });
    await tick();
    await press(screen.getByTestId('shortcut-gs-hold'), { code: 'KeyA', key: 'a', ctrlKey: true, altKey: true });
    await tick();
    expect(saved(h)).toHaveLength(1);
    const hold = screen.getByTestId('shortcut-gs-hold');
    expect(document.getElementById('gs-hold-err')?.textContent).toMatch(/already the shortcut to answer a ringing call/);
    expect(hold.getAttribute('aria-describedby')).toBe('gs-hold-err');
    expect(document.activeElement).toBe(hold);
    expect(screen.getByRole('status').textContent).toMatch(/Not saved/);
    // A letter alone would be taken from every program; Parley's own Alt+3 is refused too.
    await press(screen.getByTestId('shortcut-gs-mute'), { code: 'KeyM', key: 'm' });
    await tick();
    expect(document.getElementById('gs-mute-err')?.textContent).toMatch(/from every program/);
    await press(screen.getByTestId('shortcut-gs-hold'), { code: 'KeyK', key: 'k', ctrlKey: true, altKey: true });
    await press(screen.getByTestId('shortcut-gs-mute'), { code: 'Digit3', key: '3', altKey: true });
    await tick();
    expect(document.getElementById('gs-mute-err')?.textContent).toMatch(/Parley’s own key/);
    await press(screen.getByTestId('shortcut-gs-mute'), { code: 'KeyM', key: 'm', ctrlKey: true, altKey: true });
    await tick();
    expect(saved(h).at(-1)).toMatchObject({ answer: 'Ctrl+Alt+A', hold: 'Ctrl+Alt+K', mute: 'Ctrl+Alt+M' });
    expect(document.getElementById('gs-mute-err')).toBeNull();
  });

  it('says on the field which keys the desktop could not take (shortcuts.status), and on the media-key switch', async () => {
    const h = desktop();
    h.store.settings = { ...h.store.settings!, globalShortcuts: { ...h.store.settings!.globalShortcuts, hangup: 'Ctrl+Alt+H' } };
    h.store.apply({
      event: 'shortcuts.status',
      data: {
        registered: ['MediaStop'],
        refused: [
          { action: 'hangup', accelerator: 'Ctrl+Alt+H', reason: 'held', words: 'Ctrl+Alt+H is taken by another program or the desktop: choose other keys, or free them there' },
          { action: 'mediaKeys', accelerator: 'MediaPlayPause', reason: 'held', words: 'MediaPlayPause is taken by another program or the desktop' },
        ],
      },
    });
    await tick();
    expect(document.getElementById('gs-hangup-err')?.textContent).toMatch(/taken by another program/);
    expect(screen.getByText(/MediaPlayPause is taken/)).toBeTruthy();
  });
});

describe('GlobalShortcutsPane (web host)', () => {
  it('explains that global shortcuts are the desktop app’s, with no fields', () => {
    desktop('web');
    expect(screen.getByTestId('global-shortcuts-web').textContent).toMatch(/desktop app/);
    expect(screen.queryByTestId('shortcut-gs-answer')).toBeNull();
  });
});

