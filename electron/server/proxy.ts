/**
 * The proxy core (RFC 3261 §16) and the redirect server (§8.3, 302 with the
 * callee's contacts), over the registrar's location table:
 *
 *   request ─▶ §16.3 checks (483, 482, 420) ─▶ §16.4 our Route values off
 *     ─▶ who may send it (no open relay):
 *          to our domain from elsewhere ............ anyone (calls from the world)
 *          from one of our users / to another domain  digest, 407; the
 *                                                     authenticated user must own From
 *          in a dialog we record-routed ............ anyone (the Route proves it)
 *          to another domain from a stranger ....... 403
 *     ─▶ §16.5 targets: remaining Route ▸ its host; our user (any alias) ▸ every
 *          binding, over the flow it registered on (404 unknown, 480 none);
 *          another domain ▸ RFC 3263 (NAPTR/SRV/A) — the trapezoid
 *     ─▶ §16.6 one copy per target: Request-URI, Max-Forwards - 1, Record-Route
 *          (two when the transports differ, RFC 5658), History-Info (RFC 7044)
 *          naming the alias that was called, our Via with the loop hash
 *     ─▶ ResponseContext: parallel forking, best response, CANCEL
 *
 * Redirect mode answers requests for our users with 302 and never forwards
 * them; what it still forwards is what a phone using it as its outbound proxy
 * sends after following the 302 (the Request-URI is one of our phones'
 * registered contacts) and requests inside those dialogs.
 *
 * ACK for a 2xx is forwarded statelessly (§16.11): it belongs to no
 * transaction. The callee learns which alias was dialled from To (never
 * changed by proxies, §16.6) and History-Info.
 */
import { isIP } from 'node:net';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { DnsError, type SipServerLocator } from '../sip/dns/index.ts';
import {
  SipRequest, formatUri, fromOf, parseNameAddr, parseUri, toOf, type SipUri,
} from '../sip/message/index.ts';
import type { InviteServerTransaction, NonInviteServerTransaction, ServerTransaction, TransactionLayer } from '../sip/transaction/index.ts';
import type { IncomingMessage, SendTarget } from '../sip/transport/index.ts';
import type { CallWatch } from './call-watch.ts';
import type { DigestGate } from './digest-gate.ts';
import { localResponse } from './local-response.ts';
import { bindingUri, type Binding, type LocationTable } from './location-table.ts';
import { BRANCH_PREFIX, isLoop, loopHash, maxForwards, preprocessRoute, unsupportedProxyRequire } from './request-validation.ts';
import { ResponseContext, type BranchSpec } from './response-context.ts';
import type { ServerIdentity } from './server-identity.ts';
import type { ServerStats } from './server-stats.ts';
import type { SourceGuard } from './source-guard.ts';
import type { SubscriberDirectory } from './subscriber-directory.ts';

export interface ProxyOptions {
  layer: TransactionLayer;
  identity: ServerIdentity;
  directory: SubscriberDirectory;
  location: LocationTable;
  gate: DigestGate;
  locator: SipServerLocator;
  guard: SourceGuard;
  stats: ServerStats;
  logger: Logger;
  clock: Clock;
  /** The calls going through, as the proxy sees them. */
  calls: CallWatch;
  /** Timer C of RFC 3261 §16.8 (default 181 s). */
  timerCMs?: number;
  /** Redirect server: answer 302 with the contacts instead of forwarding. */
  redirect?: boolean;
}

/** Methods that create dialogs: the proxy record-routes them so it stays on the path (§16.6 step 4). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export class Proxy {
  readonly #o: ProxyOptions;
  readonly #contexts = new Map<ServerTransaction, ResponseContext>();

  constructor(options: ProxyOptions) {
    this.#o = options;
  }

  /** Requests in progress (for the UI's "calls going through"). */
  get activeTransactions(): number {
    return this.#contexts.size;
  }

  handleRequest(request: SipRequest, tx: ServerTransaction, incoming: IncomingMessage): void {
    const o = this.#o;
    const answer = (status: number, reason?: string) => tx.respond(localResponse(request, status, reason));

    // §16.3 step 3 and 4.
    const mf = maxForwards(request);
    if (mf < 0) return answer(400, 'Bad Request (Max-Forwards)');
    const hash = loopHash(request);
    if (isLoop(request, hash, o.identity)) {
      o.stats.loops++;
      return answer(482, 'Loop Detected');
    }
    const unsupported = unsupportedProxyRequire(request);
    if (unsupported.length > 0) {
      const r = localResponse(request, 420, 'Bad Extension');
      r.headers.append('Unsupported', unsupported.join(', '));
      return tx.respond(r);
    }
    // §16.4.
    const { routedToUs } = preprocessRoute(request, o.identity);
    const ruri = parseUri(request.uri);
    const hasRoute = request.headers.has('Route');
    const forUs = !hasRoute && o.identity.isOwn(ruri) && ruri.user === undefined;
    if (forUs) {
      if (request.method === 'OPTIONS') {
        const r = localResponse(request, 200);
        r.headers.append('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE');
        return tx.respond(r);
      }
      return answer(404, 'Not Found (no user in the address)');
    }
    if (mf === 0) {
      o.stats.tooManyHops++;
      return answer(483, 'Too Many Hops');
    }

    // Who may send it.
    const inDialog = toOf(request).params.has('tag');
    // sip:user@our-domain, or sip:user@our-address:our-port (phones configured with the server's IP).
    const targetOurs = !hasRoute && ruri.scheme !== 'tel' && (o.directory.isOurDomain(ruri.host) || (o.identity.isOwn(ruri) && !this.#isOwnContact(ruri)));
    const from = fromOf(request).uri;
    const fromOurs = o.directory.isOurDomain(from.host);
    // A request straight to one of our phones' registered contacts is delivered like one to its user.
    const toOurPhone = !hasRoute && this.#isOwnContact(ruri);
    if (!(inDialog && routedToUs)) {
      if (!targetOurs && !fromOurs && !toOurPhone) return answer(403, `Forbidden (this server does not relay for other domains; it serves ${o.directory.domain})`);
      if (fromOurs || (!targetOurs && !toOurPhone)) {
        const auth = o.gate.verify(request, 407);
        if (!auth.ok) {
          if (auth.reason !== 'missing' && auth.reason !== 'stale-nonce' && auth.reason !== 'unknown-nonce') {
            o.stats.authFailures++;
            o.guard.authFailed(incoming.source.address);
          }
          return tx.respond(o.gate.challenge(request, 407, auth.reason === 'stale-nonce'));
        }
        o.guard.authSucceeded(incoming.source.address);
        const caller = auth.subscriber;
        if (fromOurs && o.directory.byUser(from.user) !== caller) {
          return answer(403, `Forbidden (${caller.username} may not call as ${from.user ?? 'anonymous'})`);
        }
      }
    }

    if (inDialog && request.method === 'BYE') o.calls.ended(request.headers.get('Call-ID') ?? '');
    const mfHeader = String(mf - 1);
    if (targetOurs && !(inDialog && routedToUs && this.#isOwnContact(ruri))) {
      const callee = o.directory.byUser(ruri.user);
      if (!callee) return answer(404, `Not Found (${ruri.user ?? ''} is not a user of ${o.directory.domain})`);
      const bindings = o.location.lookup(callee.aor);
      if (bindings.length === 0) return answer(480, `Temporarily Unavailable (${callee.username} is not registered right now)`);
      if (o.redirect && !inDialog) {
        // A redirect server keeps no presence or message-summary state: sending a phone's
        // PUBLISH or SUBSCRIBE back to the phones of the same user would make no sense.
        if (request.method === 'PUBLISH' || request.method === 'SUBSCRIBE') {
          const refusal = localResponse(request, 405, 'Method Not Allowed (a redirect server keeps no event state)');
          refusal.headers.set('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, REGISTER');
          return tx.respond(refusal);
        }
        return this.#redirect(request, tx, bindings);
      }
      this.#trying(request, tx);
      const specs = bindings.map((b) => {
        const uri = bindingUri(b);
        return this.#branchFor(request, incoming, inDialog, hash, mfHeader, uri, this.#flowOf(b, uri), inDialog ? undefined : request.uri);
      });
      this.#fork(tx, specs, inDialog);
      return;
    }
    // A redirect server that is also its phones' outbound proxy sees the INVITE that follows its own 302
    // (§8.1.3.4: the new request keeps the route set): that one goes on to the phone, like in-dialog requests.
    if (o.redirect && !inDialog && !toOurPhone) return answer(404, `Not Found (this redirect server only knows ${o.directory.domain})`);
    // A Route to follow, a phone's contact in a dialog, or another domain (RFC 3263).
    this.#trying(request, tx);
    void this.#targetsFor(request, ruri).then(
      (targets) => {
        if (targets.length === 0) return answer(404, `Not Found (no SIP server found for ${this.#nextHopUri(request, ruri).host})`);
        this.#fork(tx, [this.#branchFor(request, incoming, inDialog, hash, mfHeader, undefined, targets, undefined)], inDialog);
      },
      (err: unknown) => {
        o.logger.info('no next hop', { uri: request.uri, error: String(err) });
        answer(err instanceof DnsError ? 504 : 404, err instanceof DnsError ? 'Server Time-out (DNS lookup of the next hop failed)' : 'Not Found');
      },
    );
  }

  /** §16.10: CANCEL for a request we are forwarding. */
  handleCancel(cancel: SipRequest, tx: NonInviteServerTransaction): void {
    const invite = this.#o.layer.findInviteForCancel(cancel);
    const context = invite ? this.#contexts.get(invite) : undefined;
    if (!invite && this.#o.layer.inviteAccepted(cancel)) {
      // §9.2: the INVITE was answered 2xx (its transaction is a record now); the CANCEL changes nothing.
      tx.respond(localResponse(cancel, 200));
      return;
    }
    if (!invite || !context) {
      tx.respond(localResponse(cancel, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    tx.respond(localResponse(cancel, 200));
    context.cancel();
  }

  /** §16.11: an ACK for a 2xx goes on statelessly, by Route or Request-URI. */
  handleAck(ack: SipRequest, incoming: IncomingMessage): void {
    const o = this.#o;
    try {
      const mf = maxForwards(ack);
      if (mf <= 0) return;
      const { routedToUs } = preprocessRoute(ack, o.identity);
      const ruri = parseUri(ack.uri);
      // Only ACKs within dialogs we are on, or to our own users' contacts: never an open relay for ACKs.
      if (!routedToUs && !this.#isOwnContact(ruri) && !ack.headers.has('Route')) return;
      ack.headers.set('Max-Forwards', String(mf - 1));
      void this.#targetsFor(ack, ruri).then((targets) => {
        const target = targets[0];
        if (!target) return;
        ack.headers.prepend('Via', `SIP/2.0/UDP 0.0.0.0;branch=${BRANCH_PREFIX}${loopHash(ack)}a${Math.random().toString(36).slice(2, 10)}`);
        o.stats.forwarded++;
        o.layer.sendAck(ack, target).catch((err: unknown) => o.logger.info('ACK not forwarded', { error: String(err) }));
      }, () => {});
    } catch (err) {
      o.logger.info('ACK dropped', { error: String(err), source: incoming.source.address });
    }
  }

  #trying(request: SipRequest, tx: ServerTransaction): void {
    // §16.2: a stateful proxy sends 100 for an INVITE at once, so the caller stops retransmitting.
    if (request.method === 'INVITE') tx.respond(localResponse(request, 100, 'Trying'));
  }

  #redirect(request: SipRequest, tx: ServerTransaction, bindings: readonly Binding[]): void {
    const r = localResponse(request, 302, 'Moved Temporarily');
    for (const b of bindings) r.headers.append('Contact', `<${b.contact}>${b.q !== 1 ? `;q=${b.q}` : ''}`);
    this.#o.stats.redirects++;
    tx.respond(r);
  }

  #fork(tx: ServerTransaction, specs: BranchSpec[], inDialog: boolean): void {
    const request = tx.request;
    const callId = request.headers.get('Call-ID') ?? '';
    const watched = request.method === 'INVITE' && !inDialog;
    if (watched) this.#o.calls.ringing(callId, addressOf(fromOf(request).uri), addressOf(toOf(request).uri));
    const context = new ResponseContext({
      server: tx as InviteServerTransaction | NonInviteServerTransaction,
      layer: this.#o.layer,
      logger: this.#o.logger,
      clock: this.#o.clock,
      timerCMs: this.#o.timerCMs,
      ...(watched ? { onFinal: (status: number) => this.#o.calls.answered(callId, status) } : {}),
      onDone: () => this.#contexts.delete(tx),
    });
    this.#contexts.set(tx, context);
    this.#o.stats.forwarded += specs.length;
    context.fork(specs);
  }

  /** §16.6 steps 1–8 for one target. `retargetedFrom`: the address that was called, for History-Info. */
  #branchFor(request: SipRequest, incoming: IncomingMessage, inDialog: boolean, hash: string, mf: string, uri: SipUri | undefined, targets: readonly SendTarget[], retargetedFrom: string | undefined): BranchSpec {
    const copy = new SipRequest(request.method, uri ? formatUri(uri) : request.uri, request.headers.clone(), request.body);
    copy.headers.set('Max-Forwards', mf);
    if (DIALOG_CREATING.has(request.method) && !inDialog) {
      const inRr = this.#o.identity.recordRoute(incoming.source.protocol);
      const outRr = this.#o.identity.recordRoute(targets[0]?.protocol ?? incoming.source.protocol);
      if (inRr) copy.headers.prepend('Record-Route', inRr);
      if (outRr && outRr !== inRr) copy.headers.prepend('Record-Route', outRr);
    }
    if (retargetedFrom !== undefined && uri !== undefined && !copy.headers.has('History-Info')) {
      // RFC 7044 §10.1: the target as called (index 1), then the registered contact it was retargeted to (rc).
      copy.headers.append('History-Info', `<${retargetedFrom}>;index=1`);
      copy.headers.append('History-Info', `<${formatUri(uri)}>;index=1.1;rc=1`);
    }
    copy.headers.prepend('Via', `SIP/2.0/UDP 0.0.0.0;branch=${BRANCH_PREFIX}${hash}.${Math.random().toString(36).slice(2, 12)}`);
    return { request: copy, targets };
  }

  /**
   * How to reach a binding. RFC 5626 flows (instance + reg-id) and TCP/TLS phones go back over the
   * connection they registered on (§5.3: the phone may not accept new connections); a UDP phone at its
   * Contact, unless that Contact names a private address other than the packet's source (a phone behind
   * NAT that does not know its public address): then where the REGISTER came from.
   */
  #flowOf(b: Binding, uri = bindingUri(b)): SendTarget[] {
    const s = b.source;
    const flow = b.instance !== undefined && b.regId !== undefined;
    if (s.protocol !== 'udp' && b.connectionId !== undefined) return [{ protocol: s.protocol, address: s.address, port: s.port, connectionId: b.connectionId }];
    if (s.protocol === 'udp' && (flow || (isPrivate(uri.host) && uri.host !== s.address) || isIP(uri.host) === 0)) {
      return [{ protocol: 'udp', address: s.address, port: s.port }];
    }
    const transport = (uri.params.get('transport') ?? s.protocol).toLowerCase();
    const protocol = transport === 'tcp' || transport === 'tls' ? transport : 'udp';
    return isIP(uri.host) ? [{ protocol, address: uri.host, port: uri.port ?? (protocol === 'tls' ? 5061 : 5060) }] : [{ protocol: s.protocol, address: s.address, port: s.port }];
  }

  #isOwnContact(uri: SipUri): boolean {
    return this.#o.location.findByContact(uri) !== undefined;
  }

  #nextHopUri(request: SipRequest, ruri: SipUri): SipUri {
    const route = request.headers.get('Route');
    return route !== undefined ? parseNameAddr(route, 'Route').uri : ruri;
  }

  /** Where a request goes next: a phone we know (by its flow), else RFC 3263 on the top Route or the Request-URI. */
  async #targetsFor(request: SipRequest, ruri: SipUri): Promise<SendTarget[]> {
    const next = this.#nextHopUri(request, ruri);
    if (!request.headers.has('Route')) {
      const b = this.#o.location.findByContact(ruri);
      if (b) return this.#flowOf(b);
    }
    if (next.scheme === 'tel') return [];
    const found = await this.#o.locator.locate(next);
    return found.map((t) => ({ protocol: t.protocol, address: t.address, port: t.port, serverName: t.serverName }));
  }
}

/** RFC 1918, RFC 6598 (CGNAT) and IPv6 unique-local addresses: where a phone behind NAT thinks it is. */
function isPrivate(host: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(host) || /^f[cd][0-9a-f]{2}:/i.test(host);
}

/** sip:user@host, without the parameters: how the Settings pane names the parties. */
function addressOf(uri: SipUri): string {
  return `${uri.scheme}:${uri.user !== undefined ? `${uri.user}@` : ''}${uri.host}`;
}
