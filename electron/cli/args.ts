/**
 * Command-line parsing for `parley`. An account can come entirely from flags
 * (no config file needed); every flag is validated here so that the rest of
 * the CLI only sees well-formed options, and a mistake gets a message that
 * says what is wrong and what to try.
 */
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { NO_ANSWER_MAX_S, NO_ANSWER_MIN_S } from '../api/forwarding-contract.ts';

export const commands = ['register', 'call', 'message', 'listen', 'echo', 'watch', 'status', 'accounts', 'forward', 'web', 'help'] as const;
export type CommandName = (typeof commands)[number];

export interface CliOptions {
  command: CommandName;
  positionals: string[];
  aor?: string;
  aliases: string[];
  user?: string;
  /** --password, else PARLEY_PASSWORD. */
  password?: string;
  /** --password was on the command line (PARLEY_PASSWORD in the environment may be set for every run; a flag is meant for this one). */
  passwordFlag?: boolean;
  displayName?: string;
  proxy?: string;
  /** --transport; absent: UDP (an account's default). */
  transport?: 'udp' | 'tcp' | 'tls';
  bind?: { host: string; port: number };
  /** Seconds between NAT keep-alives of a registered UDP flow (0 = none). */
  keepAlive?: number;
  /** Seconds of silence (no RTP, no RTCP) after which a call is ended (0 = never). */
  rtpTimeout?: number;
  tone?: number;
  play?: string;
  record?: string;
  recordBoth?: string;
  duration?: number;
  autoAnswer: boolean;
  port?: number;
  open: boolean;
  json: boolean;
  account?: string;
  identity?: string;
  codecs?: string[];
  srtp?: 'off' | 'optional' | 'mandatory';
  /** --privacy none|id|header: caller-ID privacy of the account's calls (RFC 3323). */
  privacy?: 'none' | 'id' | 'header';
  /** A PEM file of CAs trusted for this account's TLS servers. */
  tlsCa?: string;
  /** SHA-256 fingerprint of the only server certificate accepted. */
  tlsPin?: string;
  dataDir?: string;
  verbose: boolean;
  /** --ring-timeout S: how long an unanswered incoming call rings (default 120). */
  ringTimeout?: number;
  /** --rtp-ports MIN-MAX: where RTP binds (the stored setting otherwise). */
  rtpPorts?: { min: number; max: number };
  /** --recordings-dir DIR: where call.record writes for this run (the stored setting otherwise). */
  recordingsDir?: string;
  /** --stun HOST:PORT: STUN server for calls' server-reflexive candidates. */
  stun?: { host: string; port: number };
  /** --turn USER@HOST:PORT with PARLEY_TURN_PASSWORD: TURN relay for calls. */
  turn?: { host: string; port: number; username: string; password: string };
  /** --no-ice: plain RTP, no ICE lines in our SDP. */
  noIce: boolean;
  /** `parley status --note TEXT`: the note published with the status. */
  note?: string;
  /** `parley forward no-answer --after S`: seconds of ringing before forwarding. */
  forwardAfter?: number;
  /** `parley forward … --by redirect|bridge`: a 302, or a new call joined to the caller. */
  forwardBy?: 'redirect' | 'bridge';
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** What `parley status` publishes (the API's PRESENCE_STATUSES). */
export const STATUSES = ['available', 'away', 'busy', 'dnd', 'offline'];

const options = {
  aor: { type: 'string' },
  alias: { type: 'string', multiple: true },
  user: { type: 'string' },
  password: { type: 'string' },
  'display-name': { type: 'string' },
  proxy: { type: 'string' },
  transport: { type: 'string' },
  bind: { type: 'string' },
  keepalive: { type: 'string' },
  'rtp-timeout': { type: 'string' },
  tone: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  'record-both': { type: 'string' },
  duration: { type: 'string' },
  'auto-answer': { type: 'boolean' },
  port: { type: 'string' },
  'no-open': { type: 'boolean' },
  json: { type: 'boolean' },
  note: { type: 'string' },
  account: { type: 'string' },
  identity: { type: 'string' },
  codecs: { type: 'string' },
  srtp: { type: 'string' },
  privacy: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-pin': { type: 'string' },
  'data-dir': { type: 'string' },
  'rtp-ports': { type: 'string' },
  'recordings-dir': { type: 'string' },
  'ring-timeout': { type: 'string' },
  stun: { type: 'string' },
  turn: { type: 'string' },
  'no-ice': { type: 'boolean' },
  after: { type: 'string' },
  by: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveNumber(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`--${name} wants a number between 0 and ${max}, not "${text}"`);
  return n;
}

function port(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name}: "${text}" is not a port number (0–65535)`);
  return n;
}

/** host:port, [v6]:port, or a bare host (port 0 = any free port). */
export function parseHostPort(name: string, text: string): { host: string; port: number } {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? port(name, v6[2]) : 0 };
  const m = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`--${name}: "${text}" is not HOST:PORT (IPv6 as [::1]:5060)`);
  return { host: m[1]!, port: m[2] ? port(name, m[2]) : 0 };
}

/** MIN-MAX, both unprivileged ports, with room for one RTP/RTCP pair (RFC 3550 §11: an even port and the next). */
export function parsePortRange(name: string, text: string): { min: number; max: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1024 || max > 65535 || max <= min) {
    throw new UsageError(`--${name} wants MIN-MAX between 1024 and 65535 with MAX > MIN (e.g. 16384-16483), not "${text}"`);
  }
  return { min, max };
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = {}): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  const v = parsed.values;
  const [first, ...rest] = parsed.positionals;
  const command = (v.help || first === undefined ? 'help' : first) as CommandName;
  if (!commands.includes(command)) throw new UsageError(`unknown command "${first}"; try: ${commands.join(', ')}`);
  const transport = v.transport?.toLowerCase();
  if (transport !== undefined && transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') {
    throw new UsageError(`--transport must be udp, tcp or tls, not "${v.transport}"`);
  }
  const privacy = v.privacy?.toLowerCase();
  if (privacy !== undefined && privacy !== 'none' && privacy !== 'id' && privacy !== 'header') {
    throw new UsageError(`--privacy must be none, id or header, not "${v.privacy}"`);
  }
  const srtp = v.srtp?.toLowerCase();
  if (srtp !== undefined && srtp !== 'off' && srtp !== 'optional' && srtp !== 'mandatory') {
    throw new UsageError(`--srtp must be off, optional or mandatory, not "${v.srtp}"`);
  }
  const tlsPin = v['tls-pin']?.trim();
  if (tlsPin !== undefined && !/^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/.test(tlsPin)) {
    throw new UsageError(`--tls-pin must be a SHA-256 fingerprint (64 hex digits, colons allowed), as "openssl x509 -noout -fingerprint -sha256" prints it, not "${v['tls-pin']}"`);
  }
  const tone = positiveNumber('tone', v.tone, 20000);
  if (tone !== undefined && v.play) throw new UsageError('--tone and --play are two audio sources; pick one');
  const turn = v.turn !== undefined ? parseTurn(v.turn, env.PARLEY_TURN_PASSWORD) : undefined;
  if (command === 'call' && rest.length !== 1) throw new UsageError('parley call wants exactly one target, e.g. parley call sip:alice@example.com');
  if (command === 'watch' && (rest.length === 0 || rest.length > 100)) throw new UsageError('parley watch wants 1 to 100 targets, e.g. parley watch 201 sip:bob@example.com');
  if (command === 'status' && (rest.length !== 1 || !STATUSES.includes(rest[0]!.toLowerCase()))) {
    throw new UsageError(`parley status wants one of ${STATUSES.join(', ')}, e.g. parley status away --note "back at 3"`);
  }
  if (v.note !== undefined && command !== 'status') throw new UsageError('--note goes with parley status');
  if ((v.after !== undefined || v.by !== undefined) && command !== 'forward') throw new UsageError('--after and --by go with parley forward');
  const forwardAfter = v.after !== undefined ? Number(v.after) : undefined;
  if (forwardAfter !== undefined && !(Number.isInteger(forwardAfter) && forwardAfter >= NO_ANSWER_MIN_S && forwardAfter <= NO_ANSWER_MAX_S)) {
    throw new UsageError(`--after wants whole seconds from ${NO_ANSWER_MIN_S} to ${NO_ANSWER_MAX_S}, not "${v.after}"`);
  }
  if (v.by !== undefined && v.by !== 'redirect' && v.by !== 'bridge') throw new UsageError(`--by must be redirect (a 302: the caller's side calls the target) or bridge (this phone calls the target and joins the calls), not "${v.by}"`);
  if (command === 'message' && rest.length !== 2) throw new UsageError('parley message wants a target and the text (quoted), e.g. parley message sip:alice@example.com "on my way"');
  return {
    command,
    positionals: rest,
    aor: v.aor,
    aliases: v.alias ?? [],
    user: v.user,
    password: v.password ?? env.PARLEY_PASSWORD,
    ...(v.password !== undefined ? { passwordFlag: true } : {}),
    displayName: v['display-name'],
    proxy: v.proxy,
    ...(transport !== undefined ? { transport } : {}),
    bind: v.bind ? parseHostPort('bind', v.bind) : undefined,
    keepAlive: v.keepalive === '0' ? 0 : positiveNumber('keepalive', v.keepalive, 3600),
    rtpTimeout: v['rtp-timeout'] === '0' ? 0 : positiveNumber('rtp-timeout', v['rtp-timeout'], 3600),
    tone,
    play: v.play,
    record: v.record,
    recordBoth: v['record-both'],
    duration: positiveNumber('duration', v.duration, 7 * 24 * 3600),
    autoAnswer: v['auto-answer'] ?? false,
    port: v.port !== undefined ? port('port', v.port) : undefined,
    open: !(v['no-open'] ?? false),
    json: v.json ?? false,
    account: v.account,
    identity: v.identity,
    ...(v.codecs !== undefined ? { codecs: parseCodecs(v.codecs) } : {}),
    srtp: srtp as CliOptions['srtp'],
    ...(privacy !== undefined ? { privacy: privacy as NonNullable<CliOptions['privacy']> } : {}),
    tlsCa: v['tls-ca'],
    tlsPin,
    dataDir: v['data-dir'],
    verbose: v.verbose ?? false,
    ...(v['rtp-ports'] !== undefined ? { rtpPorts: parsePortRange('rtp-ports', v['rtp-ports']) } : {}),
    ...(v['recordings-dir'] !== undefined ? { recordingsDir: resolvePath(v['recordings-dir']) } : {}),
    ...(v['ring-timeout'] !== undefined ? { ringTimeout: positiveNumber('ring-timeout', v['ring-timeout'], 3600) } : {}),
    ...(v.stun !== undefined ? { stun: withDefaultPort(parseHostPort('stun', v.stun), 3478) } : {}),
    ...(turn ? { turn } : {}),
    noIce: v['no-ice'] ?? false,
    ...(v.note !== undefined ? { note: v.note } : {}),
    ...(forwardAfter !== undefined ? { forwardAfter } : {}),
    ...(v.by === 'redirect' || v.by === 'bridge' ? { forwardBy: v.by } : {}),
  };
}

/**
 * The codecs the media engine has (media/codecs/codec-registry.ts, its default order; a
 * unit test keeps the two lists equal). Kept here so usage errors never load the codecs.
 */
export const CODEC_NAMES = ['opus', 'G722', 'PCMU', 'PCMA'] as const;

/** --codecs opus,PCMU: known names (any case, RFC 4855 §3), each once; an unknown one is refused, never left out. */
function parseCodecs(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(',').map((c) => c.trim()).filter(Boolean)) {
    const name = CODEC_NAMES.find((c) => c.toLowerCase() === item.toLowerCase());
    if (name === undefined) throw new UsageError(`--codecs: "${item}" is not a codec Parley has; pick from ${CODEC_NAMES.join(', ')} (in preference order, e.g. --codecs PCMU,PCMA)`);
    if (out.includes(name)) throw new UsageError(`--codecs lists ${name} twice`);
    out.push(name);
  }
  if (out.length === 0) throw new UsageError(`--codecs wants at least one of ${CODEC_NAMES.join(', ')}`);
  return out;
}

function withDefaultPort(hp: { host: string; port: number }, port: number): { host: string; port: number } {
  return hp.port === 0 ? { host: hp.host, port } : hp;
}

/** USER@HOST[:PORT]; the password comes from the environment only (never on the command line, which others can read). */
function parseTurn(text: string, password: string | undefined): NonNullable<CliOptions['turn']> {
  const at = text.lastIndexOf('@');
  if (at <= 0) throw new UsageError(`--turn wants USER@HOST:PORT (password in PARLEY_TURN_PASSWORD), not "${text}"`);
  if (password === undefined || password === '') throw new UsageError('--turn needs the TURN password in the environment variable PARLEY_TURN_PASSWORD');
  const hp = withDefaultPort(parseHostPort('turn', text.slice(at + 1)), 3478);
  return { ...hp, username: text.slice(0, at), password };
}
