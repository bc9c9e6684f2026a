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
});
