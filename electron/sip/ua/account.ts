/**
 * One SIP account of the UA (docs/architecture.md §1): an address of record that is
 * REGISTERed (RFC 3261 §10), aliases that reach it too, the identity a call
 * presents (From, and P-Preferred-Identity per RFC 3325 §9.2), where requests
 * go (registrar, outbound proxy as a pre-loaded Route, §8.1.2), and the
 * digest credentials (§22). The password lives only inside the account's
 * authenticator; `config` is a copy without it, safe to log or show.
 */
import { IdentityNotAllowedError } from './ua-errors.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { Credentials } from '../auth/credentials.ts';
import { DigestAuthenticator } from '../auth/digest-authenticator.ts';
import { RealmBinding } from '../auth/realm-binding.ts';
import { formatUri, parseUri } from '../message/index.ts';
import type { NameAddr, SipUri } from '../message/index.ts';
import type { TransportProtocol } from '../transport/transport.ts';

export interface AccountConfig {
  id: string;
  /** The address of record, e.g. "sip:johndoe@sipA.test" ("johndoe@sipA.test" is read as sip:). */
  aor: string;
  /** Further addresses that reach this account, e.g. "sip:+554845678901@sipA.test". */
  aliases?: readonly string[];
  /** Digest user name; default the AOR's user part. */
  authUser?: string;
  /** Kept in memory only (inside the authenticator), never logged or traced. */
  password?: string;
  /**
   * The realms this account's password answers (RFC 3261 §22.1). Default: the
   * realm(s) learned at the first successful registration (`learnedRealms`),
   * else the AOR's domain; any other realm is refused (sip/auth/realm-binding.ts).
   */
  authRealms?: readonly string[];
  /** Realms learned at an earlier first registration (kept by the owner, read back from `realmBinding`). */
  learnedRealms?: readonly string[];
  displayName?: string;
  /** Registrar URI, the REGISTER Request-URI; default the AOR's domain (§10.2.6). */
  registrar?: string;
  /** Every request of the account goes there first (a pre-loaded Route with ;lr, §8.1.2). */
  outboundProxy?: string;
  /** Transport towards the registrar, proxy and targets without a transport of their own; default udp. */
  transport?: TransportProtocol;
  /** Requested binding lifetime in seconds (§10.2.1.1); 0 = this account does not register. Default 3600. */
  registerExpires?: number;
  /** Send P-Preferred-Identity with the chosen identity (RFC 3325 §9.2). */
  usePreferredIdentity?: boolean;
  /** Caller-ID privacy of the account's calls (RFC 3323/3325, outgoing-call.ts); default 'none'. */
  privacy?: 'none' | 'id' | 'header';
  /** RFC 5626 §4.1 instance id ("urn:uuid:..."), sent as +sip.instance in Contact. */
  instanceId?: string;
}

/** The account's settings without the password. */
export type AccountInfo = Omit<AccountConfig, 'password'> & { hasPassword: boolean };

export class UaAccount {
  readonly id: string;
  readonly aor: SipUri;
  /** aor first, then aliases: every address that reaches the account and that it may present. */
  readonly addresses: readonly SipUri[];
  readonly displayName: string | undefined;
  readonly transport: TransportProtocol;
  readonly registrar: SipUri;
  readonly outboundProxy: SipUri | undefined;
  readonly registerExpires: number;
  readonly usePreferredIdentity: boolean;
  readonly privacy: 'none' | 'id' | 'header';
  readonly instanceId: string | undefined;
  readonly authenticator: DigestAuthenticator;
  /** Which realms the password answers; after the first registration it names the registrar's realm. */
  readonly realmBinding: RealmBinding;
  readonly config: AccountInfo;

  constructor(config: AccountConfig, deps: { clock: Clock; logger: Logger }) {
    this.id = config.id;
    this.aor = parseAddress(config.aor);
    if (this.aor.scheme === 'tel' || !this.aor.user) throw new Error(`account ${config.id}: the AOR needs a user part (sip:user@domain)`);
    this.addresses = [this.aor, ...(config.aliases ?? []).map((a) => parseAddress(a, this.aor.host))];
    this.displayName = config.displayName;
    this.transport = config.transport ?? 'udp';
    this.registrar = config.registrar ? parseAddress(config.registrar) : { scheme: this.aor.scheme, host: this.aor.host, params: new Map(), headers: new Map() };
    this.outboundProxy = config.outboundProxy ? withTransport(looseRoute(parseAddress(config.outboundProxy)), this.transport) : undefined;
    this.registerExpires = config.registerExpires ?? 3600;
    this.usePreferredIdentity = config.usePreferredIdentity ?? false;
    this.privacy = config.privacy ?? 'none';
    this.instanceId = config.instanceId;
    const user = config.authUser ?? this.aor.user;
    const secret = { username: user, password: config.password ?? '' };
    this.realmBinding = new RealmBinding({ configured: config.authRealms, learned: config.learnedRealms, domain: this.aor.host });
    const credentials = new Credentials({ default: secret });
    this.authenticator = new DigestAuthenticator({ credentials, realms: this.realmBinding, clock: deps.clock, logger: deps.logger.child('auth') });
    const { password: _omitted, ...rest } = config;
    this.config = { ...rest, aliases: [...(config.aliases ?? [])], hasPassword: config.password !== undefined && config.password !== '' };
  }

  /** The user part our Contact carries: the AOR's user, so proxies and this UA recognize it. */
  get contactUser(): string {
    return this.aor.user ?? '';
  }

  /**
   * The identity a request presents: one of the account's addresses
   * (exact text or same user@host), default the AOR. Anything else is refused:
   * a user may not claim an address the account does not own.
   */
  identity(choice?: string): NameAddr {
    let uri = this.aor;
    if (choice !== undefined && choice !== '') {
      const wanted = parseAddress(choice, this.aor.host);
      const found = this.addresses.find((a) => sameAddress(a, wanted));
      if (!found) throw new IdentityNotAllowedError(`account ${this.id}: ${choice} is not one of its addresses`);
      uri = found;
    }
    return { displayName: this.displayName, uri: { ...uri, params: new Map(uri.params), headers: new Map() }, params: new Map() };
  }

  /** Pre-loaded Route set for out-of-dialog requests (§8.1.2): the outbound proxy, if any. */
  routeSet(): NameAddr[] {
    return this.outboundProxy ? [{ uri: this.outboundProxy, params: new Map() }] : [];
  }

  describe(): string {
    return `${this.id} <${formatUri(this.aor)}>`;
  }
}

/** Parses an address the user typed: "sip:u@h", "u@h" (sip: assumed), or "u" (on `defaultHost`). */
export function parseAddress(text: string, defaultHost?: string): SipUri {
  const t = text.trim();
  if (/^(sips?|tel):/i.test(t)) return parseUri(t);
  if (t.includes('@')) return parseUri(`sip:${t}`);
  if (defaultHost === undefined) return parseUri(`sip:${t}`);
  return parseUri(`sip:${t}@${defaultHost.includes(':') && !defaultHost.startsWith('[') ? `[${defaultHost}]` : defaultHost}`);
}

/** Same user (exact, §19.1.4) and host (case-insensitive); ports and parameters ignored. */
export function sameAddress(a: SipUri, b: SipUri): boolean {
  return (a.user ?? '') === (b.user ?? '') && a.host.toLowerCase() === b.host.toLowerCase();
}

function looseRoute(uri: SipUri): SipUri {
  const params = new Map(uri.params);
  params.set('lr', null);
  return { ...uri, user: undefined, params };
}

/** RFC 3263 §4.1: an explicit transport parameter when the account does not use the default (UDP). */
function withTransport(uri: SipUri, transport: TransportProtocol): SipUri {
  if (transport === 'udp' || uri.params.has('transport') || uri.scheme === 'sips') return uri;
  const params = new Map(uri.params);
  params.set('transport', transport);
  return { ...uri, params };
}
