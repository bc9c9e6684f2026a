/**
 * The Parley SIP server as an interop peer: a SipServer (registrar + proxy,
 * or redirect server) in the test's process on 127.0.0.1, UDP and TCP on one
 * free port, subscribers in a store in a temporary folder. The tests that
 * need the real command run `parley serve` instead (cli.test.ts).
 */
import { join } from 'node:path';
import { ServerStore, SipServer, type SipServerOptions } from '../../../electron/server/index.ts';
import type { TlsServerOptions } from '../../../electron/sip/transport/index.ts';
import { freePort } from '../harness/free-port.ts';
import { makeTempDir } from '../harness/managed-process.ts';

export interface ServerUser {
  username: string;
  password: string;
  aliases?: string[];
}

export interface ServerPeer {
  server: SipServer;
  port: number;
  /** The TLS listener's port, when asked for one. */
  tlsPort?: number;
  domain: string;
  dir: string;
  close(): Promise<void>;
}

export async function startServerPeer(opts: { domain: string; users: readonly ServerUser[]; tls?: TlsServerOptions } & Partial<Omit<SipServerOptions, 'users'>>): Promise<ServerPeer> {
  const { users, tls, ...serverOptions } = opts;
  const tmp = makeTempDir('server-peer');
  const store = new ServerStore(join(tmp.path, 'server.db'));
  for (const u of users) store.putSubscriber({ username: u.username, realm: opts.domain, password: u.password, aliases: u.aliases });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(['udp4', 'tcp4']);
    const tlsPort = tls ? await freePort(['tcp4'], new Set([port])) : undefined;
    const server = new SipServer({
      ...serverOptions,
      domain: opts.domain,
      store,
      listen: [
        { protocol: 'udp', address: '127.0.0.1', port },
        { protocol: 'tcp', address: '127.0.0.1', port },
        ...(tls && tlsPort !== undefined ? [{ protocol: 'tls' as const, address: '127.0.0.1', port: tlsPort, tls }] : []),
      ],
    });
    try {
      await server.start();
    } catch (err) {
      lastError = err;
      await server.close().catch(() => {});
      continue;
    }
    return {
      server, port, tlsPort, domain: opts.domain, dir: tmp.path,
      async close() {
        await server.close();
        store.close();
        tmp.remove();
      },
    };
  }
  store.close();
  tmp.remove();
  throw lastError;
}
