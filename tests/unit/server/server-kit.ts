/**
 * What the server's unit tests share: a SipServer on loopback (port 0) with
 * johndoe (aliases +554845678901 and 45678901) and alice in a store in a
 * temporary folder, a raw UDP client, and digest answers computed here from
 * the challenge, independently of the server's verifier.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { computeDigestResponse, parseChallenges } from '../../../electron/sip/auth/index.ts';
import type { DigestAlgorithm } from '../../../electron/sip/auth/index.ts';
import { ServerStore, SipServer, type SipServerOptions } from '../../../electron/server/index.ts';
import { RawSipSocket, buildRequest, randomToken, type RawSipMessage } from '../../interop/harness/raw-sip.ts';
import { makeTempDir } from '../../interop/harness/managed-process.ts';

export const DOMAIN = 'sipa.test';

export interface Kit {
  server: SipServer;
  store: ServerStore;
  port: number;
  dir: string;
  client: RawSipSocket;
  /** Restart on the same store file and port. */
  restart(extra?: Partial<SipServerOptions>): Promise<void>;
  close(): Promise<void>;
}

export function seedUsers(store: ServerStore): void {
  store.putSubscriber({ username: 'johndoe', realm: DOMAIN, password: 'secret', aliases: ['+554845678901', '45678901'] });
  store.putSubscriber({ username: 'alice', realm: DOMAIN, password: 'wonder' });
}

export async function startKit(extra: Partial<SipServerOptions> = {}): Promise<Kit> {
  const tmp = makeTempDir('server-unit');
  const file = join(tmp.path, 'server.db');
  let store = new ServerStore(file);
  seedUsers(store);
  let server = new SipServer({ domain: DOMAIN, listen: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }], store, ...extra });
  const [ep] = await server.start();
  const client = await RawSipSocket.open(4);
  const kit: Kit = {
    server, store, port: ep!.port, dir: tmp.path, client,
    async restart(more = {}) {
      await kit.server.close();
      kit.store.close();
      store = new ServerStore(file);
      server = new SipServer({ domain: DOMAIN, listen: [{ protocol: 'udp', address: '127.0.0.1', port: kit.port }], store, ...extra, ...more });
      await server.start();
      kit.server = server;
      kit.store = store;
    },
    async close() {
      await kit.server.close();
      kit.store.close();
      await client.close();
      tmp.remove();
    },
  };
  return kit;
}

export interface DigestUser {
  username: string;
  password: string;
}

/** The Authorization value answering `challenge` (a WWW-/Proxy-Authenticate value). */
export function answerChallenge(challenge: string, user: DigestUser, method: string, uri: string, nc = 1, cnonce = randomToken()): string {
  const [c] = parseChallenges(challenge);
  const p = c!.params;
  const algorithm = (p.get('algorithm') ?? 'MD5') as DigestAlgorithm;
  const realm = p.get('realm')!;
  const nonce = p.get('nonce')!;
  const ncText = nc.toString(16).padStart(8, '0');
  const response = computeDigestResponse({ algorithm, username: user.username, realm, password: user.password, method, uri, nonce, qop: 'auth', nc: ncText, cnonce });
  return `Digest username="${user.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}, qop=auth, nc=${ncText}, cnonce="${cnonce}"`;
}

export interface RegisterSpec {
  user?: string;
  to?: string;
  contacts?: string[];
  expires?: number;
  callId?: string;
  cseq?: number;
  headers?: string[];
}

export function registerRequest(kit: Kit, spec: RegisterSpec): string {
  const user = spec.user ?? 'johndoe';
  const to = spec.to ?? `<sip:${user}@${DOMAIN}>`;
  return buildRequest({
    method: 'REGISTER', uri: `sip:${DOMAIN}`, from: `${to};tag=${randomToken()}`, to,
    callId: spec.callId ?? randomToken(), cseq: spec.cseq ?? 1, viaHostPort: kit.client.hostPort,
    headers: [
      ...(spec.contacts ?? [`<sip:${user}@${kit.client.hostPort}>`]).map((c) => `Contact: ${c}`),
      ...(spec.expires !== undefined ? [`Expires: ${spec.expires}`] : []),
      ...(spec.headers ?? []),
    ],
  });
}

/** REGISTER, answer the 401 with `algorithm`'s challenge, return the final response (and the Authorization used). */
export async function register(kit: Kit, spec: RegisterSpec, user: DigestUser = { username: spec.user ?? 'johndoe', password: 'secret' }, algorithm: 'SHA-256' | 'MD5' = 'SHA-256'): Promise<{ response: RawSipMessage; authorization: string; callId: string }> {
  const callId = spec.callId ?? randomToken();
  const cseq = spec.cseq ?? 1;
  const first = await kit.client.transact(registerRequest(kit, { ...spec, callId, cseq }), kit.port);
  if (!first) throw new Error('no answer to REGISTER');
  if (first.status !== 401) return { response: first, authorization: '', callId };
  const challenge = first.headers.getAll('www-authenticate').find((v) => v.includes(`algorithm=${algorithm}`));
  if (!challenge) throw new Error(`no ${algorithm} challenge in ${first.headers.getAll('www-authenticate').join(' | ')}`);
  const authorization = answerChallenge(challenge, user, 'REGISTER', `sip:${DOMAIN}`);
  const second = await kit.client.transact(registerRequest(kit, { ...spec, callId, cseq: cseq + 1, headers: [...(spec.headers ?? []), `Authorization: ${authorization}`] }), kit.port);
  if (!second) throw new Error('no answer to the authenticated REGISTER');
  return { response: second, authorization, callId };
}

export function randomTag(): string {
  return randomBytes(4).toString('hex');
}
