/**
 * One event publication (RFC 3903): our state for one package (presence)
 * kept at the account's presence server. The first PUBLISH carries the
 * document and gets a SIP-ETag; a refresh carries SIP-If-Match and no body
 * (§4.3), a change carries SIP-If-Match and the new document (§4.4), the
 * removal Expires: 0 (§4.5). 412 (the server lost our entity tag) starts
 * over with the whole document; 423 asks again with Min-Expires.
 *
 *              publish(doc)                 2xx (SIP-ETag, Expires)
 *   idle ───────────────────▶ publishing ───────────────────────────▶ published
 *    ▲                          │  ▲  ▲ 412 (start over)                 │  │
 *    │                          │  │  └──────────────────────────────────┘  │ refresh timer,
 *    │               failure    ▼  │ back-off timer                          │ publish(newer doc)
 *    │                        failed                                        ▼
 *    │                                                                  publishing
 *    └──── remove(): removing (Expires: 0 with SIP-If-Match) ◀── any state
 *
 * One PUBLISH is out at a time; a document given meanwhile is sent when the
 * answer is in (only the newest). Every request meets challenges on the one
 * challenged-request path.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { SipUri } from '../message/index.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { UaAccount } from '../ua/account.ts';
import { sendOutsideDialog } from '../ua/challenged-request.ts';
import { parseRetryAfter, refreshDelayMs, retryDelayMs } from '../ua/refresh-policy.ts';
import type { RetryPolicy } from '../ua/refresh-policy.ts';
import { buildRequest } from '../ua/request-builder.ts';
import { statusInWords } from '../ua/status-reason.ts';
import type { UaContext } from '../ua/ua-context.ts';
import { expiresOf, minExpiresOf } from './event-headers.ts';

export type PublicationState = 'idle' | 'publishing' | 'published' | 'failed' | 'removing';

const moves: Record<PublicationState, readonly PublicationState[]> = {
  idle: ['publishing', 'removing'],
  publishing: ['publishing', 'published', 'failed', 'removing', 'idle'],
  published: ['publishing', 'removing'],
  failed: ['publishing', 'removing'],
  removing: ['idle', 'publishing'],
};

export interface PublicationDocument {
  contentType: string;
  body: string;
}

export interface PublicationView {
  state: 'off' | 'publishing' | 'published' | 'failed';
  code?: number;
  reason?: string;
  /** Clock ms at which the server's copy lapses (it is refreshed before). */
  expiresAt?: number;
  retryAt?: number;
}

export interface PublicationOptions {
  /** The package (Event header), e.g. 'presence'. */
  event: string;
  /** Expires asked for, seconds (RFC 3903 §4.1). */
  expires: number;
  retry?: RetryPolicy;
}

const PUBLISH_RETRY: RetryPolicy = { baseMs: 15_000, maxMs: 1_800_000 };
/** Answers after which trying again will not help: the server does not take our publications. */
const FINAL = [403, 404, 405, 415, 489, 501];

export class Publication {
  readonly account: UaAccount;
  readonly options: PublicationOptions;
  #state: PublicationState = 'idle';
  readonly #ctx: UaContext;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onChange: (view: PublicationView) => void;
  readonly #target: SipUri;
  #etag: string | undefined;
  #document: PublicationDocument | undefined;
  /** A newer document than the one in flight. */
  #dirty = false;
  #inFlight = false;
  #timer: TimerHandle | undefined;
  #failures = 0;
  #expires: number;
  #view: PublicationView = { state: 'off' };

  constructor(ctx: UaContext, account: UaAccount, options: PublicationOptions, onChange: (view: PublicationView) => void) {
    this.#ctx = ctx;
    this.#clock = ctx.clock;
    this.#log = ctx.logger.child('publication');
    this.account = account;
    this.options = options;
    this.#onChange = onChange;
    this.#expires = options.expires;
    // RFC 3903 §4.1: the Request-URI is the presentity, our AOR.
    this.#target = { ...account.aor, params: new Map(), headers: new Map() };
  }

  get state(): PublicationState {
    return this.#state;
  }
  get view(): PublicationView {
    return { ...this.#view };
  }
  get etag(): string | undefined {
    return this.#etag;
  }

  /** Publishes `document` (a change when already published). */
  publish(document: PublicationDocument): void {
    this.#document = document;
    this.#dirty = true;
    if (this.#state === 'failed') this.#clear();
    void this.#pump();
  }

  /** Publishes the current document again from scratch (after re-registration or a network change). */
  restart(): void {
    if (!this.#document || this.#state === 'removing') return;
    this.#failures = 0;
    this.#clear();
    this.#dirty = true;
    void this.#pump();
  }

  /** Removes our state from the server (Expires: 0, §4.5); resolves when answered. */
  async remove(): Promise<void> {
    this.#clear();
    this.#document = undefined;
    this.#dirty = false;
    const etag = this.#etag;
    if (this.#state === 'idle' && !etag) return;
    this.#transition('removing');
    this.#etag = undefined;
    if (etag) await this.#send({ etag, expires: 0 }).catch(() => undefined);
    if (this.#state === 'removing') this.#transition('idle');
    this.#setView({ state: 'off' });
  }

  /** Stops the timers without sending anything. */
  dispose(): void {
    this.#clear();
    this.#document = undefined;
  }

  async #pump(): Promise<void> {
    if (this.#inFlight) return;
    while (this.#dirty && this.#document) {
      this.#dirty = false;
      const doc = this.#document;
      this.#transition('publishing');
      if (this.#view.state !== 'publishing' && this.#view.state !== 'published') this.#setView({ state: 'publishing' });
      this.#inFlight = true;
      const result = await this.#send({ etag: this.#etag, expires: this.#expires, doc }).finally(() => {
        this.#inFlight = false;
      });
      if (this.#state !== 'publishing') return;
      if (!this.#handle(result, doc)) return;
    }
  }

  /** Applies a PUBLISH's answer; true to go on with a pending document. */
  #handle(r: { status: number; etag?: string; expires?: number; minExpires?: number; retryAfter?: number; authFailure?: string }, doc: PublicationDocument): boolean {
    if (r.status >= 200 && r.status < 300) {
      this.#failures = 0;
      if (r.etag) this.#etag = r.etag;
      const granted = r.expires ?? this.#expires;
      this.#transition('published');
      this.#clear();
      this.#timer = this.#clock.setTimeout(() => this.#refresh(), refreshDelayMs(granted));
      this.#setView({ state: 'published', expiresAt: this.#clock.now() + granted * 1000 });
      return true;
    }
    if (r.status === 412 && this.#etag) {
      // §6: the entity tag is unknown to the server: publish the whole document again.
      this.#etag = undefined;
      this.#dirty = true;
      return true;
    }
    if (r.status === 423 && r.minExpires !== undefined && r.minExpires > this.#expires) {
      this.#expires = r.minExpires;
      this.#dirty = true;
      return true;
    }
    this.#etag = undefined;
    this.#transition('failed');
    if (r.authFailure) {
      this.#setView({ state: 'failed', code: r.status, reason: r.authFailure });
      return false;
    }
    if (FINAL.includes(r.status)) {
      this.#setView({ state: 'failed', code: r.status, reason: r.status === 405 || r.status === 501 || r.status === 489 ? 'the server does not take presence publications' : statusInWords(r.status) });
      return false;
    }
    this.#failures++;
    const delay = retryDelayMs(this.#failures, r.retryAfter, this.options.retry ?? PUBLISH_RETRY, this.#ctx.random);
    this.#clear();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#state === 'failed' && this.#document === doc) {
        this.#dirty = true;
        void this.#pump();
      }
    }, delay);
    this.#setView({ state: 'failed', code: r.status, reason: statusInWords(r.status), retryAt: this.#clock.now() + delay });
    return false;
  }

  /** §4.3: a refresh is a PUBLISH with SIP-If-Match and no body. */
  #refresh(): void {
    this.#timer = undefined;
    if (this.#state !== 'published' || !this.#etag || !this.#document) return;
    this.#transition('publishing');
    this.#inFlight = true;
    const doc = this.#document;
    void this.#send({ etag: this.#etag, expires: this.#expires })
      .finally(() => {
        this.#inFlight = false;
      })
      .then((r) => {
        if (this.#state !== 'publishing') return;
        if (this.#handle(r, doc)) void this.#pump();
      });
  }

  async #send(o: { etag: string | undefined; expires: number; doc?: PublicationDocument }): Promise<{ status: number; etag?: string; expires?: number; minExpires?: number; retryAfter?: number; authFailure?: string }> {
    const account = this.account;
    let targets;
    try {
      targets = await this.#ctx.resolver.resolve(account.outboundProxy ?? this.#target, account.transport, this.#target);
      if (targets.length === 0) throw new Error('no address');
    } catch (err) {
      this.#log.info('PUBLISH target not resolved', { error: String(err) });
      return { status: 503 };
    }
    const headers: [string, string][] = [['Event', this.options.event], ['Expires', String(o.expires)]];
    if (o.etag) headers.push(['SIP-If-Match', o.etag]);
    const request = buildRequest({
      method: 'PUBLISH',
      requestUri: this.#target,
      from: account.identity(),
      fromTag: randomUUID().slice(0, 8),
      to: { uri: this.#target, params: new Map() },
      callId: randomUUID(),
      cseq: 1,
      routes: account.routeSet(),
      headers,
      ...(o.doc ? { body: { contentType: o.doc.contentType, content: o.doc.body } } : {}),
      userAgent: this.#ctx.userAgent,
    });
    const done = await sendOutsideDialog(this.#ctx.layer, request, targets, account.authenticator);
    const res = done.response;
    const out: { status: number; etag?: string; expires?: number; minExpires?: number; retryAfter?: number; authFailure?: string } = { status: res.status };
    const etag = res.headers.get('SIP-ETag')?.trim();
    if (etag && /^[\x21-\x7e]{1,128}$/.test(etag)) out.etag = etag;
    const expires = expiresOf(res);
    if (expires !== undefined && expires > 0) out.expires = Math.min(expires, 86_400);
    const min = minExpiresOf(res);
    if (min !== undefined) out.minExpires = min;
    const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
    if (retryAfter !== undefined) out.retryAfter = retryAfter;
    if (done.authFailure) out.authFailure = done.authFailure.message;
    return out;
  }

  #transition(to: PublicationState): void {
    assertTransition('Publication', moves, this.#state, to);
    this.#state = to;
  }

  #setView(view: PublicationView): void {
    this.#view = view;
    this.#onChange({ ...view });
  }

  #clear(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
