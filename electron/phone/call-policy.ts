/**
 * The phone's rules for several calls at once, in one place (the renderer
 * and the CLI send intents — dial, answer, resume — and never decide these):
 *
 *   incoming call, do-not-disturb on     → refused 486 without ringing, kept as missed
 *   incoming call, auto-answer account   → answered at once, holding nothing; while
 *                                          another call is up only if every call has
 *                                          its own devices (headless: CLI, tests),
 *                                          otherwise it rings as a waiting call
 *   incoming call replacing one of ours  → answered at once, even under do-not-disturb
 *   (RFC 3891 Replaces: a transfer         (the user is in that conversation already);
 *    completing, a pickup)                 the replaced call is ended once it connects
 *   incoming call otherwise              → rings (a waiting call if another is up)
 *   answering a ringing call by hand     → every other talking call is held first
 *   resuming a held call                 → every other talking call is held first
 *   dialing a new call                   → every other talking call is held first
 *
 * One call talks at a time because the user has one microphone and one ear;
 * an auto-answering phone has neither, so it never holds (and a sipp load of
 * overlapping calls is answered call by call, none put on hold).
 */
import type { PhoneCall } from './phone-call.ts';

export interface IncomingContext {
  dnd: boolean;
  autoAnswer: boolean;
  /** Each call has its own audio devices (no user to share a microphone between calls). */
  headless: boolean;
  /** The other calls the phone has now. */
  others: readonly PhoneCall[];
  /** The INVITE replaces one of our calls (RFC 3891, judged by the UA). */
  replaces?: boolean;
}

export type IncomingDecision =
  | { kind: 'refuse'; code: 486; reason: 'Do Not Disturb'; why: 'do-not-disturb' }
  | { kind: 'ring' }
  | { kind: 'auto-answer' }
  | { kind: 'replace' };

export type Intent = 'answer' | 'resume' | 'dial' | 'auto-answer';

export function decideIncoming(ctx: IncomingContext): IncomingDecision {
  if (ctx.replaces) return { kind: 'replace' };
  // The reason phrase says why (RFC 3261 §21.4.24 leaves it free): the history tells it from a Busy press.
  if (ctx.dnd) return { kind: 'refuse', code: 486, reason: 'Do Not Disturb', why: 'do-not-disturb' };
  if (!ctx.autoAnswer) return { kind: 'ring' };
  const busy = ctx.others.some((c) => !c.ended && (c.established || c.state === 'connecting'));
  return busy && !ctx.headless ? { kind: 'ring' } : { kind: 'auto-answer' };
}

/**
 * The calls to put on hold before `intent` on `call` (none for auto-answer).
 * `spare`: calls that stay as they are (the call being replaced; the other
 * legs of the conference `call` is in — resuming one leg resumes the talk).
 */
export function callsToHold(intent: Intent, call: PhoneCall | undefined, calls: readonly PhoneCall[], spare: readonly PhoneCall[] = []): PhoneCall[] {
  if (intent === 'auto-answer') return [];
  return calls.filter((c) => c !== call && c.talking && !spare.includes(c));
}
