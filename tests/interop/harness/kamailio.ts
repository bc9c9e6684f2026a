/**
 * startKamailio: a real Kamailio 5.6 on loopback as registrar, proxy and
 * redirect server for interop tests. Runs `kamailio -DD -E` (foreground, logs on
 * stderr) in its own process group, so stop() reaches every forked worker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ipv6LoopbackAvailable } from './free-port.ts';
import { kamailioConfig, kamailioTlsConfig, writeKamailioDb } from './kamailio-config.ts';
import type { KamailioAlias, KamailioConfigParams, KamailioUser, RedirectMode } from './kamailio-config.ts';
import { ManagedProcess, groupAlive, makeTempDir, sleep } from './managed-process.ts';
import { httpPost, loopback } from './placement.ts';
import type { Placement } from './placement.ts';
import { RawSipSocket, buildRequest, randomToken } from './raw-sip.ts';

export type { KamailioAlias, KamailioUser, RedirectMode } from './kamailio-config.ts';

export interface KamailioOptions {
  /** SIP domain served (alias= and the digest realm); default "sipA.test". */
  domain?: string;
  users?: readonly KamailioUser[];
  aliases?: readonly KamailioAlias[];
  redirect?: RedirectMode;
  algorithm?: 'MD5' | 'SHA-256';
  /** 'auth' (default) or 'none'; Kamailio 5.6 cannot verify auth-int (see kamailio-config.ts). */
  qop?: 'auth' | 'none';
  authenticateCalls?: boolean;
  /** Assert the authenticated caller's identity (RFC 3325) and honour Privacy (kamailio-config.ts). */
  assertIdentity?: boolean;
  nonceExpire?: number;
  checkNonceCount?: boolean;
  /** Listen on [::1] UDP too (default: when IPv6 loopback works). */
  ipv6?: boolean;
  /** Kamailio log level (default 2 = info). */
  debug?: number;
  readyTimeoutMs?: number;
  /** Where it runs (default: loopback); in a test namespace it listens on the placement's address. */
  placement?: Placement;
  /** Listen on TLS too (a free port, `tlsPort` in the handle) with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Answer STUN Binding requests on the SIP UDP port (the stun module). */
  stun?: boolean;
  /** SIP port (UDP and TCP) to listen on; default a free one. A restart in a namespace passes the port it had. */
  port?: number;
  /** Be a presence server too (presence, presence_xml, presence_dialoginfo, presence_mwi, pua, pua_dialoginfo). */
  presence?: boolean;
  /** Store MESSAGEs for subscribers who are offline and deliver them when they register (msilo). */
  messageStore?: boolean;
  /** Shared memory in MB (-m; default 32): a load benchmark keeps thousands of transactions. */
  sharedMemoryMb?: number;
}

export interface KamailioLocation {
  aor: string;
  contacts: Array<{ contact: string; expires: number; userAgent?: string; received?: string }>;
}

export interface KamailioHandle {
  pid: number;
  /** The address it listens on (127.0.0.1 unless placed in a namespace). */
  host: string;
  udpPort: number;
  tcpPort: number;
  /** The TLS listener's port, when started with `tls`. */
  tlsPort?: number;
  /** [::1] UDP port, when IPv6 loopback is available. */
  udp6Port?: number;
  redirectPort: number;
  domain: string;
  dir: string;
  /** Milliseconds from spawn to the first 200 for the readiness OPTIONS. */
  startupMs: number;
  /** Kamailio's stderr (bounded). */
  logs(): string;
  /** A JSON-RPC call over HTTP on the TCP listener (jsonrpcs + xhttp). */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  /** The usrloc location table (ul.dump). */
  locations(): Promise<KamailioLocation[]>;
  stop(): Promise<void>;
}

const defaultUsers: KamailioUser[] = [{ username: 'johndoe', password: 'secret' }];

/** johndoe's aliases from the design: +554845678901 and 45678901. */
export function defaultAliases(domain: string): KamailioAlias[] {
  return [
    { alias: '+554845678901', username: 'johndoe', aliasDomain: domain, domain },
    { alias: '45678901', username: 'johndoe', aliasDomain: domain, domain },
  ];
}

export async function startKamailio(opts: KamailioOptions = {}): Promise<KamailioHandle> {
  const domain = opts.domain ?? 'sipA.test';
  const placement = opts.placement ?? loopback;
  const ipv6 = placement.local && (opts.ipv6 ?? (await ipv6LoopbackAvailable()));
  let lastError = '';
  // Ports are chosen free, but another process can grab one before Kamailio binds: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = makeTempDir('kamailio');
    const sipPort = opts.port ?? (await freePort(ipv6 ? ['udp4', 'tcp4', 'udp6'] : ['udp4', 'tcp4']));
    const redirectPort = await freePort(['udp4', 'tcp4'], new Set([sipPort]));
    const tlsPort = opts.tls ? await freePort(['tcp4'], new Set([sipPort, redirectPort])) : undefined;
    const params: KamailioConfigParams = {
      dir: tmp.path,
      domain,
      host: placement.address,
      stun: opts.stun,
      ...(opts.presence ? { presence: true } : {}),
      ...(opts.messageStore ? { messageStore: true } : {}),
      udpPort: sipPort,
      tcpPort: sipPort,
      ...(opts.tls && tlsPort ? { tls: { port: tlsPort, ...opts.tls } } : {}),
      udp6Port: ipv6 ? sipPort : undefined,
      redirectPort,
      redirect: opts.redirect ?? 'proxy',
      algorithm: opts.algorithm ?? 'MD5',
      qop: opts.qop ?? 'auth',
      authenticateCalls: opts.authenticateCalls ?? false,
      ...(opts.assertIdentity ? { assertIdentity: true } : {}),
      nonceExpire: opts.nonceExpire ?? 300,
      checkNonceCount: opts.checkNonceCount ?? true,
      debug: opts.debug ?? 2,
      users: opts.users ?? defaultUsers,
      aliases: opts.aliases ?? defaultAliases(domain),
    };
    const db = writeKamailioDb(params);
    const cfg = join(tmp.path, 'kamailio.cfg');
    writeFileSync(cfg, kamailioConfig(params, db));
    if (params.tls) writeFileSync(join(tmp.path, 'tls.cfg'), kamailioTlsConfig(params.tls));
    const started = performance.now();
    // -m/-M: small shared/private memory (MB); several instances may run at once on a 2-core box.
    const cmd = placement.wrap('kamailio', ['-DD', '-E', '-m', String(opts.sharedMemoryMb ?? 32), '-M', '8', '-f', cfg]);
    const proc = new ManagedProcess(cmd.command, cmd.args, { cwd: tmp.path });
    const handle = makeHandle(proc, params, placement, tmp.remove);
    const ready = placement.local
      ? await waitReady(proc, sipPort, opts.readyTimeoutMs ?? 5000)
      : await waitRpcReady(proc, handle, opts.readyTimeoutMs ?? 5000);
    if (ready) {
      handle.startupMs = performance.now() - started;
      return handle;
    }
    await proc.stop();
    tmp.remove();
    lastError = proc.output.slice(-3000);
    if (!/Address already in use|bind\(/i.test(lastError)) break;
  }
  throw new Error(`kamailio did not become ready:\n${lastError}`);
}

/** Polls with OPTIONS over UDP until Kamailio answers 200 (bounded). */
async function waitReady(proc: ManagedProcess, port: number, timeoutMs: number): Promise<boolean> {
  const sock = await RawSipSocket.open(4);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && proc.running) {
      const res = await sock.transact(optionsProbe(sock, port), port, 300);
      if (res?.status === 200) return true;
      await sleep(50);
    }
    return false;
  } finally {
    await sock.close();
  }
}

/** In a namespace the harness cannot send UDP to it: poll JSON-RPC over the bridge instead (the TCP listener is up once it answers). */
async function waitRpcReady(proc: ManagedProcess, handle: KamailioHandle, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && proc.running) {
    try {
      await handle.rpc('core.version');
      return true;
    } catch {
      await sleep(100);
    }
  }
  return false;
}

function optionsProbe(sock: RawSipSocket, port: number): string {
  return buildRequest({
    method: 'OPTIONS',
    uri: `sip:127.0.0.1:${port}`,
    from: `<sip:probe@${sock.hostPort}>;tag=${randomToken()}`,
    to: `<sip:127.0.0.1:${port}>`,
    callId: `probe-${randomToken()}`,
    cseq: 1,
    viaHostPort: sock.hostPort,
  });
}

function makeHandle(proc: ManagedProcess, p: KamailioConfigParams, placement: Placement, removeDir: () => void): KamailioHandle & { startupMs: number } {
  let rpcId = 0;
  const rpc = async (method: string, params: unknown[] = []): Promise<unknown> => {
    const text = await httpPost(placement, p.tcpPort, '/RPC', JSON.stringify({ jsonrpc: '2.0', method, params, id: ++rpcId }));
    const json = JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } };
    if (json.error) throw new Error(`kamailio rpc ${method}: ${json.error.code} ${json.error.message}`);
    return json.result;
  };
  let stopped = false;
  return {
    pid: proc.pid,
    host: placement.address,
    udpPort: p.udpPort,
    tcpPort: p.tcpPort,
    tlsPort: p.tls?.port,
    udp6Port: p.udp6Port,
    redirectPort: p.redirectPort,
    domain: p.domain,
    dir: p.dir,
    startupMs: 0,
    logs: () => proc.output,
    rpc,
    locations: async () => parseUlDump(await rpc('ul.dump')),
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.stop(3000);
      if (groupAlive(proc.pid)) throw new Error(`kamailio process group ${proc.pid} survived SIGKILL`);
      removeDir();
    },
  };
}

/** ul.dump's JSON: { Domains: [{ Domain: { Domain, AoRs: [{ Info: { AoR, Contacts: [{ Contact: {...} }] } }] } }] }. */
function parseUlDump(result: unknown): KamailioLocation[] {
  const out: KamailioLocation[] = [];
  const domains = (result as { Domains?: unknown[] })?.Domains ?? [];
  for (const d of domains as Array<{ Domain?: { AoRs?: unknown[] } }>) {
    for (const a of (d.Domain?.AoRs ?? []) as Array<{ Info?: { AoR?: string; Contacts?: unknown[] } }>) {
      const info = a.Info;
      if (!info?.AoR) continue;
      out.push({
        aor: info.AoR,
        contacts: ((info.Contacts ?? []) as Array<{ Contact?: Record<string, unknown> }>).map((c) => ({
          contact: String(c.Contact?.Address ?? ''),
          expires: Number(c.Contact?.Expires ?? 0),
          userAgent: c.Contact?.['User-Agent'] as string | undefined,
          received: c.Contact?.Received as string | undefined,
        })),
      });
    }
  }
  return out;
}
