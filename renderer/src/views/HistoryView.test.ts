import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { call, contact, historyEntry, NOW } from '../test-support/fixtures.ts';
import HistoryView from './HistoryView.svelte';

function setup() {
  const h = harness();
  h.store.setContacts([contact()]);
  h.store.setHistory([
    historyEntry({ id: 'answered', peer: 'sip:alice@example.com', startedAt: NOW - 1000, answeredAt: NOW - 900, endedAt: NOW - 900 + 83_000 }),
    historyEntry({ id: 'missed', peer: 'sip:carol@example.com', peerName: 'Carol', answeredAt: undefined, code: 487, startedAt: NOW - 2000 }),
    historyEntry({ id: 'busy', direction: 'out', peer: 'sip:dave@example.com', answeredAt: undefined, code: 486, words: 'busy', startedAt: NOW - 3000 }),
  ]);
  return h;
}

describe('HistoryView', () => {
  it('lists calls with names resolved to contacts, durations and outcomes', () => {
    const h = setup();
    render(HistoryView, { context: h.context });
    const rows = within(screen.getByRole('list', { name: 'All calls' })).getAllByRole('listitem');
    expect(rows).toHaveLength(3);
    expect(rows[0]!.textContent).toContain('Alice Martin');
    expect(rows[0]!.textContent).toContain('1:23');
    expect(rows[1]!.textContent).toContain('Carol');
    expect(rows[1]!.textContent).toContain('Missed');
    expect(rows[2]!.textContent).toContain('Busy (486)');
  });

  it('filters missed, incoming and outgoing calls', async () => {
    const h = setup();
    render(HistoryView, { context: h.context });
    await fireEvent.click(screen.getByLabelText('Missed'));
    expect(within(screen.getByRole('list', { name: 'Missed calls' })).getAllByRole('listitem').map((r) => r.textContent)).toEqual([expect.stringContaining('Carol')]);
    await fireEvent.click(screen.getByLabelText('Outgoing'));
    expect(within(screen.getByRole('list', { name: 'Outgoing calls' })).getAllByRole('listitem')).toHaveLength(1);
    await fireEvent.click(screen.getByLabelText('Incoming'));
    expect(within(screen.getByRole('list', { name: 'Incoming calls' })).getAllByRole('listitem')).toHaveLength(2);
  });

  it('calls back on the same account', async () => {
    const h = setup();
    h.transport.answer('call.dial', call({ id: 'cb', state: 'dialing' }));
    render(HistoryView, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Call Carol back' }));
    expect(h.transport.requests.find((r) => r.cmd === 'call.dial')).toEqual({ cmd: 'call.dial', params: { target: 'sip:carol@example.com', accountId: 'acc-1', identity: 'sip:johndoe@sipa.example.com' } });
  });
});

describe('HistoryView (issue 15)', () => {
  it('tells missed, declined, answered-busy, do-not-disturb and never-connected calls apart (§1.8, §1.7)', () => {
    const h = harness();
    h.store.setHistory([
      historyEntry({ id: 'missed', peer: 'sip:a@x.test', answeredAt: undefined, code: 487, startedAt: NOW - 1000 }),
      historyEntry({ id: 'declined', peer: 'sip:b@x.test', answeredAt: undefined, code: 603, reason: 'Decline', startedAt: NOW - 2000 }),
      historyEntry({ id: 'busy', peer: 'sip:c@x.test', answeredAt: undefined, code: 486, reason: 'Busy Here', startedAt: NOW - 3000 }),
      historyEntry({ id: 'dnd', peer: 'sip:d@x.test', answeredAt: undefined, code: 486, reason: 'Do Not Disturb', startedAt: NOW - 4000 }),
      historyEntry({ id: 'noack', peer: 'sip:e@x.test', answeredAt: undefined, code: 200, reason: 'OK', startedAt: NOW - 5000 }),
    ]);
    render(HistoryView, { context: h.context });
    const rows = within(screen.getByRole('list', { name: 'All calls' })).getAllByTestId('history-entry');
    expect(rows.map((r) => r.querySelector('.outcome')?.textContent)).toEqual(['Missed', 'Declined', 'Answered busy', 'Refused · Do not disturb', 'Answered, never connected']);
    // Only the missed one is in red.
    expect(rows.map((r) => r.querySelector('.entry')!.classList.contains('missed'))).toEqual([true, false, false, false, false]);
  });

  it('clears the missed-call badge by telling the phone when they were seen (§1.5)', async () => {
    const h = setup();
    h.transport.handle('settings.update', (p) => ({ ok: true, result: { ...h.store.settings, ...(p as object) } }));
    render(HistoryView, { context: h.context });
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests).toEqual([{ cmd: 'settings.update', params: { missedSeenAt: NOW - 2000 } }]);
    expect(h.store.settings?.missedSeenAt).toBe(NOW - 2000);
  });

  it('relinks an earlier call from a short number to the contact that has it (§1.13)', () => {
    const h = harness();
    h.store.setContacts([contact({ id: 'c-desk', name: 'Front desk', addresses: [], numbers: [{ number: '200' }] })]);
    h.store.setHistory([
      historyEntry({ id: 'x', peer: 'sip:200@pbx.example.com' }),
      historyEntry({ id: 'y', peer: 'sip:1200@pbx.example.com', startedAt: NOW - 4_000_000 }),
    ]);
    render(HistoryView, { context: h.context });
    const rows = screen.getAllByTestId('history-entry');
    expect(rows[0]!.textContent).toContain('Front desk');
    expect(rows[1]!.textContent).not.toContain('Front desk');
  });

  it('opens details, calls back as the alias that was called, adds to contacts and deletes one entry (§2)', async () => {
    const h = harness();
    h.store.setHistory([historyEntry({ id: 'h-9', peer: 'sip:+15550100@gw.example.com', localAlias: 'sip:45678901@sipa.example.com', quality: { mos: 4.1, lossPercent: 0.5, jitterMs: 6, rttMs: 40 } })]);
    h.transport.answer('call.dial', call({ id: 'cb', state: 'dialing' })).answer('history.remove', null);
    render(HistoryView, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: /Show details/ }));
    const details = screen.getByTestId('history-details');
    expect(details.textContent).toContain('45678901@sipa.example.com');
    expect(details.textContent).toContain('MOS 4.1');
    await fireEvent.click(within(details).getByRole('button', { name: /Call back as 45678901@sipa.example.com/ }));
    expect(h.transport.requests.find((r) => r.cmd === 'call.dial')?.params).toEqual({ target: 'sip:+15550100@gw.example.com', accountId: 'acc-1', identity: 'sip:45678901@sipa.example.com' });
    await fireEvent.click(within(screen.getByTestId('history-details')).getByRole('button', { name: /Add to contacts/ }));
    expect(h.ui.view).toBe('contacts');
    expect(h.ui.contactDraft?.numbers).toEqual([{ label: 'mobile', number: '+15550100' }]);
    h.ui.go('history');
    await fireEvent.click(within(screen.getByTestId('history-details')).getByRole('button', { name: /Delete/ }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'history.remove', params: { id: 'h-9' } });
    expect(h.store.history).toEqual([]);
  });
});

describe('HistoryView: recordings (issue 11)', () => {
  it("lists the call's recordings with format and size; play, show and delete name the entry and the file", async () => {
    const h = harness();
    h.store.setHistory([
      historyEntry({
        id: 'rec',
        peer: 'sip:alice@example.com',
        recordings: [
          { path: '/home/u/rec/2026-a.wav', format: 'wav', bytes: 5_600_000 },
          { path: '/home/u/rec/2026-a-2.opus', format: 'opus', bytes: 240_000 },
          { path: '/home/u/rec/gone.wav', format: 'wav' },
        ],
      }),
    ]);
    for (const cmd of ['recording.open', 'recording.reveal', 'recording.delete'] as const) h.transport.answer(cmd, null);
    render(HistoryView, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: /Show details/ }));
    const items = screen.getAllByTestId('history-recording');
    expect(items.map((i) => i.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringContaining('2026-a.wav WAV · 5.3 MB'),
      expect.stringContaining('2026-a-2.opus Ogg Opus · 234 kB'),
      expect.stringContaining('gone.wav WAV · file missing'),
    ]);
    // A missing file can only lose its link.
    expect(within(items[2]!).queryByRole('button', { name: /Play/ })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Play 2026-a-2.opus' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Show 2026-a.wav in its folder' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Delete gone.wav' }));
    const sent = h.transport.requests.filter((r) => r.cmd.startsWith('recording.'));
    expect(sent).toEqual([
      { cmd: 'recording.open', params: { historyId: 'rec', path: '/home/u/rec/2026-a-2.opus' } },
      { cmd: 'recording.reveal', params: { historyId: 'rec', path: '/home/u/rec/2026-a.wav' } },
      { cmd: 'recording.delete', params: { historyId: 'rec', path: '/home/u/rec/gone.wav' } },
    ]);
    await vi.waitFor(() => expect(screen.getAllByTestId('history-recording')).toHaveLength(2));
  });
});
