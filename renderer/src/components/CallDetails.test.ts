import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { call } from '../test-support/fixtures.ts';
import CallDetails from './CallDetails.svelte';

describe('CallDetails', () => {
  it('names the ICE path the audio takes when the engine knows it, and nothing when it does not', () => {
    const h = harness();
    const { unmount } = render(CallDetails, { props: { call: call({ state: 'active', mediaPath: 'relay' }) }, context: h.context });
    expect(screen.getByTestId('media-path').textContent).toBe('relayed by the TURN server (ICE relayed pair)');
    unmount();
    render(CallDetails, { props: { call: call({ state: 'active' }) }, context: h.context });
    expect(screen.queryByTestId('media-path')).toBeNull();
  });

  it('shows the selected ICE candidate pair, both ends with their type, only when ICE selected one', () => {
    const h = harness();
    const icePair = { local: { type: 'host' as const, address: '192.0.2.10', port: 40002 }, remote: { type: 'srflx' as const, address: '2001:db8::7', port: 51000 } };
    const { unmount } = render(CallDetails, { props: { call: call({ state: 'active', mediaPath: 'stun', icePair }) }, context: h.context });
    const spans = [...screen.getByTestId('ice-pair').querySelectorAll('span')].map((e) => e.textContent);
    expect(spans).toEqual(['ours 192.0.2.10:40002 (host)', 'theirs [2001:db8::7]:51000 (server-reflexive)']);
    unmount();
    render(CallDetails, { props: { call: call({ state: 'active', mediaPath: 'direct' }) }, context: h.context });
    expect(screen.queryByTestId('ice-pair')).toBeNull();
  });
});
