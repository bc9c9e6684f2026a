/**
 * Raw SIP over a loopback UDP socket, for harness probes and for tests that
 * must not depend on our own stack (readiness OPTIONS, hand-made REGISTER and
 * INVITE). Deliberately tiny: text in, text out, a minimal header view.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

const compact: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};

export class RawHeaders {
  readonly fields: Array<[string, string]> = [];
  getAll(name: string): string[] {
    const want = name.toLowerCase();
    return this.fields.filter(([n]) => (compact[n.toLowerCase()] ?? n.toLowerCase()) === want).map(([, v]) => v);
  }
  get(name: string): string | undefined {
    return this.getAll(name)[0];
  }
}

export interface RawSipMessage {
  text: string;
  startLine: string;
  /** Responses only. */
  status?: number;
  reason?: string;
  /** Requests only. */
  method?: string;
  uri?: string;
  headers: RawHeaders;
  body: string;
}

export function parseRawSip(text: string): RawSipMessage {
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const body = split >= 0 ? text.slice(split + 4) : '';
  const lines = head.split('\r\n');
  const startLine = lines[0] ?? '';
  const headers = new RawHeaders();
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && headers.fields.length > 0) {
      headers.fields[headers.fields.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
  if (m) return { text, startLine, status: Number(m[1]), reason: m[2], headers, body };
  const r = /^(\S+) (\S+) SIP\/2\.0$/.exec(startLine);
  return { text, startLine, method: r?.[1], uri: r?.[2], headers, body };
}

export function randomToken(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

export interface RequestSpec {
  method: string;
  uri: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  /** host:port written in Via (the socket's address). */
  viaHostPort: string;
  branch?: string;
  contact?: string;
  /** Extra header lines, "Name: value". */
  headers?: string[];
  body?: string;
  contentType?: string;
}

export function buildRequest(spec: RequestSpec): string {
  const body = spec.body ?? '';
  const lines = [
    `${spec.method} ${spec.uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${spec.viaHostPort};branch=${spec.branch ?? `z9hG4bK${randomToken()}`};rport`,
    'Max-Forwards: 70',
    `From: ${spec.from}`,
    `To: ${spec.to}`,
    `Call-ID: ${spec.callId}`,
    `CSeq: ${spec.cseq} ${spec.method}`,
    ...(spec.contact ? [`Contact: ${spec.contact}`] : []),
    ...(spec.headers ?? []),
    ...(body ? [`Content-Type: ${spec.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** A response to `req` copying Via (all), From, To (+ tag), Call-ID, CSeq and Record-Route (RFC 3261 §8.2.6.2, §12.1.1). */
export function buildResponse(req: RawSipMessage, status: number, reason: string, opts: { toTag?: string; headers?: string[]; body?: string } = {}): string {
  const h = req.headers;
  const to = h.get('to') ?? '';
  const body = opts.body ?? '';
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...h.getAll('via').map((v) => `Via: ${v}`),
    ...(status > 100 ? h.getAll('record-route').map((v) => `Record-Route: ${v}`) : []),
    `From: ${h.get('from') ?? ''}`,
    `To: ${opts.toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${opts.toTag}` : to}`,
    `Call-ID: ${h.get('call-id') ?? ''}`,
    `CSeq: ${h.get('cseq') ?? ''}`,
    ...(opts.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** A UDP socket on 127.0.0.1 (or ::1) that sends requests and collects what comes back. */
export class RawSipSocket {
  readonly #socket: dgram.Socket;
  readonly #inbox: RawSipMessage[] = [];
  readonly #waiters = new Set<() => void>();
  readonly host: string;
  port = 0;

  private constructor(family: 4 | 6) {
    this.host = family === 4 ? '127.0.0.1' : '::1';
    this.#socket = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
    this.#socket.on('message', (data) => {
      this.#inbox.push(parseRawSip(data.toString('utf8')));
      for (const w of [...this.#waiters]) w();
    });
  }

  static async open(family: 4 | 6 = 4): Promise<RawSipSocket> {
    const s = new RawSipSocket(family);
    await new Promise<void>((resolve, reject) => {
      s.#socket.once('error', reject);
      s.#socket.bind(0, s.host, () => resolve());
    });
    s.port = s.#socket.address().port;
    return s;
  }

  /** "127.0.0.1:port" / "[::1]:port", for Via and Contact. */
  get hostPort(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  send(text: string | Uint8Array, port: number, host = this.host): Promise<void> {
    return new Promise((resolve, reject) => this.#socket.send(text, port, host, (err) => (err ? reject(err) : resolve())));
  }

  /** The next received message matching `match`, removed from the inbox; undefined on timeout. */
  async receive(match: (m: RawSipMessage) => boolean, timeoutMs: number): Promise<RawSipMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#inbox.findIndex(match);
      if (i >= 0) return this.#inbox.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.#waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /**
   * Sends a request and waits for its final response (provisional ones are skipped),
   * retransmitting on UDP every 500 ms like Timer E/A would (RFC 3261 §17.1.2.2).
   */
  async transact(message: string | Uint8Array, port: number, timeoutMs = 4000, host = this.host): Promise<RawSipMessage | undefined> {
    // Bytes go out as they are (a test may send a body that is not UTF-8); the headers are read as latin1.
    const text = typeof message === 'string' ? message : Buffer.from(message);
    const req = parseRawSip(typeof text === 'string' ? text : text.toString('latin1'));
    const callId = req.headers.get('call-id');
    const cseq = req.headers.get('cseq');
    const deadline = Date.now() + timeoutMs;
    await this.send(text, port, host);
    let provisional = false;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const res = await this.receive((m) => m.status !== undefined && m.headers.get('call-id') === callId && m.headers.get('cseq') === cseq, Math.min(500, left));
      if (res && res.status! >= 200) return res;
      if (res) provisional = true;
      // A provisional response stops retransmissions (RFC 3261 §17.1.1.2 / §17.1.2.2 over loopback).
      else if (!provisional) await this.send(text, port, host);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
