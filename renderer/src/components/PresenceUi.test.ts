import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { MwiSnapshot, WatchSnapshot } from '../api/types.ts';
import { lineWords, voicemailWords } from '../lib/presence.ts';
import { harness } from '../test-support/app-harness.ts';
import { call, contact, SETTINGS } from '../test-support/fixtures.ts';
import BlfPanel from './BlfPanel.svelte';
import PresenceSettings from './PresenceSettings.svelte';
import StatusPicker from './StatusPicker.svelte';
import Toasts from './Toasts.svelte';
import VoicemailIndicator from './VoicemailIndicator.svelte';

function watch(over: Partial<WatchSnapshot> = {}): WatchSnapshot {
  return {
    id: 'w1', accountId: 'acc-1', target: 'sip:alice@example.com', contactId: 'c-1', actions: ['call'],
    presence: { subscription: { state: 'active' }, status: 'available', activities: [] },
    line: { subscription: { state: 'active' }, state: 'idle', dialogs: [] },
    ...over,
  };
}

describe('busy-lamp panel', () => {
  it('shows each line with its lamp and words; a ringing line offers pick-up, which goes to the call screen', async () => {
    const h = harness();
    h.store.setContacts([contact()]);
    h.store.presence.setWatches([
      watch({ line: { subscription: { state: 'active' }, state: 'ringing', dialogs: [{ id: 'd1', state: 'early', direction: 'recipient', remote: { uri: 'sip:carol@x.test', displayName: 'Carol' } }] }, actions: ['call', 'pickup'] }),
      watch({ id: 'w2', target: 'sip:bob@example.com', contactId: undefined, line: { subscription: { state: 'active' }, state: 'busy', dialogs: [{ id: 'd2', state: 'confirmed', remote: { uri: 'sip:200@pbx.test' } }] } }),
      watch({ id: 'w3', target: 'sip:chen@example.com', contactId: undefined, line: undefined }),
    ]);
    h.transport.answer('watch.pickup', call({ id: 'picked', state: 'dialing' }));
    render(BlfPanel, { context: h.context });
    const rows = screen.getAllByTestId('blf-line');
    expect(rows.map((r) => r.dataset.state)).toEqual(['ringing', 'busy']);
    expect(rows[0]!.textContent).toContain('Alice Martin');
    expect(rows[0]!.textContent).toContain('Ringing: Carol');
    expect(rows[1]!.textContent).toContain('In a call with 200@pbx.test');
    await fireEvent.click(within(rows[0]!).getByRole('button', { name: /Pick up/ }));
    await waitFor(() => expect(h.ui.view).toBe('calls'));
    expect(h.transport.requests.find((r) => r.cmd === 'watch.pickup')?.params).toEqual({ id: 'w1' });
    expect(h.ui.focusedCallId).toBe('picked');
  });
});

describe('own status and voicemail in the header', () => {
  it('picks a status with a note; says why busy is shown during a call', async () => {
    const h = harness();
    h.store.presence.setOwn({ status: 'available', effective: 'busy', publications: [{ accountId: 'acc-1', state: 'failed', reason: 'the server does not know this event package', code: 489 }] });
    h.transport.answer('presence.set', { status: 'away', effective: 'away', note: 'lunch', publications: [] });
    render(StatusPicker, { context: h.context });
    await fireEvent.click(screen.getByTestId('status-picker'));
    expect(screen.getByText(/you are in a call/)).toBeTruthy();
    expect(screen.getByText(/Not published on John Doe: the server does not know this event package \(489\)/)).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Note'), { target: { value: 'lunch' } });
    await fireEvent.click(screen.getByLabelText('Away'));
    await waitFor(() => expect(h.store.presence.own?.status).toBe('away'));
    expect(h.transport.requests.find((r) => r.cmd === 'presence.set')?.params).toEqual({ status: 'away', note: 'lunch' });
  });

  it('one voicemail button per account with messages waiting; a click calls the voicemail', async () => {
    const h = harness();
    const mwi: MwiSnapshot = { accountId: 'acc-1', waiting: true, newMessages: 3, oldMessages: 1, urgentNew: 1, urgentOld: 0, voicemail: '*97' };
    h.store.presence.setMwi([mwi, { ...mwi, accountId: 'gone', newMessages: 9 }]);
    h.transport.answer('mwi.dial', call({ id: 'vm', state: 'dialing' }));
    render(VoicemailIndicator, { context: h.context });
    const buttons = screen.getAllByTestId('voicemail');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]!.textContent).toContain('3 new, 1 urgent, 1 old');
    await fireEvent.click(buttons[0]!);
    await waitFor(() => expect(h.ui.view).toBe('calls'));
    expect(h.transport.requests.find((r) => r.cmd === 'mwi.dial')?.params).toEqual({ accountId: 'acc-1' });
  });

  it('words for lines and voicemail', () => {
    expect(voicemailWords({ accountId: 'a', waiting: false, newMessages: 0, oldMessages: 4, urgentNew: 0, urgentOld: 0 })).toBeUndefined();
    expect(lineWords(watch({ line: { subscription: { state: 'terminated', reason: 'not allowed to watch' }, state: 'unknown', dialogs: [] } }))).toBe('Not watched: not allowed to watch');
    expect(lineWords(watch({ line: { subscription: { state: 'pending' }, state: 'unknown', dialogs: [] } }))).toBe('Waiting for permission');
    expect(lineWords(watch({ line: { subscription: { state: 'active' }, state: 'ringing', dialogs: [{ id: 'x', state: 'early', direction: 'initiator', remote: { uri: 'sip:z@y' } }] } }))).toBe('Calling z@y');
  });
});

describe('away after idle', () => {
  it('says why away is shown while the picked status is available', async () => {
    const h = harness();
    h.store.presence.setOwn({ status: 'available', effective: 'away', idle: true, publications: [] });
    render(StatusPicker, { context: h.context });
    await fireEvent.click(screen.getByTestId('status-picker'));
    expect(screen.getByText(/Shown as away now: nobody has used this computer for a while/)).toBeTruthy();
  });

  it('the Presence settings turn it off (0) and set the minutes', async () => {
    const h = harness();
    h.store.settings = SETTINGS;
    h.transport.answer('settings.update', { ...SETTINGS, awayAfterIdleMinutes: 25 });
    render(PresenceSettings, { context: h.context });
    const minutes = screen.getByLabelText('After this many minutes without use') as HTMLInputElement;
    expect(minutes.value).toBe('10');
    await fireEvent.change(minutes, { target: { value: '25' } });
    await waitFor(() => expect(h.transport.requests.find((r) => r.cmd === 'settings.update')?.params).toEqual({ awayAfterIdleMinutes: 25 }));
    h.transport.answer('settings.update', { ...SETTINGS, awayAfterIdleMinutes: 0 });
    await fireEvent.click(screen.getByLabelText('Show me as away when I am not at the computer'));
    await waitFor(() => expect(h.transport.requests.filter((r) => r.cmd === 'settings.update').at(-1)?.params).toEqual({ awayAfterIdleMinutes: 0 }));
  });
});

describe('a message notice', () => {
  it('its Open button shows the conversation and closes the notice', async () => {
    const h = harness();
    h.ui.toast('info', 'Message from Bob: hi', 0, { label: 'Open', run: () => h.ui.openConversation('sip:bob@example.com') });
    render(Toasts, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect(h.ui.view).toBe('messages');
    expect(h.ui.messagesPeer).toBe('sip:bob@example.com');
    expect(h.ui.toasts).toEqual([]);
  });
});
