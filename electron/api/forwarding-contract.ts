/**
 * Call forwarding on the phone: every call at once, when busy, or when not
 * answered after N seconds, to a number or an address. One rule for all
 * accounts, and an account may have its own that replaces it (a work
 * account forwarded to a colleague while the private one rings).
 *
 * How a call is forwarded, the user chooses:
 *   'redirect'  302 Moved Temporarily with the target in Contact and a
 *               Diversion header (RFC 3261 §8.3, RFC 5806): the caller's side
 *               (its phone or its proxy) places the new call. Costs nothing here.
 *   'bridge'    the phone places a new call to the target from the same
 *               account and joins the two calls' audio when it answers;
 *               the caller keeps hearing it ring until then. Works when the
 *               caller's side does not follow redirects; this computer stays
 *               in the call.
 *
 * Busy means: another call is up, do-not-disturb is on, or the user declines
 * the ringing call. Forwarding never sends a call back to one of our own
 * addresses, to an address that forwarded it already, or on a call that was
 * forwarded MAX_FORWARD_HOPS times.
 *
 * Its commands and event join `Commands` / `Events` (commands.ts, events.ts).
 * Imports nothing: the renderer compiles this file with DOM types and no Node.
 */

export const FORWARD_METHODS = ['redirect', 'bridge'] as const;
export type ForwardMethod = (typeof FORWARD_METHODS)[number];

export const FORWARD_REASONS = ['always', 'busy', 'no-answer'] as const;
export type ForwardReason = (typeof FORWARD_REASONS)[number];

/** Bounds of the no-answer delay (s): long enough to reach the phone, short enough before the caller gives up. */
export const NO_ANSWER_MIN_S = 5;
export const NO_ANSWER_MAX_S = 120;
export const NO_ANSWER_DEFAULT_S = 20;
/** A call that was forwarded this many times already is not forwarded again (it rings here). */
export const MAX_FORWARD_HOPS = 5;

/** One forwarding rule: a target per condition (null: that condition does not forward). */
export interface ForwardingRule {
  /** Every call, at once, without ringing here. */
  always: string | null;
  /** While busy: another call is up, do-not-disturb, or the user declines. */
  busy: string | null;
  /** After ringing here `noAnswerAfterS` seconds unanswered. */
  noAnswer: string | null;
  noAnswerAfterS: number;
  method: ForwardMethod;
}

export interface AccountForwarding {
  accountId: string;
  rule: ForwardingRule;
}

export interface ForwardingSnapshot {
  /** The rule of every account without its own. */
  global: ForwardingRule;
  /** Accounts with their own rule, which replaces the global one for their calls. */
  accounts: AccountForwarding[];
  /** Some rule forwards calls now: the header shows it. */
  active: boolean;
  /** What is on, in a few words for the header ("All calls to 200"), when active. */
  summary?: string;
}

export interface ForwardingSetParams {
  /** Absent: the global rule. */
  accountId?: string;
  /** The rule; null turns the global rule off, or lets the account follow the global one again. */
  rule: ForwardingRule | null;
}

type NoParams = Record<string, never>;

export interface ForwardingCommands {
  'forwarding.get': { params: NoParams; result: ForwardingSnapshot };
  'forwarding.set': { params: ForwardingSetParams; result: ForwardingSnapshot };
}

export const FORWARDING_COMMAND_NAMES = ['forwarding.get', 'forwarding.set'] as const satisfies readonly (keyof ForwardingCommands)[];

const allListed: Exclude<keyof ForwardingCommands, (typeof FORWARDING_COMMAND_NAMES)[number]> extends never ? true : false = true;
void allListed;

/** The whole snapshot on every change. */
export interface ForwardingEvents {
  forwarding: ForwardingSnapshot;
}

/** A call the phone forwarded: where, why, how, and (bridge) how the new leg is doing. */
export interface CallForwardSnapshot {
  target: string;
  reason: ForwardReason;
  method: ForwardMethod;
  /** 'trying' while the new leg rings (bridge), 'connected' once joined, 'failed' if it could not; a redirect is 'connected' at once. */
  state: 'trying' | 'connected' | 'failed';
  /** Why it failed, in words. */
  words?: string;
}

/** The rule nothing is forwarded by. */
export function emptyForwardingRule(): ForwardingRule {
  return { always: null, busy: null, noAnswer: null, noAnswerAfterS: NO_ANSWER_DEFAULT_S, method: 'redirect' };
}

export function forwardsAnything(rule: ForwardingRule): boolean {
  return rule.always !== null || rule.busy !== null || rule.noAnswer !== null;
}
