/** Two UserAgents (alice, bob) on the fake network, each with one account and the fixed-SDP media hook. */
import type { IncomingCall } from '../../../../electron/sip/ua/incoming-call.ts';
import type { UserAgent, UserAgentOptions } from '../../../../electron/sip/ua/user-agent.ts';
import { fixedMedia, world } from './ua-world.ts';
import type { MediaLog, World } from './ua-world.ts';

export interface Phone {
  ua: UserAgent;
  media: MediaLog;
  incoming: IncomingCall[];
  /** The address to dial it at directly. */
  uri: string;
}

export interface TwoPhones {
  w: World;
  alice: Phone;
  bob: Phone;
}

export function phone(w: World, name: string, address: string, port: number, extra: { aliases?: string[]; options?: Partial<UserAgentOptions> } = {}): Phone {
  const media = fixedMedia();
  const ua = w.ua(address, port, { media: media.factory, ...extra.options });
  ua.addAccount({ id: name, aor: `sip:${name}@sipA.test`, aliases: extra.aliases, displayName: name[0]!.toUpperCase() + name.slice(1), registerExpires: 0 });
  const p: Phone = { ua, media, incoming: [], uri: `sip:${name}@${address}:${port}` };
  ua.on('incomingCall', (c) => p.incoming.push(c));
  return p;
}

export function twoPhones(bobExtra: { aliases?: string[] } = {}): TwoPhones {
  const w = world();
  return { w, alice: phone(w, 'alice', '10.0.0.2', 5070), bob: phone(w, 'bob', '10.0.0.3', 5080, bobExtra) };
}
