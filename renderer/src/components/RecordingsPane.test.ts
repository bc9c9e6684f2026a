import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import RecordingsPane from './RecordingsPane.svelte';

describe('RecordingsPane (issue 11)', () => {
  it('saves the folder and the format; a folder the phone refuses is shown in words under the field', async () => {
    const h = harness();
    h.transport.handle('settings.update', (p) => {
      const patch = p as { recordingsFolder?: string };
      if (patch.recordingsFolder === '/root/nope') {
        return { ok: false, code: 'bad-request', message: 'recordings cannot be written to /root/nope: permission denied', issues: [{ path: 'recordingsFolder', message: 'permission denied' }] };
      }
      return { ok: true, result: { ...h.store.settings, ...(p as object) } };
    });
    render(RecordingsPane, { context: h.context });
    const folder = screen.getByRole('textbox', { name: 'Folder' });
    expect((folder as HTMLInputElement).placeholder).toContain('data folder');
    await fireEvent.change(folder, { target: { value: ' /home/u/calls ' } });
    await vi.waitFor(() => expect(h.store.settings?.recordingsFolder).toBe('/home/u/calls'));
    await fireEvent.click(screen.getByLabelText('Ogg Opus'));
    await vi.waitFor(() => expect(h.store.settings?.recordingFormat).toBe('opus'));
    await fireEvent.change(folder, { target: { value: '/root/nope' } });
    expect((await screen.findByRole('alert')).textContent).toBe('recordings cannot be written to /root/nope: permission denied');
    expect(h.store.settings?.recordingsFolder).toBe('/home/u/calls');
    expect(h.transport.requests.filter((r) => r.cmd === 'settings.update').map((r) => r.params)).toEqual([
      { recordingsFolder: '/home/u/calls' },
      { recordingFormat: 'opus' },
      { recordingsFolder: '/root/nope' },
    ]);
  });
});
