/**
 * startBaresip: baresip 1.0 as a second phone on loopback. A fresh config dir
 * (aufile audio in/out, G.711/G.722/Opus, SRTP, ctrl_tcp), one or more
 * accounts, and a control connection speaking ctrl_tcp's netstring JSON:
 *   command  {"command":"dial","params":"sip:...","token":"7"}
 *   response {"response":true,"ok":true,"data":"...","token":"7"}
 *   event    {"event":true,"class":"register","type":"REGISTER_OK","accountaor":"sip:...","param":"200 OK"}
 * Quirks (baresip 1.0.0 on Debian 12): `net_interface` must be an address
 * (127.0.0.1), not "lo"; commands come from the menu module; aufile is a
 * source only (no aufile player before 1.1), so received audio is captured by
 * the sndfile filter.
 */
import net from 'node:net';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portFree } from './free-port.ts';
import { ManagedProcess, makeTempDir, sleep } from './managed-process.ts';
import { NetstringDecoder, encodeNetstring } from './netstring.ts';
import { loopback } from './placement.ts';
import type { Placement } from './placement.ts';
import { writeToneWav } from './wav.ts';

export interface BaresipAccount {
  /** e.g. "sip:bob@sipA.test" or "sip:bob@127.0.0.1". */
  aor: string;
  displayName?: string;
  password?: string;
  authUser?: string;
  /** Outbound proxy URI, e.g. "sip:127.0.0.1:5060" (every request is routed there). */
  outbound?: string;
  /** Registration interval in s; 0 = never register (a local-only account). */
  regint?: number;
  answermode?: 'manual' | 'early' | 'auto';
  /** e.g. "PCMU/8000/1,PCMA/8000/1". */
  audioCodecs?: string;
  mediaenc?: 'srtp' | 'srtp-mand' | 'srtp-mandf' | 'dtls_srtp';
  /** Extra raw ";name=value" addr-params. */
  extra?: string;
}

export interface BaresipOptions {
  accounts?: readonly BaresipAccount[];
  sipPort?: number;
  ctrlPort?: number;
  /** WAV played into calls (aufile); default a generated 2 s 440 Hz tone at 8 kHz. */
  audioSourceFile?: string;
  /** Another audio source than that file, as "module,device" (the echo module needs "aubridge,…"). */
  audioSource?: string;
  /** Extra module_app lines (e.g. "presence.so"). */
  extraModules?: readonly string[];
  /** config call_max_calls: concurrent calls before baresip answers 486 (default 4; load tests raise it). */
  maxCalls?: number;
  /** Load the sndfile filter that writes each call's audio to WAV files (default true; load tests turn it off). */
  dumpAudio?: boolean;
  /** -v: verbose debug output. */
  verbose?: boolean;
  readyTimeoutMs?: number;
  /** Where it runs (default: loopback); in a test namespace it listens on the placement's address. */
  placement?: Placement;
  /**
   * Where SIP and media listen when not on the placement's address (its control port stays there): '0.0.0.0'
   * listens on every interface and names no net_interface, so baresip takes the default route's source address,
   * as a desktop install does (a host that changes its address keeps its sockets).
   */
  sipAddress?: string;
  /** Raw config lines appended (e.g. "module stun.so", "stun_host …"). */
  extraConfig?: readonly string[];
  /** config rtcp_mux (default false): ICE tests turn it on (Parley runs ICE for one component); DTLS-SRTP runs both ways. */
  rtcpMux?: boolean;
  /**
   * Contacts file lines (e.g. '<sip:alice@sipA.test>;presence=p2p' for the presence module,
   * with extraModules contact.so and presence.so). The accounts are then written to the
   * accounts file before start instead of `uanew` after it: the presence module subscribes
   * its contacts at start-up and needs the account's UA by then (its REGISTER_OK may come
   * before the control connection; check the registrar instead).
   */
  contacts?: readonly string[];
}

export interface BaresipEvent {
  event: true;
  type: string;
  class?: string;
  accountaor?: string;
  param?: string;
  [key: string]: unknown;
}

export interface BaresipCommandResult {
  ok: boolean;
  data: string;
}

export interface BaresipHandle {
  pid: number;
  sipPort: number;
  ctrlPort: number;
  dir: string;
  /** Where the sndfile filter dumps each call's audio: dump-<time>-dec.wav (received), -enc.wav (sent). */
  dumpDir: string;
  /** The received-audio WAV files written so far (one per call), oldest first. */
  receivedAudioFiles(): string[];
  /** Every event received so far, in order. */
  readonly events: readonly BaresipEvent[];
  command(command: string, params?: string, timeoutMs?: number): Promise<BaresipCommandResult>;
  onEvent(listener: (e: BaresipEvent) => void): () => void;
  /** The first event (already received or future) matching `match`; rejects after `timeoutMs`. */
  waitForEvent(match: (e: BaresipEvent) => boolean, timeoutMs: number): Promise<BaresipEvent>;
  logs(): string;
  stop(): Promise<void>;
}

const modulePath = '/usr/lib/baresip/modules';

export function baresipAccountLine(a: BaresipAccount): string {
  const params: string[] = [];
  if (a.password !== undefined) params.push(`auth_pass=${a.password}`);
  if (a.authUser !== undefined) params.push(`auth_user=${a.authUser}`);
  if (a.outbound !== undefined) params.push(`outbound="${a.outbound}"`);
  params.push(`regint=${a.regint ?? 3600}`);
  params.push(`answermode=${a.answermode ?? 'manual'}`);
  if (a.audioCodecs !== undefined) params.push(`audio_codecs=${a.audioCodecs}`);
  if (a.mediaenc !== undefined) params.push(`mediaenc=${a.mediaenc}`);
  const name = a.displayName !== undefined ? `"${a.displayName}" ` : '';
  return `${name}<${a.aor}>;${params.join(';')}${a.extra ?? ''}`;
}

function baresipConfig(o: { host: string; sipAddress: string; rtcpMux: boolean; extraConfig: readonly string[]; sipPort: number; ctrlPort: number; dnsPort: number; source: string; dumpDir: string; extra: readonly string[]; maxCalls: number; dumpAudio: boolean }): string {
  return [
    'poll_method epoll',
    `sip_listen ${o.sipAddress}:${o.sipPort}`,
    // An address, not "lo": baresip 1.0 does not resolve the interface name here.
    ...(o.sipAddress === '0.0.0.0' ? [] : [`net_interface ${o.sipAddress}`]),
    // Any DNS lookup goes to a closed loopback port, never to the system resolver.
    `dns_server 127.0.0.1:${o.dnsPort}`,
    'call_local_timeout 120',
    `call_max_calls ${o.maxCalls}`,
    // baresip 1.0's aufile is a source only: play into an unconnected aubridge device and
    // dump the decoded stream with the sndfile filter instead.
    'audio_player aubridge,parley-sink',
    `audio_source ${o.source}`,
    'audio_alert aubridge,parley-alert',
    `snd_path ${o.dumpDir}`,
    'audio_level no',
    'ausrc_format s16',
    'auplay_format s16',
    'auenc_format s16',
    'audec_format s16',
    'audio_buffer 20-160',
    'rtp_tos 184',
    `rtcp_mux ${o.rtcpMux ? 'yes' : 'no'}`,
    'jitter_buffer_delay 5-10',
    'rtp_stats yes',
    `module_path ${modulePath}`,
    'module g711.so',
    'module g722.so',
    'module opus.so',
    'module aufile.so',
    'module aubridge.so',
    ...(o.dumpAudio ? ['module sndfile.so'] : []),
    'module srtp.so',
    'module_tmp uuid.so',
    'module_tmp account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    ...o.extra.map((m) => `module_app ${m}`),
    `ctrl_tcp_listen ${o.host}:${o.ctrlPort}`,
    'opus_bitrate 28000',
    ...o.extraConfig,
    '',
  ].join('\n');
}

export async function startBaresip(opts: BaresipOptions = {}): Promise<BaresipHandle> {
  let last: Error | undefined;
  // Free ports can be taken before baresip binds them: retry a bind failure (exit 98) with new ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      last = err as Error;
      if (!/Address already in use/.test(last.message) || opts.sipPort !== undefined || opts.ctrlPort !== undefined) break;
    }
  }
  throw last!;
}

/** A SIP port whose next port is free too: baresip 1.0 also binds TLS on sip_listen port + 1. */
async function sipPortPair(exclude: Set<number>): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort(['udp4', 'tcp4'], exclude);
    if (!exclude.has(p + 1) && (await portFree('tcp4', p + 1))) return p;
    exclude.add(p);
  }
  throw new Error('no free port pair for baresip');
}

async function startOnce(opts: BaresipOptions): Promise<BaresipHandle> {
  const placement = opts.placement ?? loopback;
  const tmp = makeTempDir('baresip');
  const used = new Set<number>();
  const port = opts.sipPort ?? (await sipPortPair(used));
  used.add(port).add(port + 1);
  const ctrl = opts.ctrlPort ?? (await freePort(['tcp4'], used));
  used.add(ctrl);
  const dnsPort = await freePort(['udp4', 'tcp4'], used);
  const source = opts.audioSourceFile ?? join(tmp.path, 'source.wav');
  if (!opts.audioSourceFile) writeToneWav(source, { frequency: 440, seconds: 2 });
  const dumpDir = join(tmp.path, 'dump');
  mkdirSync(dumpDir);
  const accounts = opts.accounts ?? [{ aor: 'sip:bob@127.0.0.1', regint: 0 }];
  writeFileSync(
    join(tmp.path, 'config'),
    baresipConfig({ host: placement.address, sipAddress: opts.sipAddress ?? placement.address, rtcpMux: opts.rtcpMux ?? false, extraConfig: opts.extraConfig ?? [], sipPort: port, ctrlPort: ctrl, dnsPort, source: opts.audioSource ?? `aufile,${source}`, dumpDir, extra: opts.extraModules ?? [], maxCalls: opts.maxCalls ?? 4, dumpAudio: opts.dumpAudio ?? true }),
  );
  // Accounts are added with `uanew` once the control connection is up, so that their
  // REGISTER_OK/REGISTER_FAIL events cannot fire before anyone listens.
  writeFileSync(join(tmp.path, 'accounts'), opts.contacts ? accounts.map((a) => `${baresipAccountLine(a)}\n`).join('') : '');
  writeFileSync(join(tmp.path, 'contacts'), (opts.contacts ?? []).map((c) => `${c}\n`).join(''));
  const cmd = placement.wrap('baresip', ['-f', tmp.path, ...(opts.verbose ? ['-v'] : [])]);
  const proc = new ManagedProcess(cmd.command, cmd.args, { cwd: tmp.path });
  let handle: BaresipHandle | undefined;
  try {
    const socket = await connectCtrl(proc, placement, ctrl, opts.readyTimeoutMs ?? 5000);
    handle = makeHandle(proc, socket, { sipPort: port, ctrlPort: ctrl, dir: tmp.path, dumpDir }, tmp.remove);
    for (const a of opts.contacts ? [] : accounts) {
      const r = await handle.command('uanew', baresipAccountLine(a));
      if (!r.ok) throw new Error(`uanew ${a.aor}: ${r.data}`);
    }
    return handle;
  } catch (err) {
    if (handle) await handle.stop();
    else {
      await proc.stop(1000);
      tmp.remove();
    }
    throw new Error(`baresip did not start: ${(err as Error).message}\n${proc.output.slice(-3000)}`);
  }
}

async function connectCtrl(proc: ManagedProcess, placement: Placement, port: number, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running) throw new Error(`baresip exited (${JSON.stringify(proc.exitInfo)})`);
    const s = await placement.connect(port).catch(() => undefined);
    if (s) {
      s.resume();
      return s;
    }
    await sleep(50);
  }
  throw new Error(`ctrl_tcp on ${placement.address}:${port} not reachable within ${timeoutMs} ms`);
}

function makeHandle(
  proc: ManagedProcess,
  socket: net.Socket,
  info: { sipPort: number; ctrlPort: number; dir: string; dumpDir: string },
  removeDir: () => void,
): BaresipHandle {
  const events: BaresipEvent[] = [];
  const listeners = new Set<(e: BaresipEvent) => void>();
  const pending = new Map<string, (r: BaresipCommandResult) => void>();
  const decoder = new NetstringDecoder();
  let token = 0;
  socket.on('data', (chunk) => {
    for (const text of decoder.push(chunk)) {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.response === true) {
        const done = pending.get(String(msg.token));
        pending.delete(String(msg.token));
        done?.({ ok: msg.ok === true, data: String(msg.data ?? '') });
      } else if (msg.event === true) {
        const e = msg as BaresipEvent;
        events.push(e);
        for (const l of [...listeners]) l(e);
      }
    }
  });
  socket.on('error', () => {});
  let stopped = false;
  return {
    pid: proc.pid,
    ...info,
    events,
    receivedAudioFiles: () =>
      readdirSync(info.dumpDir)
        .filter((f) => f.endsWith('-dec.wav'))
        .sort()
        .map((f) => join(info.dumpDir, f)),
    command(command, params = '', timeoutMs = 3000) {
      const t = String(++token);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(t);
          reject(new Error(`baresip command "${command}" got no response within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(t, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        socket.write(encodeNetstring(JSON.stringify({ command, params, token: t })));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForEvent(match, timeoutMs) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching baresip event within ${timeoutMs} ms; got: ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        const check = (e: BaresipEvent) => {
          if (!match(e)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(e);
        };
        listeners.add(check);
      });
    },
    logs: () => proc.output,
    async stop() {
      if (stopped) return;
      stopped = true;
      socket.destroy();
      await proc.stop(3000);
      removeDir();
    },
  };
}

/** The one recording (`*-dec.wav`) baresip dumped since `before` (its list then), waiting up to 3 s for it. */
export async function newBaresipRecording(bare: Pick<BaresipHandle, 'receivedAudioFiles'>, before: readonly string[]): Promise<string> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const fresh = bare.receivedAudioFiles().filter((f) => !before.includes(f));
    if (fresh.length === 1) return fresh[0]!;
    if (fresh.length > 1 || Date.now() >= deadline) throw new Error(`baresip dumped ${fresh.length} new recordings`);
    await sleep(50);
  }
}

/**
 * sndfile names its dumps by the wall-clock second (dump-<Y-m-d-H-M-S>-dec.wav): two calls whose audio
 * starts in the same second share one file. Resolves once a new second has begun, so that a call
 * started after this is dumped apart from the calls started before it.
 */
export async function nextDumpSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === second) await sleep(Math.max(1, 1000 - (Date.now() % 1000)));
}
