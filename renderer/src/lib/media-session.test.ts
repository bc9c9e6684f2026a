import { describe, expect, it } from 'vitest';
import { call } from '../test-support/fixtures.ts';
import { bindMediaSession, mediaActionTarget } from './media-session.ts';

describe('headset buttons and media keys (issue 15 §2)', () => {
  const ringing = call({ id: 'r', direction: 'in', state: 'incoming', answeredAt: undefined });
  const talking = call({ id: 't', state: 'active' });

  it('answers a ringing call, else hangs up the one we talk on; mute toggles', () => {
    expect(mediaActionTarget('play', [talking, ringing], undefined)).toEqual({ kind: 'answer', call: ringing });
    expect(mediaActionTarget('pause', [talking], undefined)).toEqual({ kind: 'hangup', call: talking });
    expect(mediaActionTarget('hangup', [talking, ringing], 't')).toEqual({ kind: 'hangup', call: talking });
    expect(mediaActionTarget('togglemicrophone', [talking], 't')).toEqual({ kind: 'mute', call: talking });
    expect(mediaActionTarget('play', [], undefined)).toBeUndefined();
  });

  it('sets the handlers while calls exist, clears them after, and skips actions the browser does not know', () => {
    const handlers = new Map<string, (() => void) | null>();
    const session = {
      playbackState: 'none' as MediaSessionPlaybackState,
      setActionHandler(action: string, handler: (() => void) | null) {
        if (action === 'togglemicrophone') throw new TypeError('unknown action');
        handlers.set(action, handler);
      },
    };
    const done: string[] = [];
    const controls = { answer: (id: string) => done.push(`answer ${id}`), hangup: (id: string) => done.push(`hangup ${id}`), setMute: (id: string, m: boolean) => done.push(`mute ${id} ${m}`) };
    let calls = [ringing];
    expect(bindMediaSession(session, calls, () => undefined, controls, () => calls)).toEqual(['play', 'pause', 'hangup']);
    expect(session.playbackState).toBe('playing');
    handlers.get('play')!();
    calls = [{ ...ringing, state: 'active' }];
    handlers.get('hangup')!();
    expect(done).toEqual(['answer r', 'hangup r']);
    bindMediaSession(session, [], () => undefined, controls, () => []);
    expect(handlers.get('play')).toBeNull();
    expect(session.playbackState).toBe('none');
  });
});
