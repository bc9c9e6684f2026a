/**
 * A call forwarded by a new leg (call-forwarding.ts, method 'bridge'): the
 * phone called the target; the caller keeps hearing it ring until the
 * target answers, then the caller is answered and the two calls' audio is
 * joined — what one peer says is what the other hears, nothing of it
 * reaches this computer's speaker or comes from its microphone:
 *
 *   caller ──rx──▶ inbound.sink  ══ toTarget (FrameBridge) ══▶ leg.source ──tx──▶ target
 *   caller ◀──tx── inbound.source ◀══ toCaller (FrameBridge) ══ leg.sink ◀──rx── target
 *
 *   trying ── leg answered ──▶ connected (caller answered, audio joined)
 *     │                            │ either side ends
 *     │ leg fails                  ▼
 *     ▼                          both ended
 *   failed: the caller is refused with what the target said
 *           (486/600/603 → 486 Busy Here, otherwise 480 Temporarily Unavailable)
 *
 * The caller hanging up (or the user ending the forward) ends the leg.
 */
import { FrameBridge } from '../media/devices/frame-bridge.ts';
import type { Logger } from '../common/logger.ts';
import type { PhoneCall } from './phone-call.ts';

/** Each direction buffers at most this much (the two sessions tick on one clock: a frame or two waits). */
const BRIDGE_MS = 200;

export function bridgeForward(inbound: PhoneCall, leg: PhoneCall, opts: { logger: Logger; done: () => void }): void {
  const toTarget = new FrameBridge({ maxBufferMs: BRIDGE_MS });
  const toCaller = new FrameBridge({ maxBufferMs: BRIDGE_MS });
  // The leg talks to the bridges from the start: nothing of the user's microphone reaches the target.
  leg.joinAudio({ source: toTarget, sink: toCaller });
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    toTarget.close();
    toCaller.close();
    opts.done();
  };
  const forward = inbound.forwardedTo!;

  leg.sip.on('state', (change) => {
    if (change.state === 'active' && inbound.forwarding) {
      inbound.setForward({ ...forward, state: 'connected' });
      inbound.joinAudio({ source: toCaller, sink: toTarget });
      inbound.answer(undefined).catch((e: unknown) => {
        opts.logger.info('the forwarded caller is gone', { callId: inbound.id, error: String(e) });
        void leg.hangup().catch(() => undefined);
      });
      return;
    }
    if (change.state !== 'ended') return;
    finish();
    if (inbound.ended) return;
    if (inbound.forwarding) {
      const status = leg.outcome?.status ?? change.outcome?.status;
      const busy = status === 486 || status === 600 || status === 603;
      inbound.setForward({ ...forward, state: 'failed', words: leg.outcome?.words ?? (busy ? 'busy' : 'no answer') });
      opts.logger.info('the forwarding call failed; the caller is refused', { callId: inbound.id, status });
      if (inbound.sip.direction === 'incoming') inbound.sip.decline(busy ? 486 : 480, busy ? 'Busy Here' : 'Temporarily Unavailable');
      return;
    }
    void inbound.hangup().catch(() => undefined);
  });

  inbound.sip.on('state', (change) => {
    if (change.state !== 'ended') return;
    finish();
    if (!leg.ended) void leg.hangup().catch(() => undefined);
  });
}
