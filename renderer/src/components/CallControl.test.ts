import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { call } from '../test-support/fixtures.ts';
import { consultations } from '../stores/consultations.svelte.ts';
import CallCard from './CallCard.svelte';

const ACTIVE = ['hangup', 'mute', 'hold', 'dtmf', 'transfer', 'record'] as const;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('call control in the call screen', () => {
  it('consults first, then completes the transfer from the consultation call', async () => {
    const h = harness();
    const first = call({ id: 'first', actions: [...ACTIVE] });
    h.store.apply({ event: 'call', data: first });
    h.transport.answer('call.dial', call({ id: 'consult', state: 'dialing', remote: { uri: 'sip:carol@example.com', displayName: 'Carol' }, actions: ['hangup', 'mute'] }));
    render(CallCard, { props: { call: first }, context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    await fireEvent.input(screen.getByLabelText(/Transfer .* to/), { target: { value: 'carol' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Consult first' }));
    await tick();
    expect(h.transport.requests).toEqual([{ cmd: 'call.dial', params: { target: 'carol' } }]);
    expect(consultations.forCall('consult')).toBe('first');

    const h2 = harness();
    h2.store.apply({ event: 'call', data: { ...first, state: 'held', held: true } });
    const answered = call({ id: 'consult', remote: { uri: 'sip:carol@example.com', displayName: 'Carol' }, actions: [...ACTIVE] });
    h2.store.apply({ event: 'call', data: answered });
    h2.transport.answer('call.transfer', null);
    render(CallCard, { props: { call: answered }, context: h2.context });
    await fireEvent.click(screen.getByRole('button', { name: /Complete transfer of Alice/ }));
    await tick();
    expect(h2.transport.requests).toEqual([{ cmd: 'call.transfer', params: { callId: 'first', toCallId: 'consult' } }]);
    expect(consultations.forCall('consult')).toBeUndefined();
  });

  it('transfers straight to another call we have', async () => {
    const h = harness();
    const a = call({ id: 'a', actions: [...ACTIVE] });
    h.store.apply({ event: 'call', data: a });
    h.store.apply({ event: 'call', data: call({ id: 'b', state: 'held', held: true, remote: { uri: 'sip:bob@example.com', displayName: 'Bob' } }) });
    h.transport.answer('call.transfer', null);
    render(CallCard, { props: { call: a }, context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Transfer to Bob' }));
    await tick();
    expect(h.transport.requests).toEqual([{ cmd: 'call.transfer', params: { callId: 'a', toCallId: 'b' } }]);
  });

  it('merges into a conference and splits a leg off, showing who is in it', async () => {
    const h = harness();
    const a = call({ id: 'a', actions: [...ACTIVE, 'merge'] });
    const b = call({ id: 'b', state: 'held', held: true, remote: { uri: 'sip:bob@example.com', displayName: 'Bob' }, actions: ['hangup', 'mute', 'resume', 'merge'] });
    h.store.apply({ event: 'call', data: a });
    h.store.apply({ event: 'call', data: b });
    h.transport.answer('call.merge', { ...a, conference: 'k1', actions: [...ACTIVE, 'split'] });
    const { unmount } = render(CallCard, { props: { call: a }, context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Merge with Bob' }));
    await tick();
    expect(h.transport.requests).toEqual([{ cmd: 'call.merge', params: { callId: 'a', withCallId: 'b' } }]);
    unmount();

    h.store.apply({ event: 'call', data: { ...b, state: 'active', held: false, conference: 'k1', actions: [...ACTIVE, 'split'] } });
    const inConf = h.store.calls.find((c) => c.id === 'a')!;
    h.transport.answer('call.split', { ...inConf, state: 'held', held: true, conference: undefined });
    render(CallCard, { props: { call: inConf }, context: h.context });
    expect(screen.getByTestId('conference-line').textContent).toContain('Conference with Bob');
    expect(screen.queryByRole('button', { name: /Merge with/ })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Split off' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'call.split', params: { callId: 'a' } });
  });

  it('records with a visible indicator and stops; no record button before the call is connected', async () => {
    const h = harness();
    const a = call({ id: 'a', actions: [...ACTIVE] });
    h.store.apply({ event: 'call', data: a });
    h.transport.answer('call.record', { ...a, recording: { path: '/rec/a.wav', since: Date.now() - 3000, layout: 'mixed' } });
    const { unmount } = render(CallCard, { props: { call: a }, context: h.context });
    expect(screen.queryByTestId('recording-indicator')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Record' }));
    await tick();
    expect(h.transport.requests).toEqual([{ cmd: 'call.record', params: { callId: 'a', record: true } }]);
    unmount();
    const recording = h.store.calls.find((c) => c.id === 'a')!;
    render(CallCard, { props: { call: recording }, context: h.context });
    expect(screen.getByTestId('recording-indicator').textContent).toMatch(/Recording · 0:0[3-4]/);
    await fireEvent.click(screen.getByRole('button', { name: 'Stop recording' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'call.record', params: { callId: 'a', record: false } });

    const ringing = harness();
    const dialing = call({ id: 'd', state: 'dialing', answeredAt: undefined, actions: ['hangup', 'mute'] });
    render(CallCard, { props: { call: dialing }, context: ringing.context });
    expect(screen.queryByRole('button', { name: 'Record' })).toBeNull();
  });
});
