/**
 * Call forwarding on the phone (forwarding-contract.ts): the rules, kept in
 * the phone's settings, and what happens to an incoming call under them.
 *
 *   INVITE ─▶ always rule ───────────────────────────────▶ forward now ('always')
 *        │    busy rule and (another call up, or DND) ────▶ forward now ('busy')
 *        │    otherwise it rings (or is refused under DND as before)
 *        ▼
 *   ringing ── user declines (486) and a busy rule ──────▶ forward ('busy')
 *           ── no-answer rule, N s on the phone's clock ─▶ forward ('no-answer')
 *           ── answered, cancelled, ended ───────────────▶ timer cleared
 *
 *   forward: 'redirect' → 302 with Contact = target and Diversion (RFC 3261 §8.3,
 *            RFC 5806); 'bridge' → a new call to the target, joined when it
 *            answers (forward-bridge.ts). Bridged forwards are bounded
 *            (MAX_BRIDGED_FORWARDS, each holds two media sessions): over it,
 *            the call is redirected instead.
 *
 * Loop guard: a rule may not name one of our own addresses (refused when it
 * is set); at call time a target that already forwarded this call, or a
 * call forwarded MAX_FORWARD_HOPS times, is not forwarded (it rings here).
 */
import type { ForwardingApi } from '../api/phone-api.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import {
  MAX_FORWARD_HOPS,
  emptyForwardingRule,
  forwardsAnything,
  type ForwardReason,
  type ForwardingRule,
  type ForwardingSetParams,
  type ForwardingSnapshot,
} from '../api/forwarding-contract.ts';
import { sameAddressText } from '../api/sip-address-syntax.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { IncomingCall } from '../sip/ua/index.ts';
import { accountDomain, type Account } from './account.ts';
import type { AccountService } from './account-service.ts';
import { normaliseDialString } from './dial-string.ts';
import { describeForward } from './forward-words.ts';
import { bridgeForward } from './forward-bridge.ts';
import type { PhoneCall } from './phone-call.ts';
import type { PhoneStore } from './store/phone-store.ts';

/** Calls forwarded by a new leg at once, at most (each holds two calls' media); more are redirected. */
export const MAX_BRIDGED_FORWARDS = 4;

/** RFC 5806 §4 reason tokens. */
const DIVERSION_REASON: Readonly<Record<ForwardReason, string>> = { always: 'unconditional', busy: 'user-busy', 'no-answer': 'no-answer' };

/** What the phone's state says about an incoming call, for the decision. */
export interface ForwardContext {
  dnd: boolean;
  /** Another call is up (connected, or being connected). */
  busy: boolean;
  /** The call is answered automatically (nobody to wait for). */
  autoAnswer: boolean;
}

/** What to do with an incoming call: forward it now, or arm the no-answer timer, or nothing. */
export type ForwardDecision = { kind: 'now'; reason: ForwardReason; target: string } | { kind: 'after'; ms: number; target: string } | { kind: 'none' };

export function decideForward(rule: ForwardingRule, ctx: ForwardContext): ForwardDecision {
  if (rule.always !== null) return { kind: 'now', reason: 'always', target: rule.always };
  if (rule.busy !== null && (ctx.busy || ctx.dnd)) return { kind: 'now', reason: 'busy', target: rule.busy };
  if (rule.noAnswer !== null && !ctx.autoAnswer && !ctx.dnd) return { kind: 'after', ms: rule.noAnswerAfterS * 1000, target: rule.noAnswer };
  return { kind: 'none' };
}

/** Why a call must not go to `target` (a loop, or too many hops), or undefined. */
export function forwardLoop(target: string, chain: { parties: readonly string[]; hops: number }, own: readonly string[]): string | undefined {
  if (own.some((a) => sameAddressText(a, target))) return 'the target is this phone';
  if (chain.parties.some((p) => sameAddressText(p, target))) return 'the target forwarded this call already';
  if (chain.hops >= MAX_FORWARD_HOPS) return `the call was forwarded ${chain.hops} times already`;
  return undefined;
}

function summaryOf(rule: ForwardingRule): string | undefined {
  if (rule.always !== null) return `All calls to ${rule.always}`;
  const parts = [rule.busy !== null ? `busy to ${rule.busy}` : '', rule.noAnswer !== null ? `no answer (${rule.noAnswerAfterS} s) to ${rule.noAnswer}` : ''].filter(Boolean);
  return parts.length > 0 ? `When ${parts.join(', ')}` : undefined;
}

/** The rules: stored in the settings, served by the forwarding.* commands, announced by the 'forwarding' event. */
export class ForwardingService {
  readonly #store: PhoneStore;
  readonly #accounts: AccountService;
  readonly #events: EventBus;

  constructor(deps: { store: PhoneStore; accounts: AccountService; events: EventBus }) {
    this.#store = deps.store;
    this.#accounts = deps.accounts;
    this.#events = deps.events;
  }

  /** The rule an account's calls follow: its own, or the global one. */
  ruleFor(accountId: string): Readonly<ForwardingRule> {
    const f = this.#store.settings.peek('forwarding');
    return f.accounts.find((a) => a.accountId === accountId)?.rule ?? f.global;
  }

  snapshot(): ForwardingSnapshot {
    const f = this.#store.settings.get('forwarding');
    // An account removed since keeps no rule in force.
    const accounts = f.accounts.filter((a) => this.#accounts.get(a.accountId) !== undefined);
    const rules = [f.global, ...accounts.map((a) => a.rule)].filter(forwardsAnything);
    const s: ForwardingSnapshot = { global: f.global, accounts, active: rules.length > 0 };
    const first = rules[0];
    const summary = first ? summaryOf(first) : undefined;
    if (summary) s.summary = rules.length > 1 ? `${summary} (+${rules.length - 1})` : summary;
    return s;
  }

  set(p: ForwardingSetParams): ForwardingSnapshot {
    const f = this.#store.settings.get('forwarding');
    if (p.accountId !== undefined && !this.#accounts.get(p.accountId)) throw new ApiError('not-found', `no account with id ${p.accountId}`, { issues: [{ path: 'accountId', message: 'no such account' }] });
    if (p.rule) this.#checkTargets(p.rule, p.accountId);
    let next: typeof f;
    if (p.accountId === undefined) next = { ...f, global: p.rule ?? emptyForwardingRule() };
    else {
      const others = f.accounts.filter((a) => a.accountId !== p.accountId);
      next = { ...f, accounts: p.rule ? [...others, { accountId: p.accountId, rule: p.rule }] : others };
    }
    this.#store.settings.set('forwarding', next);
    const snap = this.snapshot();
    this.#events.emit('forwarding', snap);
    return snap;
  }

  readonly api: ForwardingApi = {
    'forwarding.get': async () => this.snapshot(),
    'forwarding.set': async (p) => this.set(p),
  };

  /** Each target must dial, and must not be one of our addresses, for every account the rule covers. */
  #checkTargets(rule: ForwardingRule, accountId: string | undefined): void {
    const covered = accountId !== undefined ? [this.#accounts.get(accountId)!] : this.#accounts.listed();
    const own = this.#accounts.listed().flatMap((a) => [a.aor, ...a.aliases]);
    for (const field of ['always', 'busy', 'noAnswer'] as const) {
      const target = rule[field];
      if (target === null) continue;
      for (const account of covered.length > 0 ? covered : [undefined]) {
        const dialled = normaliseDialString(target, account ? { domain: accountDomain(account) } : {});
        const path = `rule.${field}`;
        if (!dialled.ok) throw new ApiError('bad-request', `cannot forward to "${target}": ${dialled.reason}`, { issues: [{ path, message: dialled.reason }] });
        if (own.some((a) => sameAddressText(a, dialled.target))) {
          const message = 'is one of this phone’s own addresses: calls would come straight back';
          throw new ApiError('bad-request', `cannot forward to "${target}": it ${message}`, { issues: [{ path, message }] });
        }
      }
    }
  }
}

/** What the forwarder needs of the call service. */
export interface ForwarderHost {
  clock: Clock;
  logger: Logger;
  accounts: Pick<AccountService, 'get'>;
  rules: Pick<ForwardingService, 'ruleFor'>;
  /** Places the new leg of a bridged forward: from `account`, not announced, no history row of its own. */
  placeLeg(account: Account, target: string, headers: [string, string][]): PhoneCall;
}

/** Applies the rules to incoming calls (CallService asks it at the points in the diagram above). */
export class CallForwarder {
  readonly #h: ForwarderHost;
  #bridged = 0;

  constructor(host: ForwarderHost) {
    this.#h = host;
  }

  /**
   * A new incoming call: true when it was forwarded at once (it must not
   * ring); otherwise the no-answer timer is armed when a rule asks for it.
   */
  incoming(call: PhoneCall, sip: IncomingCall, ctx: ForwardContext): boolean {
    const decision = decideForward(this.#h.rules.ruleFor(call.accountId), ctx);
    if (decision.kind === 'now') return this.#forward(call, sip, decision.reason, decision.target);
    if (decision.kind === 'after') this.#armNoAnswer(call, sip, decision.ms, decision.target);
    return false;
  }

  /** The user declined a ringing call as busy: true when a busy rule forwarded it instead. */
  declined(call: PhoneCall, code: number): boolean {
    const rule = this.#h.rules.ruleFor(call.accountId);
    if (code !== 486 || rule.busy === null || call.sip.direction !== 'incoming' || !call.ringingIn || call.forwarding) return false;
    return this.#forward(call, call.sip, 'busy', rule.busy);
  }

  #armNoAnswer(call: PhoneCall, sip: IncomingCall, ms: number, target: string): void {
    const { clock } = this.#h;
    const timer = clock.setTimeout(() => {
      if (call.ended || !call.ringingIn || call.forwarding) return;
      this.#forward(call, sip, 'no-answer', target);
    }, ms);
    sip.on('state', (change) => {
      if (change.state !== 'incoming' && change.state !== 'early') clock.clearTimeout(timer);
    });
  }

  #forward(call: PhoneCall, sip: IncomingCall, reason: ForwardReason, target: string): boolean {
    const log = this.#h.logger;
    const account = this.#h.accounts.get(call.accountId);
    const dialled = normaliseDialString(target, account ? { domain: accountDomain(account) } : {});
    if (!dialled.ok) {
      log.warn('forwarding target does not dial; the call rings here', { callId: call.id, target, why: dialled.reason });
      return false;
    }
    const own = account ? [account.aor, ...account.aliases, sip.calledAlias] : [sip.calledAlias];
    const loop = forwardLoop(dialled.target, sip.identity.forwardChain, own);
    if (loop) {
      log.info('call not forwarded (loop guard); it rings here', { callId: call.id, target: dialled.target, why: loop });
      return false;
    }
    const rule = this.#h.rules.ruleFor(call.accountId);
    const diversion: [string, string] = ['Diversion', `<${sip.calledAlias}>;reason=${DIVERSION_REASON[reason]};counter=1`];
    const bridge = rule.method === 'bridge' && account !== undefined && this.#bridged < MAX_BRIDGED_FORWARDS;
    if (!bridge) {
      call.setForward({ target: dialled.target, reason, method: 'redirect', state: 'connected' });
      log.info('call forwarded', { callId: call.id, how: describeForward(call.forwardedTo!) });
      sip.redirect(dialled.target, [diversion]);
      return true;
    }
    let leg: PhoneCall;
    try {
      leg = this.#h.placeLeg(account, dialled.target, [diversion]);
    } catch (e) {
      log.warn('the forwarding call could not be placed; the call rings here', { callId: call.id, error: String(e) });
      return false;
    }
    this.#bridged++;
    call.setForward({ target: dialled.target, reason, method: 'bridge', state: 'trying' });
    log.info('call forwarded', { callId: call.id, leg: leg.id, how: describeForward(call.forwardedTo!) });
    // The caller hears it ring while the target rings (180), whatever the phone had sent before.
    if (sip.state === 'incoming') sip.ring();
    bridgeForward(call, leg, { logger: log, done: () => this.#bridged-- });
    return true;
  }
}
