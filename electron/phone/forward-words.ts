/** Our forwarding of a call in words, for the history and the logs: "forwarded to 200@sip.test, busy". */
import type { CallForwardSnapshot, ForwardReason } from '../api/forwarding-contract.ts';

const REASON_WORDS: Readonly<Record<ForwardReason, string>> = {
  always: 'always',
  busy: 'busy',
  'no-answer': 'no answer',
};

export function describeForward(f: Pick<CallForwardSnapshot, 'target' | 'reason' | 'method' | 'state' | 'words'>): string {
  const who = f.target.replace(/^sips?:/i, '').replace(/;.*$/, '');
  const how = f.method === 'bridge' ? ', by a new call' : '';
  const failed = f.state === 'failed' ? ` — not reached${f.words ? `: ${f.words}` : ''}` : '';
  return `forwarded to ${who}, ${REASON_WORDS[f.reason]}${how}${failed}`;
}
