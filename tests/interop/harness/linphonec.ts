/**
 * startLinphonec: linphonec (Debian package linphone-cli, liblinphone 5.1) as
 * a second phone on loopback, headless: its "files" sound card plays a WAV
 * file as the microphone and records what it hears into another WAV file.
 *
 * linphonec reads commands on stdin ("soundcard use files", "play <wav>",
 * "record <wav>", "call <uri>", "answer", "terminate") and prints call and
 * registration states on stdout. Our ManagedProcess gives children no stdin,
 * so linphonec runs as `sh -c 'exec linphonec … < fifo'` (exec: the PID we
 * stop is linphonec's) and we write the commands into the FIFO.
 *
 * Never off loopback: the account domain, proxy and route are IP literals
 * (liblinphone resolves names with its own DNS client, so the SIP domain must
 * not be a name; media-linphone.test.ts explains why it is 127.0.0.2), DNS
 * SRV/search are off, and the SIP Contact and SDP addresses are pinned to
 * 127.0.0.1. Checked with strace: every datagram linphonec sends goes to
 * 127.0.0.1; its only other socket calls are liblinphone's local-address
 * probes (a UDP connect() towards 87.98.157.38 and an IPv6 address, which
 * sends nothing).
 *
 * Quirks (liblinphone 5.1.65, Debian 12): it never brings its SIP listeners
 * up when it cannot open its database under $HOME/.local/share/linphone (it
 * does not create the folder); stdout is block-buffered into a pipe (stdbuf
 * makes it line-buffered); it prints nothing when it registers (read
 * Kamailio's location table); with GRUU on, Kamailio hands it a pub-gruu
 * without a port as Contact, which the harness config cannot route.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portFree } from './free-port.ts';
import { ManagedProcess, makeTempDir, sleep } from './managed-process.ts';
import { readWavPcm16 } from './wav.ts';

export interface LinphonecOptions {
  /** User part of the account; the AOR is sip:<user>@<domain>. */
  user: string;
  password: string;
  /** Must be an IP literal (no DNS); unused without a proxy. */
  domain: string;
  /**
   * Kamailio's UDP port on 127.0.0.1: registrar, outbound proxy (reg_route). Without it linphonec
   * has no account: it calls SIP URIs directly and is reached at sip:<user>@127.0.0.1:<sipPort>.
   */
  proxyPort?: number;
  /** Codec mime names to enable, e.g. ['PCMU']; every other audio codec is disabled. */
  codecs: readonly string[];
  autoAnswer?: boolean;
  /**
   * Register and call over TLS to this port of 127.0.0.1 instead of UDP to proxyPort, trusting
   * the CA in `rootCa` (the server certificate must name 127.0.0.1).
   */
  tls?: { port: number; rootCa: string };
  /** SDES-SRTP, mandatory (a TLS Parley account requires it); default none. */
  srtp?: boolean;
  /** liblinphone log level with -d (0–6) into <dir>/linphone.log (see log()); default 0 (none). */
  debugLevel?: number;
  readyTimeoutMs?: number;
}

export interface LinphonecHandle {
  pid: number;
  sipPort: number;
  rtpPort: number;
  dir: string;
  aor: string;
  /** Sends one command line to linphonec's prompt. */
  command(line: string): void;
  /** linphonec's stdout and stderr so far. */
  output(): string;
  /** liblinphone's log file (with `debugLevel`), '' without. */
  log(): string;
  /** Resolves with the first match of `pattern` in the output after character `from`; rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number, from?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

/** liblinphone 5.1's default audio codecs, as its rc lists them (mime, rate, channels). */
const KNOWN_CODECS: readonly [string, number, number][] = [
  ['opus', 48000, 2],
  ['speex', 16000, 1],
  ['speex', 8000, 1],
  ['PCMU', 8000, 1],
  ['PCMA', 8000, 1],
  ['GSM', 8000, 1],
  ['G722', 8000, 1],
  ['G729', 8000, 1],
  ['speex', 32000, 1],
  ['L16', 44100, 2],
  ['L16', 44100, 1],
];

function linphonerc(o: LinphonecOptions, sipPort: number, rtpPort: number, dir: string, tlsPort: number): string {
  const account = o.proxyPort !== undefined || o.tls !== undefined;
  const proxy = o.tls ? `sip:127.0.0.1:${o.tls.port};transport=tls` : `sip:127.0.0.1:${o.proxyPort};transport=udp`;
  const codecs = KNOWN_CODECS.map(([mime, rate, channels], i) =>
    [`[audio_codec_${i}]`, `mime=${mime}`, `rate=${rate}`, `channels=${channels}`, `enabled=${o.codecs.includes(mime) ? 1 : 0}`, ''].join('\n'),
  );
  return [
    '[sip]',
    `sip_port=${sipPort}`,
    // The account below is the default: without it a chat room has no route and sends its MESSAGE to the domain itself.
    ...(account ? ['default_proxy=0'] : []),
    // 0 = transport off (-1 would be a random port).
    'sip_tcp_port=0',
    `sip_tls_port=${o.tls ? tlsPort : 0}`,
    // The chain is verified against the test CA; the name is not: liblinphone 5.1's mbedTLS matches the
    // certificate's CN and DNS names only, never an IP address (its log says "CN-mismatch" for IP:127.0.0.1).
    ...(o.tls ? [`root_ca=${o.tls.rootCa}`, 'verify_server_certs=1', 'verify_server_cn=0'] : []),
    // Contact and SDP on loopback, not the guessed address of the first interface.
    'guess_hostname=0',
    o.tls ? `contact=sip:${o.user}@127.0.0.1:${tlsPort};transport=tls` : `contact=sip:${o.user}@127.0.0.1:${sipPort}`,
    'bind_address=127.0.0.1',
    'ipv6_enabled=0',
    // liblinphone's own key; without an account it would otherwise pick an IPv6 address for its SDP.
    ...(account ? [] : ['use_ipv6=0']),
    ...(o.srtp ? ['media_encryption=srtp', 'media_encryption_mandatory=1'] : ['media_encryption=none']),
    'register_only_when_network_is_up=0',
    'register_only_when_upnp_is_ok=0',
    // No GRUU: Kamailio would hand out a pub-gruu without a port as linphonec's Contact, and
    // its harness config routes in-dialog requests by the Request-URI (no GRUU lookup).
    'supported=replaces, outbound',
    'auto_send_ringing=1',
    'inc_timeout=60',
    '',
    '[net]',
    'dns_srv_enabled=0',
    'dns_search_enabled=0',
    // No NAT traversal: no STUN server, no ICE, addresses as they are on loopback. Without an account
    // liblinphone writes the first interface's address into its SDP (an IPv6 one here), so a direct
    // call puts the "NAT address" there instead (policy 1: use it), which is loopback.
    'nat_address=127.0.0.1',
    `firewall_policy=${account ? 0 : 1}`,
    'mtu=1300',
    '',
    '[rtp]',
    `audio_rtp_port=${rtpPort}`,
    // Without an account liblinphone takes its SDP address from the default route (an IPv6 one here).
    ...(account ? [] : ['bind_address=127.0.0.1']),
    'rtcp_mux=0',
    'nortp_timeout=30',
    'audio_jitt_comp=60',
    'audio_adaptive_jitt_comp_enabled=1',
    '',
    '[sound]',
    'echocancellation=0',
    'echolimiter=0',
    'agc=0',
    'noisegate=0',
    'playback_gain_db=0',
    'mic_gain_db=0',
    '',
    '[video]',
    'display=0',
    'capture=0',
    '',
    '[misc]',
    `user_certificates_path=${dir}/certs`,
    'version_check_url_root=',
    '',
    ...(account
      ? [
          '[proxy_0]',
          `reg_proxy=<${proxy}>`,
          `reg_route=<${proxy};lr>`,
          `reg_identity=sip:${o.user}@${o.domain}`,
          'reg_expires=600',
          'reg_sendregister=1',
          'publish=0',
          'dial_escape_plus=0',
          '',
          '[auth_info_0]',
          `username=${o.user}`,
          `passwd=${o.password}`,
          `realm=${o.domain}`,
          `domain=${o.domain}`,
          '',
        ]
      : []),
    ...codecs,
  ].join('\n');
}

/** A UDP port whose next one is free too (RTP and RTCP). */
async function rtpPortPair(exclude: Set<number>): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort(['udp4'], exclude);
    if (p % 2 === 0 && !exclude.has(p + 1) && (await portFree('udp4', p + 1))) return p;
    exclude.add(p);
  }
  throw new Error('no free RTP port pair for linphonec');
}

export async function startLinphonec(o: LinphonecOptions): Promise<LinphonecHandle> {
  const tmp = makeTempDir('linphonec');
  const used = new Set<number>();
  const sipPort = await freePort(['udp4'], used);
  used.add(sipPort);
  const rtpPort = await rtpPortPair(used);
  const tlsPort = o.tls ? await freePort(['tcp4'], used) : 0;
  const rc = join(tmp.path, 'linphonerc');
  writeFileSync(rc, linphonerc(o, sipPort, rtpPort, tmp.path, tlsPort));
  try {
    execFileSync('sh', ['-c', 'command -v linphonec && command -v stdbuf'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    tmp.remove();
    throw new Error('linphonec is not installed (Debian package linphone-cli; stdbuf comes with coreutils)');
  }
  // See the quirks above: no database folder, no SIP listeners.
  mkdirSync(join(tmp.path, '.local', 'share', 'linphone'), { recursive: true });
  const fifo = join(tmp.path, 'stdin');
  execFileSync('mkfifo', [fifo]);
  // O_RDWR: a read-write open of a FIFO never blocks (write-only would wait for the reader),
  // and linphonec never reads EOF while we hold it.
  const fd = openSync(fifo, constants.O_RDWR);
  const args = ['-c', rc, '-S', ...(o.autoAnswer ? ['-a'] : []), ...(o.debugLevel ? ['-d', String(o.debugLevel), '-l', join(tmp.path, 'linphone.log')] : [])];
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  // HOME: liblinphone keeps its database (and friends, call logs) under it.
  const proc = new ManagedProcess('sh', ['-c', `exec stdbuf -oL -eL linphonec ${quoted} < '${fifo}'`], { cwd: tmp.path, env: { ...process.env, HOME: tmp.path } });
  let stopped = false;
  const handle: LinphonecHandle = {
    pid: proc.pid,
    sipPort,
    rtpPort,
    dir: tmp.path,
    aor: o.proxyPort !== undefined || o.tls ? `sip:${o.user}@${o.domain}` : `sip:${o.user}@127.0.0.1:${sipPort}`,
    command(line) {
      if (stopped) throw new Error('linphonec was stopped');
      writeSync(fd, `${line}\n`);
    },
    output: () => proc.output,
    log: () => {
      try {
        return readFileSync(join(tmp.path, 'linphone.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async waitForOutput(pattern, timeoutMs, from = 0) {
      const deadline = Date.now() + timeoutMs;
      const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      for (;;) {
        const m = re.exec(proc.output.slice(from));
        if (m) return m;
        if (!proc.running) throw new Error(`linphonec exited (${JSON.stringify(proc.exitInfo)}) before ${pattern}:\n${proc.output.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} from linphonec within ${timeoutMs} ms:\n${proc.output.slice(-3000)}`);
        await sleep(25);
      }
    },
    async stop() {
      if (stopped) return;
      try {
        writeSync(fd, 'quit\n');
      } catch {
        // already gone
      }
      stopped = true;
      await Promise.race([proc.exited, sleep(1500)]);
      await proc.stop(2000);
      closeSync(fd);
      tmp.remove();
    },
  };
  try {
    await handle.waitForOutput(/linphonec> /, o.readyTimeoutMs ?? 8000);
    return handle;
  } catch (e) {
    await handle.stop();
    throw e;
  }
}

/** linphonec writes the WAV header when the call's stream stops: resolves with `path` once it parses and stops growing. */
export async function finishedRecording(lin: Pick<LinphonecHandle, 'output'>, path: string): Promise<string> {
  const deadline = Date.now() + 5000;
  let last = -1;
  for (;;) {
    if (existsSync(path)) {
      const size = statSync(path).size;
      let ok = false;
      try {
        ok = readWavPcm16(path).samples.length > 0;
      } catch {
        ok = false;
      }
      if (ok && size === last) return path;
      last = size;
    }
    if (Date.now() > deadline) throw new Error(`linphonec's recording ${path} is not complete\n${lin.output().slice(-2000)}`);
    await sleep(100);
  }
}
