import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
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
    expect(h.transport.requests[0]).toEqual({ cmd: 'call.dial', params: { target: 'sip:carol@example.com', accountId: 'acc-1' } });
  });
});
