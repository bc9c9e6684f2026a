/**
 * Call forwarding for the UI: the form's empty rule and the no-answer delay's
 * bounds (the contract's NO_ANSWER_MIN_S / NO_ANSWER_MAX_S: only types cross
 * from electron/api, so the two numbers are restated here and the engine
 * still refuses anything else), and the header's words.
 */
import type { ForwardingRule, ForwardingSnapshot } from '../api/types.ts';

export const NO_ANSWER_MIN_S = 5;
export const NO_ANSWER_MAX_S = 120;

export function emptyForwardingRule(): ForwardingRule {
  return { always: null, busy: null, noAnswer: null, noAnswerAfterS: 20, method: 'redirect' };
}

/** The header indicator's tooltip and accessible name. */
export function forwardingTitle(s: ForwardingSnapshot): string {
  return `Call forwarding is on${s.summary ? `: ${s.summary}` : ''}. Open Settings to change it.`;
}
