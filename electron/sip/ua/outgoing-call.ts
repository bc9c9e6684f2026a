/**
 * A call we place (the UAC side, RFC 3261 §13.2): INVITE with the media
 * hook's offer, From = the identity chosen among the account's addresses
 * (and P-Preferred-Identity, RFC 3325 §9.2, where the account says so),
 * through the outbound proxy (pre-loaded Route, §8.1.2). 18x are progress
 * (an 18x with SDP is early media: its answer is applied, then the call is
 * 'early'), 401/407 are answered on the challenged-request path (§22.2),
 * 3xx are followed through their Contacts (redirect-targets.ts), a 422
 * (RFC 4028 §7.3) is retried once with the Min-SE it names, and every
 * other final answer ends the call with its code in words. A 2xx makes the
 * call 'connecting' while the hook applies its answer; only then is it
 * 'active' (the layer above never sees 'active' before the media can run).
 * The 2xx's answer is given to the hook before the call moves to
 * 'connecting', so that the layer above starts the media — the first RTP
 * packet — before it does its bookkeeping for the new state.
 *
 * `sent` settles once the first INVITE is with the transport (or the call
 * ended before it could be sent): the phone shows the call and writes its
 * history after that, not between the user's dial and the INVITE.
 *
 * Reliable provisionals (RFC 3262 §4): a 18x with `Require: 100rel` and the
 * next RSeq of its dialog gets a PRACK in that early dialog (retransmissions
 * and out-of-order ones none). Forks (§13.2.2.4): each early dialog keeps
 * the answer its 18x carried; the latest one is what plays, and the dialog
 * that answers wins — its 2xx answer (or, with none, its early one) is
 * applied when it differs from what plays.
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
import { SipRequest, createResponse, cseqOf, formatUri, newCallId, newTag, parseUri, toOf } from '../message/index.ts';
import type { SipResponse, SipUri } from '../message/index.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { UaAccount } from './account.ts';
import { Call } from './call.ts';
import { sendChallenged } from './challenged-request.ts';
import type { Exchange } from './challenged-request.ts';
import { contentType, dialogCapabilityHeaders } from './capabilities.ts';
import { parseRSeq } from '../dialog/reliable-provisional.ts';
import { DEFAULT_SESSION_EXPIRES_S, MIN_SE_S, parseMinSe, requestTimerHeaders, timerFromAnswer } from './session-expires.ts';
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
  /**
   * Withhold our identity (RFC 3323 §4.1.1.3, RFC 3325 §9.3): an anonymous
   * From, `Privacy: id`, and P-Preferred-Identity so our own server still
   * knows (and authenticates) who calls. Absent: the account's `privacy`;
   * true: at least 'id'; false: shown for this call.
   */
  privacy?: boolean;
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
  /** The answer each early dialog's 18x carried (by To tag), and which of them was given to the hook last. */
  readonly #earlyAnswers = new Map<string, string>();
  #playing: { tag: string; answer: string } | undefined;
  /** Early dialogs whose answer came in a PRACKed reliable 18x: offer/answer done there (RFC 3311 §5.1). */
  readonly #reliableAnswer = new Set<string>();
  /** RFC 3262 §4: the last RSeq PRACKed per early dialog (by To tag). */
  readonly #rseq = new Map<string, number>();
  /** The early dialogs by To tag (a forked INVITE has several). */
  readonly #early = new Map<string, Dialog>();
  /** RFC 4028: the interval we ask for; raised to the Min-SE of a 422. */
  #sessionExpires = DEFAULT_SESSION_EXPIRES_S;
  #retried422 = false;
  #markSent!: () => void;
  /** Settles once the first INVITE is with the transport, or the call ended before it was sent. */
  readonly sent = new Promise<void>((resolve) => {
    this.#markSent = resolve;
  });

  constructor(ctx: UaContext, account: UaAccount, target: SipUri, options: OutgoingCallOptions = {}) {
    const identity = account.identity(options.identity);
    const id = newCallId();
    const media = options.media ?? ctx.media({ callId: id, accountId: account.id, direction: 'outgoing' });
    super({ ctx, account, media, id, localIdentity: formatUri(identity.uri), remote: { uri: formatUri(target) }, initial: 'dialing', moves, ownsCallId: true });
    this.target = target;
    this.#options = options;
    this.#redirects = new RedirectTargets(target, options.maxRedirects ?? 5);
  }

  /** Sends the INVITE (called by the UserAgent once listeners know the call). */
  start(): void {
    void this.#start();
  }

  protected override finish(end: CallEnd): void {
    super.finish(end);
    this.#markSent();
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
  async #attempt(requestUri: SipUri, previous: SipRequest | undefined, retryOf?: SipRequest): Promise<void> {
    const account = this.account;
    let targets: SendTarget[];
    try {
      targets = await this.ctx.resolver.resolve(account.outboundProxy ?? requestUri, account.transport, requestUri);
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
          : retryOf
            ? this.#withTimerHeaders(nextRequest(retryOf, { fields: [] }))
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
      this.#markSent();
    });
  }

  #initialInvite(first: SendTarget, offer: string): SipRequest {
    const account = this.account;
    const identity = account.identity(this.#options.identity);
    const headers = dialogCapabilityHeaders();
    headers.push(...requestTimerHeaders(this.#sessionExpires, MIN_SE_S));
    const asked = this.#options.privacy;
    const level = asked === false ? 'none' : asked === true && account.privacy === 'none' ? 'id' : account.privacy;
    const privacy = level !== 'none';
    if (account.usePreferredIdentity || privacy) headers.push(['P-Preferred-Identity', `<${formatUri(identity.uri)}>`]);
    // RFC 3323 §4.2: 'header' asks the privacy service to hide the headers that reveal us too; §4.1 the UA
    // leaves out what it can itself (User-Agent).
    if (privacy) headers.push(['Privacy', level === 'header' ? 'header;id' : 'id']);
    const contact = this.ctx.contact(account, first.protocol, familyOf(first.address), this.target.scheme === 'sips');
    // §4.1: nor does our Contact name us (in-dialog requests find the call by its dialog, not the user part).
    if (privacy) contact.uri = { ...contact.uri, user: undefined };
    headers.push(...(this.#options.headers ?? []));
    return buildRequest({
      method: 'INVITE',
      requestUri: this.target,
      from: privacy ? ANONYMOUS_FROM : identity,
      fromTag: this.#fromTag,
      to: { uri: { ...this.target, params: new Map(), headers: new Map() }, params: new Map() },
      callId: this.id,
      cseq: 1,
      routes: account.routeSet(),
      contact,
      headers,
      body: { contentType: SDP_CONTENT_TYPE, content: offer },
      ...(level === 'header' ? {} : { userAgent: this.ctx.userAgent }),
    });
  }

  /** The INVITE again after a 422, asking for the larger interval (RFC 4028 §7.3). */
  #withTimerHeaders(request: SipRequest): SipRequest {
    request.headers.remove('Session-Expires');
    request.headers.remove('Min-SE');
    for (const [name, value] of requestTimerHeaders(this.#sessionExpires, this.#sessionExpires)) request.headers.append(name, value);
    return request;
  }

  #provisional(response: SipResponse, dialog: Dialog | undefined): void {
    if (this.isEnded || response.status === 100) return;
    if (dialog) this.ctx.bindDialog(dialog, this);
    const tag = toTagOf(response);
    const reliable = dialog ? this.#reliability(response, tag) : 'unreliable';
    // A retransmitted reliable 18x (its PRACK is on its way) or one ahead of a missing RSeq: nothing new (§4).
    if (reliable === 'repeat' || reliable === 'out-of-order') return;
    const sdp = response.body.length > 0 && contentType(response) === SDP_CONTENT_TYPE;
    if (dialog) {
      this.notePeerAllow(response);
      this.#early.set(tag, dialog);
    }
    this.emit('progress', { status: response.status, reason: response.reason, earlyMedia: sdp });
    if (reliable === 'new' && dialog) void this.#prack(dialog, response, sdp ? tag : undefined);
    if (this.state === 'cancelling') return;
    if (sdp && !this.#earlyAnswers.has(tag)) {
      // RFC 3960 §3: the SDP of a 18x is the answer early media flows by; applied first, then 'early'.
      const answer = response.body.toString('utf8');
      this.#earlyAnswers.set(tag, answer);
      this.earlyMedia = true;
      this.#applyAnswer(tag, answer).then(
        () => {
          if (this.state === 'dialing' || this.state === 'ringing') this.transition('early', outcomeOf(response));
        },
        (err: unknown) => this.ctx.logger.info('early answer unusable', { callId: this.id, error: String(err) }),
      );
    }
    if (this.state === 'dialing') this.transition('ringing', outcomeOf(response));
  }

  /** RFC 3262 §4: is this 18x reliable, and is it the next one of its dialog? */
  #reliability(response: SipResponse, tag: string): 'unreliable' | 'new' | 'repeat' | 'out-of-order' {
    const required = response.headers.getAll('Require').some((v) => /(^|,)\s*100rel\s*(,|$)/i.test(v));
    const rseq = parseRSeq(response.headers.get('RSeq'));
    if (!required || rseq === undefined) return 'unreliable';
    const last = this.#rseq.get(tag);
    if (last !== undefined && rseq <= last) return 'repeat';
    if (last !== undefined && rseq !== last + 1) return 'out-of-order';
    this.#rseq.set(tag, rseq);
    return 'new';
  }

  /** PRACK for a reliable 18x, in its early dialog, on the challenged-request path. */
  async #prack(dialog: Dialog, response: SipResponse, answeredTag: string | undefined): Promise<void> {
    const rack = `${response.headers.get('RSeq')!.trim()} ${cseqOf(response).seq} INVITE`;
    try {
      const r = await this.sendInDialog(dialog, 'PRACK', { headers: [['RAck', rack]] });
      if (r.status < 300 && answeredTag !== undefined) this.#reliableAnswer.add(answeredTag);
      if (r.status >= 300) this.ctx.logger.info('PRACK refused', { callId: this.id, status: r.status });
    } catch (err) {
      this.ctx.logger.info('PRACK not sent', { callId: this.id, error: String(err) });
    }
  }

  /** Gives the hook the answer of dialog `tag` unless it is what plays already. */
  async #applyAnswer(tag: string, answer: string): Promise<void> {
    if (this.#playing && this.#playing.answer === answer) {
      this.#playing = { tag, answer };
      return;
    }
    const before = this.#playing;
    this.#playing = { tag, answer };
    try {
      await this.media.setAnswer(answer);
    } catch (err) {
      this.#playing = before;
      throw err;
    }
  }

  protected override sessionDialog(): Dialog | undefined {
    return this.dialog ?? (this.#playing ? this.#early.get(this.#playing.tag) : undefined);
  }

  protected override offerPending(dialog: Dialog): 'ours' | 'theirs' | undefined {
    // RFC 3311 §5.1: in an early dialog our INVITE's offer is answered only by a reliable 18x.
    if (dialog.state === 'Early' && !this.#reliableAnswer.has(dialog.id.remoteTag)) return 'ours';
    return super.offerPending(dialog);
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
    this.notePeerAllow(response);
    this.startSessionTimer(timerFromAnswer(response));
    const tag = dialog.id.remoteTag;
    const inBody = response.body.length > 0 && contentType(response) === SDP_CONTENT_TYPE ? response.body.toString('utf8') : undefined;
    // RFC 3262 §5 / RFC 3261 §13.2.1: the answer may have come in this dialog's 18x already; the 2xx repeats it or has none.
    const answer = inBody ?? this.#earlyAnswers.get(tag);
    // This dialog's session is in place already (its early media plays, or an UPDATE changed it since): nothing to apply.
    const current = answer !== undefined && this.#playing?.tag === tag && (inBody === undefined || inBody === this.#earlyAnswers.get(tag));
    // The answer goes to the hook first (its synchronous part negotiates the session): 'connecting' then starts the media.
    const applied = answer === undefined || current ? undefined : this.#applyAnswer(tag, answer);
    this.transition('connecting', outcomeOf(response));
    if (answer === undefined) {
      this.#byeAfterAck.set(dialog, { cause: 'media-failed', detail: 'the 2xx carried no SDP answer to our offer' });
      return;
    }
    if (!applied) {
      this.transition('active', outcomeOf(response));
      return;
    }
    applied.then(
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
    if (status === 422 && !this.#retried422) {
      // RFC 4028 §7.3: the interval was too small for someone on the path; once more with their Min-SE.
      const min = parseMinSe(response);
      if (min !== undefined && min > this.#sessionExpires) {
        this.#retried422 = true;
        this.#sessionExpires = min;
        void this.#attempt(parseUriOf(sent), undefined, sent);
        return;
      }
    }
    if (status === 401 || status === 407) {
      this.finish({ cause: 'rejected', by: 'remote', outcome: result, detail: authFailure?.message });
      return;
    }
    if (status >= 300 && status < 400) {
      const { loops, downgrades } = this.#redirects.add(response);
      if (this.#follow(withDiversion(sent, response), result)) return;
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

/** Diversion entries a redirected INVITE carries at most (RFC 5806 keeps one per forwarding hop). */
const MAX_DIVERSIONS = 10;

/**
 * RFC 5806 §3: the INVITE that follows a 3xx carries the redirecting
 * party's Diversion (topmost: the most recent) above those it had, so the
 * new target sees who forwarded the call and why, and can bound a loop.
 */
function withDiversion(sent: SipRequest, response: SipResponse): SipRequest {
  const added = response.headers.getAll('Diversion');
  if (added.length === 0) return sent;
  const copy = new SipRequest(sent.method, sent.uri, sent.headers.clone(), sent.body);
  const had = copy.headers.getAll('Diversion');
  copy.headers.remove('Diversion');
  for (const v of [...added, ...had].slice(0, MAX_DIVERSIONS)) copy.headers.append('Diversion', v);
  return copy;
}

/** RFC 3323 §4.1.1.3: the From of a caller who withholds its identity. */
const ANONYMOUS_FROM = { uri: parseUri('sip:anonymous@anonymous.invalid'), displayName: 'Anonymous', params: new Map<string, string | null>() };

function toTagOf(response: SipResponse): string {
  return toOf(response).params.get('tag') ?? '';
}

function parseUriOf(request: SipRequest): SipUri {
  return parseUri(request.uri);
}
