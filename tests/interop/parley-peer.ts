/**
 * A Parley UserAgent on real loopback sockets for the interop tests: UDP
 * (IPv4, optionally IPv6), TCP and TLS listeners on free ports, a media hook
 * with fixed PCMU SDP (SDP stays opaque to the SIP layer), the redacted trace
 * and every incoming call collected, and a bounded `until` to wait on.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserAgent } from '../../electron/sip/ua/user-agent.ts';
import type { UserAgentOptions } from '../../electron/sip/ua/user-agent.ts';
import type { IncomingCall } from '../../electron/sip/ua/incoming-call.ts';
import type { MediaHookFactory } from '../../electron/sip/ua/media-hook.ts';
import type { SipTraceEntry } from '../../electron/sip/ua/sip-trace.ts';
import type { RegistrationChange } from '../../electron/sip/ua/registration.ts';
import type { Endpoint } from '../../electron/sip/transport/transport.ts';
import type { ListenOptions } from '../../electron/sip/transport/transport-layer.ts';

const tlsDir = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
export const testCa = () => readFileSync(`${tlsDir}ca.pem`);
export const serverTls = () => ({ key: readFileSync(`${tlsDir}server.key`), cert: readFileSync(`${tlsDir}server.pem`) });

let mediaPort = 40_000;

/** PCMU offers/answers; an offer without PCMU (payload 0) gets 488. */
export function pcmuMedia(address = '127.0.0.1', log?: { answers: string[]; offers: string[] }): MediaHookFactory {
  return () => {
    const port = (mediaPort += 2);
    const ip = address.includes(':') ? `IP6 ${address}` : `IP4 ${address}`;
    const sdp = (dir: string) => `v=0\r\no=parley ${port} 1 IN ${ip}\r\ns=-\r\nc=IN ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=${dir}\r\n`;
    return {
      createOffer: async (o) => sdp(o?.hold ? 'sendonly' : 'sendrecv'),
      answerOffer: async (offer) => {
        log?.offers.push(offer);
        return /^m=audio \d+ RTP\/AVP( \d+)* 0\b/m.test(offer) ? { answer: sdp('sendrecv') } : { reject: 488 };
      },
      setAnswer: async (answer) => {
        log?.answers.push(answer);
        if (!/^m=audio /m.test(answer)) throw new Error('no audio in answer');
      },
    };
  };
}

export interface ParleyPeer {
  ua: UserAgent;
  endpoints: { udp?: Endpoint; tcp?: Endpoint; udp6?: Endpoint; tls?: Endpoint };
  trace: SipTraceEntry[];
  incoming: IncomingCall[];
  registrations: RegistrationChange[];
  /** Trace entries whose first line matches. */
  sent(summary: RegExp): SipTraceEntry[];
  received(summary: RegExp): SipTraceEntry[];
  close(): Promise<void>;
}

export interface PeerOptions {
  udp?: boolean;
  tcp?: boolean;
  udp6?: boolean;
  tls?: boolean;
  options?: Partial<UserAgentOptions>;
}

export async function startParley(opts: PeerOptions = {}): Promise<ParleyPeer> {
  const listen: (ListenOptions & { key: 'udp' | 'tcp' | 'udp6' | 'tls' })[] = [];
  if (opts.udp ?? true) listen.push({ key: 'udp', protocol: 'udp', address: '127.0.0.1', port: 0 });
  if (opts.tcp) listen.push({ key: 'tcp', protocol: 'tcp', address: '127.0.0.1', port: 0 });
  if (opts.udp6) listen.push({ key: 'udp6', protocol: 'udp', address: '::1', port: 0 });
  if (opts.tls) listen.push({ key: 'tls', protocol: 'tls', address: '127.0.0.1', port: 0, tls: serverTls() });
  const ua = new UserAgent({
    listen,
    media: pcmuMedia(),
    transportOptions: opts.tls ? { tlsClient: { ca: testCa() } } : undefined,
    ...opts.options,
  });
  const peer: ParleyPeer = {
    ua,
    endpoints: {},
    trace: [],
    incoming: [],
    registrations: [],
    sent: (re) => peer.trace.filter((t) => t.direction === 'out' && re.test(t.summary)),
    received: (re) => peer.trace.filter((t) => t.direction === 'in' && re.test(t.summary)),
    close: async () => {
      await ua.close();
    },
  };
  ua.on('trace', (t) => peer.trace.push(t));
  ua.on('incomingCall', (c) => peer.incoming.push(c));
  ua.on('registration', (r) => peer.registrations.push(r));
  const bound = await ua.start();
  listen.forEach((l, i) => (peer.endpoints[l.key] = bound[i]));
  return peer;
}

/** Polls `probe` every 20 ms until it returns something truthy; rejects after `timeoutMs`. */
export async function until<T>(probe: () => T | undefined | false | null, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}
