import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../api/types.ts';
import { harness } from '../test-support/app-harness.ts';
import DiagnosticsView from './DiagnosticsView.svelte';

const follows = (h: ReturnType<typeof harness>) => h.transport.requests.filter((r) => r.cmd === 'trace.follow').map((r) => (r.params as { on: boolean }).on);

describe('DiagnosticsView and the SIP trace', () => {
  it('follows the trace while shown, stops when closed, and asks again after a reconnect', async () => {
    const h = harness();
    h.transport.answer('trace.follow', null);
    expect(follows(h)).toEqual([]);
    const view = render(DiagnosticsView, { context: h.context });
    expect(follows(h)).toEqual([true]);
    h.transport.setStatus({ state: 'reconnecting', attempt: 1 });
    h.transport.setStatus({ state: 'open', attempt: 0 });
    expect(follows(h)).toEqual([true, true]);
    view.unmount();
    expect(follows(h)).toEqual([true, true, false]);
    h.transport.setStatus({ state: 'open', attempt: 0 });
    expect(follows(h)).toEqual([true, true, false]);
  });

  it('two followers at once follow once; the last to stop stops it', () => {
    const h = harness();
    const stopA = h.actions.trace.follow();
    const stopB = h.actions.trace.follow();
    stopA();
    stopA();
    expect(follows(h)).toEqual([true]);
    stopB();
    expect(follows(h)).toEqual([true, false]);
  });

  it('shows what came before it opened: the engine\'s kept trace, merged with what arrives meanwhile, nothing twice', async () => {
    const h = harness();
    h.transport.answer('trace.follow', null);
    const t0 = Date.now() - 60_000;
    const msg = (i: number, direction: 'in' | 'out', first: string, callId = 'early@192.0.2.7'): TraceEntry => ({
      time: t0 + i, direction, transport: 'udp', remote: '192.0.2.7:5060', local: '192.0.2.1:5060', callId,
      text: `${first}\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\n\r\n`,
    });
    const kept = [msg(0, 'in', 'INVITE sip:alice@192.0.2.1 SIP/2.0'), msg(1, 'out', 'SIP/2.0 180 Ringing'), msg(2, 'out', 'SIP/2.0 603 Decline'), msg(3, 'in', 'ACK sip:alice@192.0.2.1 SIP/2.0')];
    let release = () => {};
    h.transport.handle('diagnostics.trace', () => new Promise((resolve) => { release = () => resolve({ ok: true, result: kept }); }));
    render(DiagnosticsView, { context: h.context });
    expect(h.transport.commands()).toEqual(['trace.follow', 'diagnostics.trace']);
    // While the engine's answer is out: the ACK (also in the answer) and a later OPTIONS come as events.
    h.store.apply({ event: 'trace', data: kept[3]! });
    h.store.apply({ event: 'trace', data: msg(10, 'in', 'OPTIONS sip:alice@192.0.2.1 SIP/2.0', 'ping@192.0.2.7') });
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(h.store.trace.map((t) => t.text.split('\r\n')[0])).toEqual([
      'INVITE sip:alice@192.0.2.1 SIP/2.0', 'SIP/2.0 180 Ringing', 'SIP/2.0 603 Decline', 'ACK sip:alice@192.0.2.1 SIP/2.0', 'OPTIONS sip:alice@192.0.2.1 SIP/2.0',
    ]);
  });
});
