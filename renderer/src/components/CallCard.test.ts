import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { call, contact } from '../test-support/fixtures.ts';
import CallCard from './CallCard.svelte';

describe('CallCard', () => {
  it('shows the contact, the state with a running timer, the codec and quality', () => {
    const h = harness();
    h.store.setContacts([contact()]);
    const c = call({ answeredAt: Date.now() - 125_000, codec: 'opus/48000', srtp: true });
    h.store.apply({ event: 'call', data: c });
    h.store.apply({ event: 'media.stats', data: { callId: c.id, packetsSent: 100, packetsReceived: 99, lossPercent: 1, jitterMs: 12, mos: 4.1 } });
    render(CallCard, { props: { call: c }, context: h.context });
    expect(screen.getByRole('heading', { name: 'Alice Martin' })).toBeTruthy();
    expect(screen.getByText('Connected')).toBeTruthy();
    expect(screen.getByText('2:05')).toBeTruthy();
    expect(screen.getByText('opus/48000')).toBeTruthy();
    expect(screen.getByText('Encrypted')).toBeTruthy();
    expect(screen.getByText(/Excellent quality: MOS 4.1/)).toBeTruthy();
  });

  it('mutes, holds, sends DTMF and transfers', async () => {
    const h = harness();
    const c = call();
    h.transport
      .answer('call.mute', call({ muted: true }))
      .answer('call.hold', call({ held: true, state: 'held' }))
      .answer('call.dtmf', null)
      .answer('call.transfer', null);
    render(CallCard, { props: { call: c }, context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Hold' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Keypad' }));
    await fireEvent.click(screen.getByRole('button', { name: '5' }));
    await fireEvent.click(screen.getByRole('button', { name: '#' }));
    expect(screen.getByLabelText('Tones sent').textContent).toBe('5#');
    await fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    await fireEvent.input(screen.getByLabelText(/Transfer .* to/), { target: { value: ' 2002 ' } });
    await fireEvent.submit(screen.getByLabelText(/Transfer .* to/).closest('form')!);
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests).toEqual([
      { cmd: 'call.mute', params: { callId: 'call-1', muted: true } },
      { cmd: 'call.hold', params: { callId: 'call-1' } },
      { cmd: 'call.dtmf', params: { callId: 'call-1', digits: '5' } },
      { cmd: 'call.dtmf', params: { callId: 'call-1', digits: '#' } },
      { cmd: 'call.transfer', params: { callId: 'call-1', target: '2002' } },
    ]);
    expect(h.store.calls[0]?.state).toBe('held');
  });

  it('sends digits typed on the keyboard as DTMF, but not while typing in a field', async () => {
    const h = harness();
    h.transport.answer('call.dtmf', null);
    render(CallCard, { props: { call: call() }, context: h.context });
    await fireEvent.keyDown(document.body, { key: '7' });
    await fireEvent.keyDown(document.body, { key: '#' });
    await fireEvent.keyDown(document.body, { key: 'x' });
    expect(screen.getByLabelText('Tones sent').textContent).toBe('7#');
    await fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    await fireEvent.keyDown(screen.getByLabelText(/Transfer .* to/), { key: '5' });
    expect(h.transport.requests.map((r) => r.params)).toEqual([
      { callId: 'call-1', digits: '7' },
      { callId: 'call-1', digits: '#' },
    ]);
  });

  it('says why a call ended, with the SIP code, and offers no controls', () => {
    const h = harness();
    const c = call({ state: 'ended', answeredAt: undefined, endedAt: Date.now(), code: 486, reason: 'Busy Here', words: 'busy' });
    render(CallCard, { props: { call: c }, context: h.context });
    expect(screen.getByText('Busy (486)')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Mute' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Hang up/ })).toBeNull();
  });

  it('offers cancel (not mute or hold) while ringing', async () => {
    const h = harness();
    h.transport.answer('call.hangup', null);
    const c = call({ state: 'ringing', answeredAt: undefined, code: 180, reason: 'Ringing' });
    render(CallCard, { props: { call: c }, context: h.context });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Mute' }).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: /Cancel the call/ }));
    expect(h.transport.commands()).toEqual(['call.hangup']);
  });
});

describe('CallCard (issue 15)', () => {
  const stats = (callId: string) => ({ event: 'media.stats' as const, data: { callId, packetsSent: 100, packetsReceived: 99, lossPercent: 1, jitterMs: 12, mos: 4.4 } });

  it('shows no quality before media flows or on hold, and a connecting call hangs up at once (§1.7)', async () => {
    const h = harness();
    h.transport.answer('call.hangup', null);
    const c = call({ id: 'in-1', direction: 'in', state: 'connecting', answeredAt: undefined });
    h.store.apply({ event: 'call', data: c });
    h.store.apply(stats('in-1'));
    const { rerender } = render(CallCard, { props: { call: c }, context: h.context });
    expect(screen.queryByText(/MOS/)).toBeNull();
    const held = call({ id: 'in-1', state: 'held', held: true });
    await rerender({ call: held });
    expect(screen.queryByText(/MOS/)).toBeNull();
    await rerender({ call: c });
    await fireEvent.click(screen.getByRole('button', { name: /Cancel the call|Hang up/ }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.store.calls.find((x) => x.id === 'in-1')?.state).toBe('ended');
    // The engine's later events of that call (ACK timeout after 32 s) do not bring it back.
    h.store.apply({ event: 'call', data: { ...c, state: 'active', answeredAt: Date.now() } });
    expect(h.store.calls.find((x) => x.id === 'in-1')?.state).toBe('ended');
  });

  it('opens the call details from the quality indicator by keyboard (§1.14, §3)', async () => {
    const h = harness();
    const c = call({ codec: 'PCMU/8000', srtp: true });
    h.store.apply({ event: 'call', data: c });
    h.store.apply(stats(c.id));
    h.store.apply({ event: 'media.stats', data: { ...stats(c.id).data, bytesReceived: 16_000, bytesSent: 16_000, jitterBufferMs: 40, concealedFrames: 3 } });
    render(CallCard, { props: { call: c }, context: h.context });
    const button = screen.getByRole('button', { name: /Show call details/ });
    button.focus();
    await fireEvent.click(button);
    const details = screen.getByTestId('call-details');
    expect(details.textContent).toContain('PCMU/8000');
    expect(details.textContent).toContain('SRTP');
    expect(details.textContent).toContain('Jitter buffer');
    expect(details.textContent).toContain('Concealed frames');
    expect(screen.getAllByRole('img', { name: /Packet loss over the last 2 reports/ })).toHaveLength(1);
  });

  it('says the server refuses the alias, not the password, when a call presenting an alias is refused (§1.4)', () => {
    const h = harness();
    const asAlias = call({ state: 'ended', endedAt: Date.now(), code: 407, words: 'authentication failed at the proxy: check the user name and password', localIdentity: 'sip:45678901@sipa.example.com' });
    render(CallCard, { props: { call: asAlias }, context: h.context });
    expect(screen.getByRole('status').textContent).toBe('The server does not let this account present 45678901@sipa.example.com (407)');
  });

  it('keeps the password words for the primary identity', () => {
    const h = harness();
    const asAor = call({ state: 'ended', endedAt: Date.now(), code: 407, words: 'authentication failed at the proxy: check the user name and password' });
    render(CallCard, { props: { call: asAor }, context: h.context });
    expect(screen.getByRole('status').textContent).toMatch(/check the user name and password \(407\)/);
  });

  it('says whether a blind transfer reached the target (§1.9), from the call’s transfer the engine reports', async () => {
    const h = harness();
    h.transport.answer('call.transfer', null);
    const c = call();
    h.store.apply({ event: 'call', data: c });
    render(CallCard, { props: { call: c }, context: h.context });
    await h.actions.transfer(c.id, 'bob@example.com');
    const to = { target: 'sip:bob@example.com' };
    h.store.apply({ event: 'call', data: { ...c, held: true, transfer: { ...to, state: 'trying' } } });
    h.store.apply({ event: 'call', data: { ...c, held: true, transfer: { ...to, state: 'trying', code: 100, reason: 'Trying' } } });
    await new Promise((r) => setTimeout(r, 0));
    expect(h.store.transfers[c.id]?.phase).toBe('progress');
    expect(screen.getByTestId('transfer-status').textContent).toBe('Transferring to bob@example.com…');
    h.store.apply({ event: 'call', data: { ...c, held: true, transfer: { ...to, state: 'succeeded', code: 200, reason: 'OK' } } });
    // Transferor and transferee both hung up (RFC 5589 §6.1): our BYE got 481, which is the call's code, not the transfer's.
    h.store.apply({ event: 'call', data: { ...c, state: 'ended', endedAt: Date.now(), code: 481, reason: 'Call/Transaction Does Not Exist', transfer: { ...to, state: 'succeeded', code: 200, reason: 'OK' } } });
    await new Promise((r) => setTimeout(r, 0));
    expect(h.store.transfers[c.id]?.phase).toBe('succeeded');
    expect(screen.getByTestId('transfer-status').textContent).toBe('Transferred to bob@example.com');
  });

  it('says when the transferee could not reach the target', () => {
    const h = harness();
    const c = call();
    h.store.apply({ event: 'call', data: c });
    h.store.startTransfer(c.id, 'bob@example.com');
    h.store.apply({ event: 'call', data: { ...c, transfer: { target: 'sip:bob@example.com', state: 'trying', code: 100 } } });
    h.store.apply({ event: 'call', data: { ...c, transfer: { target: 'sip:bob@example.com', state: 'failed', code: 486, reason: 'Busy Here', words: 'busy' } } });
    render(CallCard, { props: { call: h.store.calls[0]! }, context: h.context });
    expect(screen.getByTestId('transfer-status').textContent).toBe('Transfer to bob@example.com failed: Busy (486)');
  });

  it('an attended transfer the transferee’s phone cannot follow says so and the call goes on', () => {
    const h = harness();
    const c = call();
    h.store.apply({ event: 'call', data: c });
    h.store.startTransfer(c.id, 'sip:carol@example.com');
    const to = { target: 'sip:carol@example.com', toCallId: 'consult' };
    h.store.apply({ event: 'call', data: { ...c, held: true, transfer: { ...to, state: 'failed', code: 400, reason: 'Bad Request - malformed Request-URI (contains headers)', words: 'the server did not understand the request' } } });
    render(CallCard, { props: { call: h.store.calls[0]! }, context: h.context });
    expect(screen.getByTestId('transfer-status').textContent).toMatch(/^Transfer to carol@example\.com failed: .*\(400\)$/);
    expect(h.store.calls[0]!.state).toBe('active');
  });
});
