/**
 * Test world for the UA core: UserAgents and scripted SIP servers joined by
 * the in-memory FakeNetwork on a FakeClock, and a media hook with fixed SDP.
 */
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { FakeNetwork, flush } from '../../../helpers/fake-transport.ts';
import type { FakeTransport } from '../../../helpers/fake-transport.ts';
import { createLogger } from '../../../../electron/common/logger.ts';
import type { LogRecord } from '../../../../electron/common/logger.ts';
import { createDigestChallenge, verifyDigest } from '../../../../electron/sip/auth/digest-verifier.ts';
import { createResponse } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { ServerTransaction } from '../../../../electron/sip/transaction/transaction-layer.ts';
import { UserAgent } from '../../../../electron/sip/ua/user-agent.ts';
import type { UserAgentOptions } from '../../../../electron/sip/ua/user-agent.ts';
import type { MediaHook, MediaHookFactory, MediaCallInfo } from '../../../../electron/sip/ua/media-hook.ts';

export { flush };

export const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
export const ANSWER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

export interface MediaLog {
  factory: MediaHookFactory;
  calls: MediaCallInfo[];
  offers: { hold: boolean }[];
  offersAnswered: string[];
  answersSet: string[];
  rejectedOffers: number;
  closed: number;
  /** Make answerOffer refuse (no common codec). */
  refuse: boolean;
}

export function fixedMedia(): MediaLog {
  const log: MediaLog = {
    calls: [], offers: [], offersAnswered: [], answersSet: [], rejectedOffers: 0, closed: 0, refuse: false,
    factory: (info) => {
      log.calls.push(info);
      const hook: MediaHook = {
        createOffer: async (o) => {
          log.offers.push({ hold: o?.hold ?? false });
          return o?.hold ? OFFER.replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n') : OFFER;
        },
        answerOffer: async (offer) => {
          log.offersAnswered.push(offer);
          return log.refuse ? { reject: 488 } : { answer: ANSWER };
        },
        setAnswer: async (answer) => {
          log.answersSet.push(answer);
        },
        offerRejected: () => {
          log.rejectedOffers++;
        },
        close: () => {
          log.closed++;
        },
      };
      return hook;
    },
  };
  return log;
}

/** A scripted SIP server (registrar, proxy, redirect server...): `handle` answers each new request. */
export class FakeServer {
  readonly transport: FakeTransport;
  readonly layer: TransactionLayer;
  readonly requests: SipRequest[] = [];
  handle: (request: SipRequest, tx: ServerTransaction) => void = (r, tx) => tx.respond(createResponse(r, 200, 'OK'));

  constructor(w: World, address: string, port: number) {
    this.transport = w.network.endpoint(address, port);
    this.layer = new TransactionLayer({ transport: this.transport, clock: w.clock, autoTrying: false });
    this.layer.setUser({
      onRequest: (request, tx) => {
        this.requests.push(request);
        this.handle(request, tx);
      },
      onAck: () => {},
      onStrayResponse: () => {},
    });
  }

  of(method: string): SipRequest[] {
    return this.requests.filter((r) => r.method === method);
  }
}

export interface RegistrarOptions {
  realm?: string;
  users?: Record<string, string>;
  /** Seconds granted for the requested value (default: as asked). */
  grant?: (requested: number) => number;
  /** Other bindings to list in the 2xx. */
  others?: string[];
  /** Return a response to short-circuit (e.g. 423, 503). */
  before?: (request: SipRequest) => SipResponse | undefined;
  /** Answer as an RFC 5626 registrar: Require: outbound when the UA's REGISTER supports it. */
  outbound?: boolean;
  /** A Flow-Timer (s) in every 2xx (RFC 5626 §5.4). */
  flowTimer?: number;
}

/** A digest-protected registrar answering REGISTER like Kamailio's registrar does. */
export function registrar(server: FakeServer, opts: RegistrarOptions = {}): { nonces: string[] } {
  const realm = opts.realm ?? 'sipA.test';
  const users = opts.users ?? { johndoe: 'secret' };
  const state = { nonces: [] as string[], seen: new Map<string, number>() };
  server.handle = (request, tx) => {
    if (request.method !== 'REGISTER') {
      tx.respond(createResponse(request, 405, 'Method Not Allowed'));
      return;
    }
    const early = opts.before?.(request);
    if (early) {
      tx.respond(early);
      return;
    }
    const auth = request.headers.get('Authorization');
    const verdict = auth
      ? verifyDigest(auth, {
          method: 'REGISTER',
          realm,
          lookup: (u) => (users[u] !== undefined ? { password: users[u]! } : undefined),
          checkNonce: (nonce, nc) => {
            if (!state.nonces.includes(nonce)) return 'unknown';
            const last = state.seen.get(nonce) ?? 0;
            if (nc !== undefined && nc <= last) return 'unknown';
            if (nc !== undefined) state.seen.set(nonce, nc);
            return 'ok';
          },
        })
      : undefined;
    if (!verdict?.ok) {
      const nonce = `n${state.nonces.length + 1}`;
      state.nonces.push(nonce);
      const r = createResponse(request, 401, 'Unauthorized');
      r.headers.set('To', `${request.headers.get('To')};tag=reg`);
      r.headers.append('WWW-Authenticate', createDigestChallenge({ realm, nonce }));
      tx.respond(r);
      return;
    }
    const requested = Number(request.headers.get('Expires') ?? '3600');
    const granted = opts.grant ? opts.grant(requested) : requested;
    const r = createResponse(request, 200, 'OK');
    r.headers.set('To', `${request.headers.get('To')};tag=reg`);
    const contact = request.headers.get('Contact');
    if (contact && contact !== '*' && requested > 0) r.headers.append('Contact', contact.replace(/;expires=\d+/, '') + `;expires=${granted}`);
    for (const o of opts.others ?? []) r.headers.append('Contact', o);
    if (opts.outbound && /outbound/.test(request.headers.getAll('Supported').join(','))) r.headers.set('Require', 'outbound');
    if (opts.flowTimer !== undefined) r.headers.set('Flow-Timer', String(opts.flowTimer));
    tx.respond(r);
  };
  return state;
}

export interface World {
  clock: FakeClock;
  network: FakeNetwork;
  logs: LogRecord[];
  /** A UA on the in-memory network; its registrars are off-link (a router between: keep-alives kept) unless `onLink` says otherwise. */
  ua(address: string, port: number, options?: Partial<UserAgentOptions>): UserAgent;
  server(address: string, port: number): FakeServer;
  /** Lets deliveries and promise chains run (several rounds). */
  settle(rounds?: number): Promise<void>;
  /** Advances the clock in steps, settling in between. */
  run(ms: number, step?: number): Promise<void>;
}

export function world(): World {
  const clock = new FakeClock();
  const network = new FakeNetwork({ clock });
  const logs: LogRecord[] = [];
  const logger = createLogger((r) => logs.push(r), 'test');
  const w: World = {
    clock,
    network,
    logs,
    ua: (address, port, options = {}) =>
      new UserAgent({ transport: network.endpoint(address, port), clock, logger, random: () => 0, autoTrying: false, onLink: () => false, ...options }),
    server: (address, port) => new FakeServer(w, address, port),
    settle: async (rounds = 10) => {
      for (let i = 0; i < rounds; i++) await flush(2);
    },
    run: async (ms, step = 500) => {
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        await flush(3);
      }
    },
  };
  return w;
}
