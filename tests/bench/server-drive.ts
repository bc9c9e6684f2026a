/**
 * Closed-loop driver for server.bench.ts: keeps `window` registrations or
 * proxied calls in flight against one server and returns when `count` have
 * finished, so that the CPU time the server spent per registration or per
 * call can be read without SIPp's rate (which on a busy machine turns into
 * failed steps long before the server's own cost matters).
 *
 *   registration: REGISTER → 401 → REGISTER with MD5 credentials → 200
 *   call:         INVITE → (100) → 180 → 200 → ACK → BYE → 200, the callee
 *                 being this driver's second socket, registered as `callee`;
 *                 ACK and BYE follow the Record-Route.
 *
 * Every message is plain text over loopback UDP; a request without an answer
 * within `retransmitMs` is sent again (at most 6 times), so a dropped
 * datagram costs time, never the run.
 */
import dgram from 'node:dgram';
import { answerChallenge } from '../unit/server/server-kit.ts';
import { buildRequest, buildResponse, parseRawSip, randomToken, type RawSipMessage } from '../interop/harness/raw-sip.ts';

export interface DriveOptions {
  port: number;
  domain: string;
  count: number;
  window: number;
  retransmitMs?: number;
}

interface Pending {
  key: string;
  text: string;
  sentAt: number;
  tries: number;
  onResponse: (m: RawSipMessage) => void;
  onLost: () => void;
}

class Endpoint {
  readonly socket: dgram.Socket;
  readonly pending = new Map<string, Pending>();
  onRequest: (m: RawSipMessage) => void = () => {};
  port = 0;
  readonly server: number;

  constructor(server: number) {
    this.server = server;
    this.socket = dgram.createSocket('udp4');
    this.socket.on('message', (buf) => {
      const m = parseRawSip(buf.toString('latin1'));
      if (m.status === undefined) {
        this.onRequest(m);
        return;
      }
      const key = `${m.headers.get('call-id')}|${m.headers.get('cseq')}`;
      const p = this.pending.get(key);
      if (!p) return;
      if (m.status >= 200) this.pending.delete(key);
      p.onResponse(m);
    });
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.setRecvBufferSize(4 * 1024 * 1024);
    this.socket.setSendBufferSize(4 * 1024 * 1024);
    this.port = this.socket.address().port;
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  send(text: string): void {
    this.socket.send(Buffer.from(text, 'latin1'), this.server, '127.0.0.1');
  }

  /** Sends a request and waits for its final response (provisionals go to onResponse too). */
  request(text: string, onResponse: (m: RawSipMessage) => void, onLost: () => void = () => {}): void {
    const m = parseRawSip(text);
    const key = `${m.headers.get('call-id')}|${m.headers.get('cseq')}`;
    this.pending.set(key, { key, text, sentAt: performance.now(), tries: 1, onResponse, onLost });
    this.send(text);
  }

  /** Sends again what waits longer than retransmitMs; gives up (onLost) after 6 tries. */
  resend(retransmitMs: number): void {
    const now = performance.now();
    for (const p of [...this.pending.values()]) {
      if (now - p.sentAt < retransmitMs) continue;
      if (p.tries >= 6) {
        this.pending.delete(p.key);
        p.onLost();
        continue;
      }
      p.tries++;
      p.sentAt = now;
      this.send(p.text);
    }
  }

  close(): void {
    this.socket.close();
  }
}

export interface DriveResult {
  done: number;
  lost: number;
  seconds: number;
}

/** Registrations of users[i % users.length], `window` at a time. */
export async function driveRegistrations(o: DriveOptions, users: ReadonlyArray<{ username: string; password: string }>): Promise<DriveResult> {
  const ep = new Endpoint(o.port);
  await ep.open();
  const t0 = performance.now();
  let started = 0;
  let done = 0;
  let lost = 0;
  const uri = `sip:${o.domain}`;
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      ep.close();
      resolve({ done, lost, seconds: (performance.now() - t0) / 1000 });
    };
    const next = () => {
      if (started >= o.count) {
        if (done + lost >= o.count) finish();
        return;
      }
      const user = users[started % users.length]!;
      started++;
      const callId = randomToken();
      const tag = randomToken();
      const req = (cseq: number, auth?: string) => buildRequest({
        method: 'REGISTER', uri, from: `<sip:${user.username}@${o.domain}>;tag=${tag}`, to: `<sip:${user.username}@${o.domain}>`, callId, cseq,
        viaHostPort: ep.hostPort, contact: `<sip:${user.username}@${ep.hostPort}>`, headers: ['Expires: 600', ...(auth ? [`Authorization: ${auth}`] : [])],
      });
      const gaveUp = () => {
        lost++;
        next();
      };
      ep.request(req(1), (r1) => {
        const challenge = r1.headers.getAll('www-authenticate').find((c) => /MD5/i.test(c)) ?? r1.headers.get('www-authenticate');
        if (r1.status !== 401 || !challenge) {
          lost++;
          next();
          return;
        }
        ep.request(req(2, answerChallenge(challenge, user, 'REGISTER', uri)), (r2) => {
          if (r2.status === 200) done++;
          else lost++;
          next();
        }, gaveUp);
      }, gaveUp);
    };
    const timer = setInterval(() => ep.resend(o.retransmitMs ?? 500), 50);
    for (let i = 0; i < o.window; i++) next();
  });
}

/** Proxied calls from a caller socket to `callee` (registered here first with its password), `window` at a time. */
export async function driveCalls(o: DriveOptions, callee: { username: string; password: string }): Promise<DriveResult> {
  const caller = new Endpoint(o.port);
  const uas = new Endpoint(o.port);
  await caller.open();
  await uas.open();
  // The callee registers its socket.
  await new Promise<void>((resolve, reject) => {
    const uri = `sip:${o.domain}`;
    const callId = randomToken();
    const req = (cseq: number, auth?: string) => buildRequest({
      method: 'REGISTER', uri, from: `<sip:${callee.username}@${o.domain}>;tag=${randomToken()}`, to: `<sip:${callee.username}@${o.domain}>`, callId, cseq,
      viaHostPort: uas.hostPort, contact: `<sip:${callee.username}@${uas.hostPort}>`, headers: ['Expires: 3600', ...(auth ? [`Authorization: ${auth}`] : [])],
    });
    uas.request(req(1), (r1) => {
      const challenge = r1.headers.getAll('www-authenticate').find((c) => /MD5/i.test(c)) ?? r1.headers.get('www-authenticate');
      if (!challenge) return reject(new Error(`callee REGISTER: ${r1.status}`));
      uas.request(req(2, answerChallenge(challenge, callee, 'REGISTER', uri)), (r2) => (r2.status === 200 ? resolve() : reject(new Error(`callee REGISTER: ${r2.status}`))));
    });
  });
  const toTag = randomToken();
  uas.onRequest = (m) => {
    if (m.method === 'INVITE') {
      uas.send(buildResponse(m, 180, 'Ringing', { toTag }));
      uas.send(buildResponse(m, 200, 'OK', { toTag, headers: [`Contact: <sip:${callee.username}@${uas.hostPort}>`] }));
    } else if (m.method === 'BYE') {
      uas.send(buildResponse(m, 200, 'OK'));
    }
  };
  const t0 = performance.now();
  let started = 0;
  let done = 0;
  let lost = 0;
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      caller.close();
      uas.close();
      resolve({ done, lost, seconds: (performance.now() - t0) / 1000 });
    };
    const next = () => {
      if (started >= o.count) {
        if (done + lost >= o.count) finish();
        return;
      }
      started++;
      const callId = randomToken();
      const from = `<sip:caller@${caller.hostPort}>;tag=${randomToken()}`;
      const invite = buildRequest({
        method: 'INVITE', uri: `sip:${callee.username}@${o.domain}`, from, to: `<sip:${callee.username}@${o.domain}>`, callId, cseq: 1,
        viaHostPort: caller.hostPort, contact: `<sip:caller@${caller.hostPort}>`,
      });
      let acked = false;
      const gaveUp = () => {
        lost++;
        next();
      };
      caller.request(invite, (r) => {
        if (r.status! < 200) return;
        if (r.status !== 200 || acked) {
          if (!acked) {
            lost++;
            next();
          }
          return;
        }
        acked = true;
        // The route set: the 200's Record-Route in reverse order (RFC 3261 §12.1.2); target: its Contact.
        const routes = r.headers.getAll('record-route').flatMap((v) => v.split(/,(?=\s*<)/)).map((v) => v.trim()).reverse();
        const target = /<([^>]+)>/.exec(r.headers.get('contact') ?? '')?.[1] ?? `sip:${callee.username}@${uas.hostPort}`;
        const to = r.headers.get('to') ?? '';
        const inDialog = (method: string, cseq: number) => buildRequest({
          method, uri: target, from, to, callId, cseq, viaHostPort: caller.hostPort, headers: routes.map((v) => `Route: ${v}`),
        });
        caller.send(inDialog('ACK', 1));
        caller.request(inDialog('BYE', 2), (b) => {
          if (b.status === 200) done++;
          else lost++;
          next();
        }, gaveUp);
      }, () => {
        if (!acked) gaveUp();
      });
    };
    const timer = setInterval(() => caller.resend(o.retransmitMs ?? 500), 50);
    for (let i = 0; i < o.window; i++) next();
  });
}
