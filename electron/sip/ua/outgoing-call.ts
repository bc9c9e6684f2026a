/**
 * A call we place (the UAC side, RFC 3261 §13.2): INVITE with the media
 * hook's offer, From = the identity chosen among the account's addresses
 * (and P-Preferred-Identity, RFC 3325 §9.2, where the account says so),
 * through the outbound proxy (pre-loaded Route, §8.1.2). 18x are progress
 * (an 18x with SDP is early media: its answer is applied, then the call is
 * 'early'), 401/407 are answered on the challenged-request path (§22.2),
 * 3xx are followed through their Contacts (redirect-targets.ts), and every
 * other final answer ends the call with its code in words. A 2xx makes the
 * call 'connecting' while the hook applies its answer; only then is it
 * 'active' (the layer above never sees 'active' before the media can run).
 *
 *              18x                  18x with SDP (answer applied)
 *   dialing ─────────▶ ringing ─────────────────▶ early
 *      │ └──────────── 18x with SDP ────────────▶ │
 *      │ 2xx              │ 2xx                    │ 2xx
 *      └────────────────▶ connecting ◀────────────┘
 *                           │ answer applied
 *                           ▼
 *                         active
 *   dialing / ringing / early ── cancel() ──▶ cancelling ── 487 / 408 ──▶ ended
 *                                                │ a 2xx won the race: ACK, then BYE
 *                                                ▼
 *   active / connecting ─── hangup(), unusable answer ───▶ ending ── BYE answered ──▶ ended
 *   dialing / ringing / early ── final non-2xx ──▶ ended
 *   active ── BYE received, dialog gone ──▶ ended
 *
 * CANCEL before any provisional: the dialog layer holds it until one comes
 * (§9.1); if none ever does, Timer B ends the INVITE with 408 and the call
 * ends 'cancelled' all the same.
 */
import type { AuthFailure } from '../auth/digest-authenticator.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { OutgoingInvite } from '../dialog/outgoing-invite.ts';
import { createResponse, formatUri, newCallId, newTag } from '../message/index.ts';
import type { SipRequest, SipResponse, SipUri } from '../message/index.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { UaAccount } from './account.ts';
import { Call } from './call.ts';
import { sendChallenged } from './challenged-request.ts';
import type { Exchange } from './challenged-request.ts';
import { contentType, dialogCapabilityHeaders } from './capabilities.ts';
import { SDP_CONTENT_TYPE } from './media-hook.ts';
import type { MediaHook } from './media-hook.ts';
import { RedirectTargets } from './redirect-targets.ts';
import { buildRequest, nextRequest } from './request-builder.ts';
import { outcome, outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import type { CallEnd } from './call-events.ts';
import { familyOf } from './target-resolver.ts';
import type { UaContext } from './ua-context.ts';

export type OutgoingCallState = 'dialing' | 'ringing' | 'early' | 'connecting' | 'active' | 'cancelling' | 'ending' | 'ended';

const moves: Record<OutgoingCallState, readonly OutgoingCallState[]> = {
  dialing: ['ringing', 'early', 'connecting', 'cancelling', 'ended'],
  ringing: ['early', 'connecting', 'cancelling', 'ended'],
  early: ['connecting', 'cancelling', 'ended'],
  connecting: ['active', 'ending', 'ended'],
  active: ['ending', 'ended'],
  cancelling: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

export interface OutgoingCallOptions {
  /** The address to present (From); one of the account's addresses, default its AOR. */
  identity?: string;
  /** Extra header fields for the INVITE. */
  headers?: readonly [string, string][];
  /** Redirected targets tried at most (default 5). */
  maxRedirects?: number;
  /** The hook for this call; default the UA's factory. */
  media?: MediaHook;
}

/** Why a dialog gets a BYE once its 2xx has been ACKed (§15: never before the ACK). */
interface ByeAfterAck {
  cause: CallEnd['cause'];
  detail: string;
}

export class OutgoingCall extends Call<OutgoingCallState> {
  readonly direction = 'outgoing' as const;
  /** The address dialled. */
  readonly target: SipUri;
  readonly #options: OutgoingCallOptions;
  readonly #redirects: RedirectTargets;
  readonly #fromTag = newTag();
  readonly #byeAfterAck = new Map<Dialog, ByeAfterAck>();
  #invite: OutgoingInvite | undefined;
  #offer = '';
  #cancelRequested = false;
  #earlyAnswer = false;

  constructor(ctx: UaContext, account: UaAccount, target: SipUri, options: OutgoingCallOptions = {}) {
    const identity = account.identity(options.identity);
    const id = newCallId();
    const media = options.media ?? ctx.media({ callId: id, accountId: account.id, direction: 'outgoing' });
    super({ ctx, account, media, id, localIdentity: formatUri(identity.uri), remote: { uri: formatUri(target) }, initial: 'dialing', moves });
    this.target = target;
    this.#options = options;
    this.#redirects = new RedirectTargets(target, options.maxRedirects ?? 5);
  }

  /** Sends the INVITE (called by the UserAgent once listeners know the call). */
  start(): void {
    void this.#start();
  }

  /** Cancels a call not answered yet (§9.1); after the answer use hangup(). */
  cancel(): void {
    if (this.isEnded || this.#cancelRequested || this.state === 'active' || this.state === 'connecting' || this.state === 'ending') return;
    this.#cancelRequested = true;
    this.transition('cancelling');
    this.#invite?.cancel();
  }

  protected override earlyDialogs(): readonly Dialog[] {
    return (this.#invite?.dialogs ?? []).filter((d) => d.state === 'Early');
  }

  hangup(): Promise<void> {
    if (this.state === 'active' || this.state === 'connecting') return this.bye();
    this.cancel();
    return Promise.resolve();
  }

  async #start(): Promise<void> {
    try {
      this.#offer = await this.media.createOffer();
    } catch (err) {
      this.finish({ cause: 'media-failed', by: 'local', detail: `no offer from the media engine: ${String(err)}` });
      return;
    }
    await this.#attempt(this.target, undefined);
  }

  /**
   * One target: the first INVITE (`previous` undefined) or the one after a
   * redirect, its digest challenges answered on the challenged-request path.
   */
  async #attempt(requestUri: SipUri, previous: SipRequest | undefined): Promise<void> {
    const account = this.account;
    let targets: SendTarget[];
    try {
      targets = await this.ctx.resolver.resolve(account.outboundProxy ?? requestUri, account.transport);
    } catch (err) {
      if (this.#cancelRequested) this.finish({ cause: 'cancelled', by: 'local' });
      else this.finish({ cause: 'network', by: 'local', outcome: outcome(503, 'Service Unavailable', 'transport'), detail: String(err) });
      return;
    }
    if (this.#cancelRequested) {
      this.finish({ cause: 'cancelled', by: 'local' });
      return;
    }
    const done = await sendChallenged(account.authenticator, (fields, challenged) => {
      // Credentials answered the old Request-URI (digest-uri): a redirected INVITE goes without them.
      const request = challenged
        ? nextRequest(challenged.request, { fields })
        : previous
          ? nextRequest(previous, { requestUri, fields: [] })
          : this.#initialInvite(targets[0]!, this.#offer);
      return this.#sendInvite(request, targets);
    });
    if (done.response.status >= 300) this.#rejected(done.response, done.request, done.authFailure);
  }

  /** One INVITE transaction (with its forks); resolves with its first final response. */
  #sendInvite(request: SipRequest, targets: SendTarget[]): Promise<Exchange> {
    if (this.#cancelRequested || this.isEnded) return Promise.resolve({ request, response: createResponse(request, 487, 'Request Terminated') });
    return new Promise<Exchange>((resolve) => {
      const invite = this.ctx.dialogs.invite(
        request,
        {
          onProvisional: (response, dialog) => this.#provisional(response, dialog),
          onAccepted: (dialog, response) => {
            this.#accepted(dialog, response);
            resolve({ request: invite.request, response });
          },
          onAcked: (dialog) => this.#acked(dialog),
          onRejected: (response) => resolve({ request: invite.request, response }),
        },
        targets,
      );
      this.#invite = invite;
    });
  }

  #initialInvite(first: SendTarget, offer: string): SipRequest {
    const account = this.account;
    const identity = account.identity(this.#options.identity);
    const headers = dialogCapabilityHeaders();
    if (account.usePreferredIdentity) headers.push(['P-Preferred-Identity', `<${formatUri(identity.uri)}>`]);
    headers.push(...(this.#options.headers ?? []));
    return buildRequest({
      method: 'INVITE',
      requestUri: this.target,
      from: identity,
      fromTag: this.#fromTag,
      to: { uri: { ...this.target, params: new Map(), headers: new Map() }, params: new Map() },
      callId: this.id,
      cseq: 1,
      routes: account.routeSet(),
      contact: this.ctx.contact(account, first.protocol, familyOf(first.address)),
      headers,
      body: { contentType: SDP_CONTENT_TYPE, content: offer },
      userAgent: this.ctx.userAgent,
    });
  }

  #provisional(response: SipResponse, dialog: Dialog | undefined): void {
    if (this.isEnded || response.status === 100) return;
    if (dialog) this.ctx.bindDialog(dialog, this);
    const sdp = response.body.length > 0 && contentType(response) === SDP_CONTENT_TYPE;
    this.emit('progress', { status: response.status, reason: response.reason, earlyMedia: sdp });
    if (this.state === 'cancelling') return;
    if (sdp && !this.#earlyAnswer) {
      // RFC 3960 §3: an SDP in an unreliable 18x is the answer early media flows by; applied first, then 'early'.
      this.#earlyAnswer = true;
      this.earlyMedia = true;
      this.media.setAnswer(response.body.toString('utf8')).then(
        () => {
          if (this.state === 'dialing' || this.state === 'ringing') this.transition('early', outcomeOf(response));
        },
        (err: unknown) => this.ctx.logger.info('early answer unusable', { callId: this.id, error: String(err) }),
      );
      if (this.state === 'dialing') this.transition('ringing', outcomeOf(response));
    } else if (this.state === 'dialing') {
      this.transition('ringing', outcomeOf(response));
    }
  }

  #accepted(dialog: Dialog, response: SipResponse): void {
    if (this.isEnded || (this.dialog && dialog !== this.dialog)) {
      // §13.2.2.4: another fork answered too; it gets its ACK, then a BYE.
      this.#byeAfterAck.set(dialog, { cause: 'local-hangup', detail: 'another fork answered first' });
      return;
    }
    this.setDialog(dialog);
    this.answeredAt = this.ctx.clock.now();
    if (this.#cancelRequested) {
      // The 2xx crossed our CANCEL (§9.1): the call exists now and must be ended with BYE, after the ACK.
      this.#byeAfterAck.set(dialog, { cause: 'cancelled', detail: 'answered while being cancelled' });
      return;
    }
    this.transition('connecting', outcomeOf(response));
    const answer = response.body.length > 0 && contentType(response) === SDP_CONTENT_TYPE ? response.body.toString('utf8') : undefined;
    if (answer === undefined) {
      this.#byeAfterAck.set(dialog, { cause: 'media-failed', detail: 'the 2xx carried no SDP answer to our offer' });
      return;
    }
    this.media.setAnswer(answer).then(
      () => {
        if (this.state === 'connecting') this.transition('active', outcomeOf(response));
      },
      (err: unknown) => void this.bye('media-failed', `unusable SDP answer: ${String(err)}`),
    );
  }

  #acked(dialog: Dialog): void {
    const why = this.#byeAfterAck.get(dialog);
    if (!why) return;
    this.#byeAfterAck.delete(dialog);
    if (dialog === this.dialog) void this.bye(why.cause, why.detail);
    else void this.ctx.dialogs.bye(dialog).catch(() => undefined);
  }

  #rejected(response: SipResponse, sent: SipRequest, authFailure: AuthFailure | undefined): void {
    if (this.isEnded) return;
    const result = outcomeOf(response);
    if (this.#cancelRequested) {
      this.finish({ cause: 'cancelled', by: 'local', outcome: result });
      return;
    }
    const status = response.status;
    if (status === 401 || status === 407) {
      this.finish({ cause: 'rejected', by: 'remote', outcome: result, detail: authFailure?.message });
      return;
    }
    if (status >= 300 && status < 400) {
      const { loops, downgrades } = this.#redirects.add(response);
      if (this.#follow(sent, result)) return;
      const why = downgrades.length > 0
        ? `a sips: call is never redirected off TLS (RFC 5630): refused ${this.#redirects.describe(downgrades)}`
        : loops.length > 0
        ? `redirect loop: ${this.#redirects.describe(loops)} already tried`
        : this.#redirects.limitReached ? 'too many redirects' : 'the redirect named no usable target';
      this.finish({ cause: 'rejected', by: 'remote', outcome: result, detail: why });
      return;
    }
    // A redirected target failed: the next one in the set may still answer (§8.1.3.4), unless the failure is global (6xx).
    if (status < 600 && status !== 487 && this.#follow(sent, result)) return;
    const cause = result.local === 'timeout' ? 'timeout' : result.local === 'transport' ? 'network' : 'rejected';
    this.finish({ cause, by: result.local ? 'local' : 'remote', outcome: result });
  }

  #follow(sent: SipRequest, result: SipOutcome): boolean {
    const next = this.#redirects.next();
    if (!next) return false;
    this.emit('redirected', { target: formatUri(next), outcome: result });
    void this.#attempt(next, sent);
    return true;
  }
}
