/**
 * A call we place (the UAC side, RFC 3261 §13.2): INVITE with the media
 * hook's offer, From = the identity chosen among the account's addresses
 * (and P-Preferred-Identity, RFC 3325 §9.2, where the account says so),
 * through the outbound proxy (pre-loaded Route, §8.1.2). 18x are progress
 * (an 18x with SDP is early media), one 401/407 per challenge is answered
 * (§22.2), 3xx are followed through their Contacts (redirect-targets.ts),
 * and every other final answer ends the call with its code in words.
 *
 *              18x                  18x with SDP
 *   dialing ─────────▶ ringing ─────────────────▶ early
 *      │ └──────────── 18x with SDP ────────────▶ │
 *      │ 2xx              │ 2xx                    │ 2xx
 *      └────────────────▶ active ◀────────────────┘
 *   dialing / ringing / early ── cancel() ──▶ cancelling ── 487 / 408 ──▶ ended
 *                                                │ a 2xx won the race: ACK, then BYE
 *                                                ▼
 *   active ─────────── hangup() ────────────▶ ending ── BYE answered ──▶ ended
 *   dialing / ringing / early ── final non-2xx ──▶ ended
 *   active ── BYE received, dialog gone ──▶ ended
 *
 * CANCEL before any provisional: the dialog layer holds it until one comes
 * (§9.1); if none ever does, Timer B ends the INVITE with 408 and the call
 * ends 'cancelled' all the same.
 */
import type { AuthorizationField } from '../auth/digest-authenticator.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { OutgoingInvite } from '../dialog/outgoing-invite.ts';
import { formatUri, newCallId, newTag } from '../message/index.ts';
import type { SipRequest, SipResponse, SipUri } from '../message/index.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { Account } from './account.ts';
import { Call } from './call.ts';
import { contentType, dialogCapabilityHeaders } from './capabilities.ts';
import { SDP_CONTENT_TYPE } from './media-hook.ts';
import type { MediaHook } from './media-hook.ts';
import { RedirectTargets } from './redirect-targets.ts';
import { buildRequest, nextRequest } from './request-builder.ts';
import { outcome, outcomeOf } from './sip-outcome.ts';
import { familyOf } from './target-resolver.ts';
import type { UaContext } from './ua-context.ts';

export type OutgoingCallState = 'dialing' | 'ringing' | 'early' | 'active' | 'cancelling' | 'ending' | 'ended';

const moves: Record<OutgoingCallState, readonly OutgoingCallState[]> = {
  dialing: ['ringing', 'early', 'active', 'cancelling', 'ended'],
  ringing: ['early', 'active', 'cancelling', 'ended'],
  early: ['active', 'cancelling', 'ended'],
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

const MAX_AUTH_ROUNDS = 2;

export class OutgoingCall extends Call<OutgoingCallState> {
  readonly direction = 'outgoing' as const;
  /** The address dialled. */
  readonly target: SipUri;
  readonly #options: OutgoingCallOptions;
  readonly #redirects: RedirectTargets;
  readonly #fromTag = newTag();
  #invite: OutgoingInvite | undefined;
  #currentUri: SipUri;
  #authRounds = 0;
  #cancelRequested = false;
  #earlyAnswer = false;

  constructor(ctx: UaContext, account: Account, target: SipUri, options: OutgoingCallOptions = {}) {
    const identity = account.identity(options.identity);
    const id = newCallId();
    const media = options.media ?? ctx.media({ callId: id, accountId: account.id, direction: 'outgoing' });
    super({ ctx, account, media, id, localIdentity: formatUri(identity.uri), remote: { uri: formatUri(target) }, initial: 'dialing', moves });
    this.target = target;
    this.#currentUri = target;
    this.#options = options;
    this.#redirects = new RedirectTargets(target, options.maxRedirects ?? 5);
  }

  /** Sends the INVITE (called by the UserAgent once listeners know the call). */
  start(): void {
    void this.#start();
  }

  /** Cancels a call not answered yet (§9.1); after the answer use hangup(). */
  cancel(): void {
    if (this.isEnded || this.#cancelRequested || this.state === 'active' || this.state === 'ending') return;
    this.#cancelRequested = true;
    this.transition('cancelling');
    this.#invite?.cancel();
  }

  hangup(): Promise<void> {
    if (this.state === 'active') return this.bye();
    this.cancel();
    return Promise.resolve();
  }

  async #start(): Promise<void> {
    let offer: string;
    try {
      offer = await this.media.createOffer();
    } catch (err) {
      this.finish({ cause: 'media-failed', by: 'local', detail: `no offer from the media engine: ${String(err)}` });
      return;
    }
    await this.#send(this.target, undefined, undefined, offer);
  }

  /** The first INVITE (`offer`), or the next one after a challenge or a redirect (`previous`). */
  async #send(requestUri: SipUri, previous: SipRequest | undefined, fields: readonly AuthorizationField[] | undefined, offer?: string): Promise<void> {
    this.#invite = undefined;
    this.#currentUri = requestUri;
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
    const request = previous ? nextRequest(previous, { requestUri, fields }) : this.#initialInvite(targets[0]!, offer ?? '');
    this.#invite = this.ctx.dialogs.invite(
      request,
      {
        onProvisional: (response, dialog) => this.#provisional(response, dialog),
        onAccepted: (dialog, response) => this.#accepted(dialog, response),
        onRejected: (response) => this.#rejected(response),
      },
      targets,
    );
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
      // RFC 3960 §3: an SDP in an unreliable 18x is the answer early media flows by.
      this.#earlyAnswer = true;
      this.earlyMedia = true;
      this.media.setAnswer(response.body.toString('utf8')).catch((err: unknown) => this.ctx.logger.info('early answer unusable', { callId: this.id, error: String(err) }));
      if (this.state !== 'early') this.transition('early', outcomeOf(response));
    } else if (this.state === 'dialing') {
      this.transition('ringing', outcomeOf(response));
    }
  }

  #accepted(dialog: Dialog, response: SipResponse): void {
    if (this.isEnded || (this.dialog && dialog !== this.dialog)) {
      // §13.2.2.4: another fork answered too; it gets its ACK, then a BYE.
      setImmediate(() => void this.ctx.dialogs.bye(dialog).catch(() => {}));
      return;
    }
    this.setDialog(dialog);
    this.answeredAt = this.ctx.clock.now();
    if (this.#cancelRequested) {
      // The 2xx crossed our CANCEL (§9.1): the call exists now and must be ended with BYE, after the ACK.
      setImmediate(() => void this.bye('cancelled', 'answered while being cancelled'));
      return;
    }
    this.transition('active', outcomeOf(response));
    const answer = response.body.length > 0 && contentType(response) === SDP_CONTENT_TYPE ? response.body.toString('utf8') : undefined;
    if (answer === undefined) {
      setImmediate(() => void this.bye('media-failed', 'the 2xx carried no SDP answer to our offer'));
      return;
    }
    this.media.setAnswer(answer).catch((err: unknown) => void this.bye('media-failed', `unusable SDP answer: ${String(err)}`));
  }

  #rejected(response: SipResponse): void {
    if (this.isEnded) return;
    const result = outcomeOf(response);
    const sent = this.#invite?.request;
    if (this.#cancelRequested) {
      this.finish({ cause: 'cancelled', by: 'local', outcome: result });
      return;
    }
    const status = response.status;
    if ((status === 401 || status === 407) && sent && this.#authRounds < MAX_AUTH_ROUNDS) {
      this.#authRounds++;
      const answer = this.account.authenticator.authorize(sent, response);
      if (answer.ok) {
        void this.#send(this.#currentUri, sent, answer.fields);
        return;
      }
      this.finish({ cause: 'rejected', by: 'remote', outcome: result, detail: answer.message });
      return;
    }
    if (status >= 300 && status < 400 && sent) {
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
    if (status < 600 && status !== 487 && sent && this.#follow(sent, result)) return;
    const cause = result.local === 'timeout' ? 'timeout' : result.local === 'transport' ? 'network' : 'rejected';
    this.finish({ cause, by: result.local ? 'local' : 'remote', outcome: result });
  }

  #follow(sent: SipRequest, result: ReturnType<typeof outcomeOf>): boolean {
    const next = this.#redirects.next();
    if (!next) return false;
    this.#authRounds = 0;
    this.emit('redirected', { target: formatUri(next), outcome: result });
    // Credentials answered the old Request-URI (digest-uri); a new challenge will be answered afresh.
    void this.#send(next, sent, []);
    return true;
  }
}
