import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
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
});
