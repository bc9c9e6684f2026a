/**
 * What the ARIA live region says when a call changes state (WCAG 4.1.3:
 * status messages reach screen-reader users without moving focus).
 */
import type { CallSnapshot, CallState } from '../api/types.ts';
import { describeOutcome } from './sip-words.ts';

export function callStateLabel(call: CallSnapshot): string {
  switch (call.state) {
    case 'dialing':
      return 'Calling…';
    case 'ringing':
      return 'Ringing…';
    case 'early':
      return 'Ringing (early media)';
    case 'incoming':
      return 'Incoming call';
    case 'connecting':
      return 'Connecting…';
    case 'active':
      return call.muted ? 'Connected · muted' : 'Connected';
    case 'held':
      return 'On hold';
    case 'remote-held':
      return 'Held by the other side';
    case 'ending':
      return 'Hanging up…';
    case 'ended':
      return 'Call ended';
  }
}

/** The sentence for a state change, or undefined when nothing worth saying changed. */
export function callAnnouncement(previous: CallState | undefined, call: CallSnapshot, name: string): string | undefined {
  if (previous === call.state) return undefined;
  switch (call.state) {
    case 'dialing':
      return `Calling ${name}`;
    case 'ringing':
    case 'early':
      return `${name} is ringing`;
    case 'incoming':
      return `Incoming call from ${name}`;
    case 'connecting':
      return undefined;
    case 'active':
      return previous === 'held' || previous === 'remote-held' ? `Call with ${name} resumed` : `Connected to ${name}`;
    case 'held':
      return `Call with ${name} on hold`;
    case 'remote-held':
      return `${name} put the call on hold`;
    case 'ending':
      return undefined;
    case 'ended': {
      const outcome = call.code !== undefined && call.code >= 300 ? describeOutcome(call.code, call.words, call.reason) : undefined;
      return outcome ? `Call with ${name} ended: ${outcome}` : `Call with ${name} ended`;
    }
  }
}
