/**
 * What `parley` prints. Two forms of the same stream of events:
 *
 *   human    one readable line per event on stdout; problems on stderr
 *            as "parley: …" (what went wrong and what to try).
 *   --json   one JSON object per line on stdout, shaped like the API's own
 *            events ({"event":"call","data":{…CallSnapshot}}), plus the
 *            CLI's: "quality" (final figures of a call), "listening",
 *            "web", "error" ({message, exitCode}) and "exit" ({code}).
 *            A script reads stdout line by line; nothing else goes there.
 *
 * Text from the network (names, reasons, trace) cannot drive the terminal:
 * control and bidi characters are shown escaped in human lines and written
 * as \u escapes in JSON (terminal-text.ts).
 *
 * Passwords never reach either form: snapshots carry only `hasPassword`,
 * and as a second line of defence any key that names a password or secret
 * is dropped before a line is written, and trace text is redacted.
 */
import { redactSecrets } from '../common/logger.ts';
import type { ApiEvent } from '../api/events.ts';
import type { CallSnapshot, CallQuality, DiagnosticsCounts, IncomingCallSnapshot, MediaStats, MessageSnapshot, RegistrationSnapshot, TraceEntry } from '../api/snapshots.ts';
import { jsonSafe, terminalSafe } from './terminal-text.ts';
import { mwiLine, ownPresenceLine, watcherLine, watchLine } from './presence-lines.ts';

export interface OutputStreams {
  out(text: string): void;
  err(text: string): void;
}

export const processStreams: OutputStreams = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Final figures of one call, printed when it ends. */
export interface QualityReport extends Partial<CallQuality> {
  callId: string;
  /** Seconds between answer and end. */
  durationS?: number;
  packetsSent?: number;
  packetsReceived?: number;
  codec?: string;
}

export type CliEvent =
  | ApiEvent
  | { event: 'quality'; data: QualityReport }
  | { event: 'listening'; data: { accounts: string[]; local?: string } }
  | { event: 'web'; data: { url: string; apiUrl: string } }
  | { event: 'diagnostics'; data: DiagnosticsCounts }
  | { event: 'error'; data: { message: string; exitCode: number } }
  | { event: 'exit'; data: { code: number } };

/** `password`, `authPassword`, `secret`, `token`… but not `hasPassword` (a boolean the snapshots carry). */
const SECRET_KEY = /^(?!has)[A-Za-z_]*(password|passwd|secret|token)$/i;

/** JSON with any password-like key dropped (defence in depth; snapshots never carry one), and no character that drives a terminal. */
export function safeJson(value: unknown): string {
  return jsonSafe(JSON.stringify(value, (key, v: unknown) => (SECRET_KEY.test(key) ? undefined : v)));
}

function fixed(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

function sipAnswer(code: number | undefined, reason: string | undefined): string {
  if (code === undefined) return '';
  return reason ? ` (${code} ${reason})` : ` (${code})`;
}

export interface OutputOptions {
  json: boolean;
  verbose?: boolean;
  streams?: OutputStreams;
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly #streams: OutputStreams;
  /** accountId → AOR, for human lines about registrations. */
  readonly #accounts = new Map<string, string>();
  /**
   * The last human line of each state-like subject (an account's voicemail,
   * a watched address, our own status): its event comes again when only
   * what the line does not show changed (the subscription's expiry after a
   * refresh), and a person wants to see news once. One entry per account or
   * watch; a removed watch's is dropped.
   */
  readonly #shown = new Map<string, string>();

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.verbose = options.verbose ?? false;
    this.#streams = options.streams ?? processStreams;
  }

  nameAccount(id: string, aor: string): void {
    this.#accounts.set(id, aor);
  }

  accountLabel(id: string): string {
    return this.#accounts.get(id) ?? `account ${id}`;
  }

  /** One event: a JSON line, or a readable line (nothing for events a person need not see). */
  event(e: CliEvent): void {
    if (e.event === 'accounts') for (const a of e.data) this.nameAccount(a.id, a.aor);
    if (e.event === 'trace' && !this.verbose) return;
    if (e.event === 'watch.removed') this.#shown.delete(`watch ${e.data.id}`);
    if (e.event === 'media.stats' && !this.verbose && !this.json) return;
    if (this.json) {
      const data = e.event === 'trace' ? { ...e.data, text: redactSecrets(e.data.text) } : e.data;
      this.#streams.out(`${safeJson({ event: e.event, data })}\n`);
      return;
    }
    const line = this.#human(e);
    if (line === undefined) return;
    const subject = e.event === 'mwi' ? `mwi ${e.data.accountId}` : e.event === 'watch' ? `watch ${e.data.id}` : e.event === 'presence.own' ? 'presence.own' : undefined;
    if (subject !== undefined) {
      if (this.#shown.get(subject) === line) return;
      this.#shown.set(subject, line);
    }
    this.#streams.out(`${terminalSafe(line)}\n`);
  }

  /** A line for people only (progress, hints); nothing in --json mode. */
  note(text: string): void {
    if (!this.json) this.#streams.out(`${terminalSafe(text)}\n`);
  }

  /** A problem: always on stderr in words; in --json mode also an "error" line on stdout. */
  error(message: string, exitCode: number): void {
    this.#streams.err(`parley: ${terminalSafe(message)}\n`);
    if (this.json) this.#streams.out(`${safeJson({ event: 'error', data: { message, exitCode } })}\n`);
  }

  /** Advice the user should see even in --json mode: stderr, so stdout stays clean. */
  warn(text: string): void {
    this.#streams.err(`parley: warning: ${terminalSafe(text)}\n`);
  }

  /** A diagnostic for --verbose (stderr, so --json stdout stays clean). */
  debug(text: string): void {
    if (this.verbose) this.#streams.err(`parley: ${terminalSafe(text)}\n`);
  }

  #human(e: CliEvent): string | undefined {
    switch (e.event) {
      case 'registration':
        return this.#registration(e.data);
      case 'call':
        // An incoming call is told once, by its call.incoming line (which names the alias called).
        return e.data.state === 'incoming' ? undefined : callLine(e.data);
      case 'call.incoming':
        return incomingLine(e.data);
      case 'media.stats':
        return statsLine(e.data);
      case 'quality':
        return qualityLine(e.data);
      case 'trace':
        return traceText(e.data);
      case 'message':
        return messageLine(e.data);
      case 'message.composing':
        return e.data.active ? `${e.data.peerName ?? e.data.peer} is typing…` : undefined;
      case 'watch':
        return watchLine(e.data);
      case 'presence.own':
        return ownPresenceLine(e.data);
      case 'watcher':
        return watcherLine(e.data);
      case 'mwi':
        return mwiLine(e.data, this.accountLabel(e.data.accountId));
      case 'watch.removed':
      case 'conversation':
      case 'history':
      case 'settings':
      case 'accounts':
        return undefined;
      case 'listening':
        return `listening for calls to ${e.data.accounts.join(', ')}${e.data.local ? ` (SIP on ${e.data.local})` : ''}; Ctrl-C to stop`;
      case 'web':
        return `Parley is running at ${e.data.url}\n(the link carries this run's access token; Ctrl-C to stop)`;
      case 'diagnostics': {
        const d = e.data;
        const mb = (n: number) => (n / 1048576).toFixed(1);
        return `diagnostics: ${d.calls} calls, ${d.mediaSessions} media sessions, ${d.dialogs} dialogs, ${d.transactions} transactions, ${d.callObjectsAlive} call objects alive; heap ${mb(d.heapUsedBytes)} MB, RSS ${mb(d.rssBytes)} MB${d.gcForced ? ' (after GC)' : ''}`;
      }
      case 'error':
        return undefined;
      case 'exit':
        return undefined;
    }
  }

  #registration(r: RegistrationSnapshot): string {
    const who = this.accountLabel(r.accountId);
    switch (r.state) {
      case 'registered': {
        const left = r.expiresAt !== undefined ? `, expires in ${Math.max(0, Math.round((r.expiresAt - Date.now()) / 1000))} s` : '';
        const others = r.otherBindings.length > 0 ? `; ${r.otherBindings.length} other device(s) registered too` : '';
        const seen = r.publicAddress ? `; your public address is ${r.publicAddress} (a NAT is between you and the server)` : '';
        return `registered ${who}${sipAnswer(r.code, r.reason)}${left}${others}${seen}`;
      }
      case 'failed':
        return `registration of ${who} failed: ${r.words ?? 'no answer'}${sipAnswer(r.code, r.reason)}`;
      case 'registering':
        return `registering ${who}…`;
      case 'unregistering':
        return `unregistering ${who}…`;
      case 'unregistered':
        return `unregistered ${who}${sipAnswer(r.code, r.reason)}`;
    }
  }
}

function party(c: { uri: string; displayName?: string }): string {
  return c.displayName ? `"${c.displayName}" <${c.uri}>` : c.uri;
}

export function callLine(c: CallSnapshot): string {
  const peer = c.direction === 'out' ? `to ${party(c.remote)}` : `from ${party(c.remote)}`;
  const answer = sipAnswer(c.code, c.reason);
  switch (c.state) {
    case 'dialing':
      return `calling ${c.remote.uri} as ${c.localIdentity}…`;
    case 'ringing':
      return `ringing ${peer}${answer}`;
    case 'early':
      return `early media ${peer}${answer}`;
    case 'incoming':
      return `ringing: call ${peer} to ${c.localIdentity}`;
    case 'connecting':
      return `connecting ${peer}…`;
    case 'active':
      return `call ${peer} answered${answer}${c.codec ? `, codec ${c.codec}` : ''}${c.srtp ? ', SRTP' : ''}`;
    case 'held':
      return `call ${peer} on hold`;
    case 'remote-held':
      return `call ${peer} put on hold by the other side`;
    case 'ending':
      return `hanging up the call ${peer}…`;
    case 'ended': {
      // A 2xx here is the answer of a call that was talked and hung up: nothing to explain.
      if (c.code !== undefined && c.code < 300) return `call ${peer} ended`;
      const why = c.words ? `: ${c.words}` : '';
      return `call ${peer} ended${why}${answer}`;
    }
  }
}

/** A received message, or the outcome of one we sent (the text itself is escaped by the caller, terminal-text.ts). */
export function messageLine(m: MessageSnapshot): string | undefined {
  const who = m.peerName ? `${m.peerName} <${m.peer}>` : m.peer;
  switch (m.status) {
    case 'received':
      return `message from ${who}${m.localAlias ? ` to ${m.localAlias}` : ''}: ${m.body}`;
    case 'sending':
      return `sending message to ${who}…`;
    case 'delivered':
      return `message to ${who} delivered${sipAnswer(m.code, m.reason)}`;
    case 'stored':
      return `message to ${who} stored by the server for delivery when they are online${sipAnswer(m.code, m.reason)}`;
    case 'failed':
      return `message to ${who} failed: ${m.words ?? 'not sent'}${sipAnswer(m.code, m.reason)}`;
  }
}

export function incomingLine(c: IncomingCallSnapshot): string {
  const name = c.contact ? ` (${c.contact.name})` : '';
  return `incoming call from ${party(c.remote)}${name} to ${c.calledAlias}`;
}

function statsLine(s: MediaStats): string {
  return `media: sent ${s.packetsSent}, received ${s.packetsReceived}, loss ${fixed(s.lossPercent, 1)} %, jitter ${fixed(s.jitterMs, 1)} ms, RTT ${fixed(s.rttMs, 1)} ms, MOS ${fixed(s.mos, 2)}`;
}

export function qualityLine(q: QualityReport): string {
  const parts = [`MOS ${fixed(q.mos, 2)}`, `loss ${fixed(q.lossPercent, 1)} %`, `jitter ${fixed(q.jitterMs, 1)} ms`, `RTT ${fixed(q.rttMs, 1)} ms`];
  if (q.durationS !== undefined) parts.push(`talk time ${q.durationS.toFixed(1)} s`);
  if (q.packetsSent !== undefined || q.packetsReceived !== undefined) parts.push(`packets sent ${q.packetsSent ?? '–'} / received ${q.packetsReceived ?? '–'}`);
  if (q.codec) parts.push(q.codec);
  return `call quality: ${parts.join(', ')}`;
}

function traceText(t: TraceEntry): string {
  const arrow = t.direction === 'out' ? `--> ${t.transport} to ${t.remote}` : `<-- ${t.transport} from ${t.remote}`;
  return `${arrow}\n${redactSecrets(t.text).replace(/\r\n/g, '\n').trimEnd()}\n`;
}
