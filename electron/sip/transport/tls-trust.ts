/**
 * Which certificates the TLS connections we open accept (issue "Secure
 * calls" §1): the operating system's trusted CAs together with Node's
 * bundled Mozilla list, plus, per server name, CAs the user added (an
 * account's CA file) or pinned certificate fingerprints ("Trust this
 * certificate for this account"). Keyed by the name we verify (RFC 5922:
 * the SIP domain, or the proxy's host or IP literal), lower-cased.
 *
 * The system store is read once, when the first TLS connection needs it
 * (`tls.getCACertificates('system')`, Node ≥ 22.15); older Node falls back
 * to the bundled list alone.
 */
import type * as tls from 'node:tls';

/** node:tls on first use (stream-transport.ts says why). */
const nodeTls = (): typeof tls => process.getBuiltinModule('node:tls');

export interface ServerTrustSettings {
  /** Extra CA certificates (PEM text) for this server. */
  ca?: readonly string[];
  /** SHA-256 fingerprints (any case, colons optional) of the only certificates accepted. */
  pins?: readonly string[];
}

export interface TlsTrustOptions {
  /** CAs trusted for every server, beside the system's (tests: their own CA). */
  extraCa?: readonly string[];
  /** Leave the system and bundled CAs out (tests that must not trust anything else). */
  onlyExtraCa?: boolean;
}

let defaultRoots: readonly string[] | undefined;

/** System CAs + Node's bundled roots, read once. */
export function systemCaCertificates(): readonly string[] {
  if (defaultRoots) return defaultRoots;
  const module = nodeTls();
  const get = (module as { getCACertificates?: (type?: string) => string[] }).getCACertificates;
  const roots = new Set<string>(module.rootCertificates);
  if (typeof get === 'function') {
    for (const type of ['bundled', 'system', 'extra']) {
      try {
        for (const c of get(type)) roots.add(c);
      } catch {
        // A store this platform cannot read: the others still count.
      }
    }
  }
  defaultRoots = [...roots];
  return defaultRoots;
}

export function canonicalPin(text: string): string {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error(`not a SHA-256 fingerprint: ${text}`);
  return hex.replace(/(..)(?!$)/g, '$1:');
}

export class TlsTrust {
  readonly #extra: readonly string[];
  readonly #onlyExtra: boolean;
  readonly #servers = new Map<string, { ca: string[]; pins: string[] }>();
  /** For every server without settings of its own (setEveryServer). */
  #every: { ca: string[]; pins: string[] } | undefined;
  /** One OpenSSL context per server name: parsing ≈ 150 roots costs milliseconds, not for every connection. */
  readonly #contexts = new Map<string, tls.SecureContext>();

  constructor(options: TlsTrustOptions = {}) {
    this.#extra = [...(options.extraCa ?? [])];
    this.#onlyExtra = options.onlyExtraCa ?? false;
  }

  /** Sets (or with undefined, clears) what is trusted for one server name. */
  setServer(serverName: string, settings: ServerTrustSettings | undefined): void {
    const key = keyOf(serverName);
    this.#contexts.delete(key);
    if (!settings || ((settings.ca?.length ?? 0) === 0 && (settings.pins?.length ?? 0) === 0)) {
      this.#servers.delete(key);
      return;
    }
    this.#servers.set(key, { ca: [...(settings.ca ?? [])], pins: (settings.pins ?? []).map(canonicalPin) });
  }

  /**
   * Sets (or with undefined, clears) what is trusted for every server that
   * has no settings of its own: a phone whose calls go straight to their
   * peers (no server of its own) names no server in advance.
   */
  setEveryServer(settings: ServerTrustSettings | undefined): void {
    this.#contexts.clear();
    const empty = !settings || ((settings.ca?.length ?? 0) === 0 && (settings.pins?.length ?? 0) === 0);
    this.#every = empty ? undefined : { ca: [...(settings.ca ?? [])], pins: (settings.pins ?? []).map(canonicalPin) };
  }

  /** CAs for a connection to this server (handed to OpenSSL) and the pins checked after it. */
  forServer(serverName: string): { ca: string[]; pins: string[] } {
    const own = this.#servers.get(keyOf(serverName)) ?? this.#every;
    const base = this.#onlyExtra ? [] : systemCaCertificates();
    return { ca: [...base, ...this.#extra, ...(own?.ca ?? [])], pins: own?.pins ?? [] };
  }

  /** Pinned fingerprints for this server ([] = none: the CAs and the name decide). */
  pinsFor(serverName: string): readonly string[] {
    return (this.#servers.get(keyOf(serverName)) ?? this.#every)?.pins ?? [];
  }

  /** The TLS context for a connection to this server (client certificate and key, when given, are ours). */
  secureContext(serverName: string, client?: { cert?: tls.SecureContextOptions['cert']; key?: tls.SecureContextOptions['key'] }): tls.SecureContext {
    const key = keyOf(serverName);
    const cached = client?.cert === undefined ? this.#contexts.get(key) : undefined;
    if (cached) return cached;
    const context = nodeTls().createSecureContext({ ca: this.forServer(serverName).ca, cert: client?.cert, key: client?.key, minVersion: 'TLSv1.2' });
    if (client?.cert === undefined) this.#contexts.set(key, context);
    return context;
  }
}

function keyOf(name: string): string {
  return name.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}
