/**
 * Proves each interop-harness helper against the real peer it drives, and our
 * DigestAuthenticator against Kamailio's auth module. Every peer is stopped by
 * PID in after(); every wait is bounded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DigestAuthenticator } from '../../electron/sip/auth/digest-authenticator.ts';
import type { AuthorizationField } from '../../electron/sip/auth/digest-authenticator.ts';
import { Credentials } from '../../electron/sip/auth/credentials.ts';
import { parseCredentials } from '../../electron/sip/auth/auth-header-parser.ts';
import { HeaderList, SipRequest, newBranch, newCallId, newTag, parseMessage, serializeMessage } from '../../electron/sip/message/index.ts';
import type { SipResponse } from '../../electron/sip/message/index.ts';
import { groupAlive } from './harness/managed-process.ts';
import { startKamailio } from './harness/kamailio.ts';
import type { KamailioHandle } from './harness/kamailio.ts';
import { runSipp, startSipp } from './harness/sipp.ts';
import { startBaresip } from './harness/baresip.ts';
import { RawSipSocket, buildRequest, buildResponse, randomToken } from './harness/raw-sip.ts';
import type { RawSipMessage } from './harness/raw-sip.ts';
import { readWavPcm16 } from './harness/wav.ts';

const users = [
  { username: 'johndoe', password: 'secret' },
  { username: 'bob', password: 'bobpw' },
];

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** A REGISTER dialog (one Call-ID, increasing CSeq) built with the message module. */
class Registrar {
  readonly callId = newCallId('127.0.0.1');
  readonly tag = newTag();
  cseq = 0;
  readonly sock: RawSipSocket;
  readonly kam: KamailioHandle;
  readonly user: string;

  constructor(sock: RawSipSocket, kam: KamailioHandle, user: string) {
    this.sock = sock;
    this.kam = kam;
    this.user = user;
  }

  request(fields: readonly AuthorizationField[] = [], expires = 60): SipRequest {
    const h = new HeaderList();
    const aor = `sip:${this.user}@${this.kam.domain}`;
    h.append('Via', `SIP/2.0/UDP ${this.sock.hostPort};branch=${newBranch()};rport`);
    h.append('Max-Forwards', '70');
    h.append('From', `<${aor}>;tag=${this.tag}`);
    h.append('To', `<${aor}>`);
    h.append('Call-ID', this.callId);
    h.append('CSeq', `${++this.cseq} REGISTER`);
    h.append('Contact', `<sip:${this.user}@${this.sock.hostPort}>`);
    h.append('Expires', String(expires));
    for (const f of fields) h.append(f.name, f.value);
    return new SipRequest('REGISTER', `sip:${this.kam.domain}`, h);
  }

  async send(req: SipRequest): Promise<{ res: SipResponse; ms: number }> {
    const t0 = performance.now();
    const raw = await this.sock.transact(serializeMessage(req), this.kam.udpPort, 4000);
    const ms = performance.now() - t0;
    assert.ok(raw, `no final response to REGISTER CSeq ${this.cseq}`);
    const res = parseMessage(Buffer.from(raw.text));
    assert.equal(res.kind, 'response');
    return { res: res as SipResponse, ms };
  }

  /** REGISTER, answering challenges with `auth` until a final non-challenge answer or a typed failure. */
  async run(auth: DigestAuthenticator, maxSends = 5) {
    let req = this.request();
    const statuses: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < maxSends; i++) {
      const { res, ms: t } = await this.send(req);
      statuses.push(res.status);
      ms.push(t);
      if (res.status !== 401 && res.status !== 407) return { statuses, ms, failure: undefined, last: req };
      const answer = auth.authorize(req, res);
      if (!answer.ok) return { statuses, ms, failure: answer, last: req };
      req = this.request(answer.fields);
    }
    throw new Error(`REGISTER looped: ${statuses.join(' ')}`);
  }
}

describe('Kamailio harness + DigestAuthenticator', () => {
  let kam: KamailioHandle;
  const sockets: RawSipSocket[] = [];
  const open = async (family: 4 | 6 = 4) => {
    const s = await RawSipSocket.open(family);
    sockets.push(s);
    return s;
  };

  before(async () => {
    kam = await startKamailio({ users });
    log(`kamailio pid ${kam.pid} udp/tcp ${kam.udpPort} redirect ${kam.redirectPort}; ready in ${kam.startupMs.toFixed(0)} ms`);
  });

  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    const pid = kam?.pid;
    await kam?.stop();
    if (pid) assert.equal(groupAlive(pid), false, 'every Kamailio process is gone');
  });

  test('answers OPTIONS over UDP (IPv4 and IPv6), TCP, and JSON-RPC', { timeout: 20_000 }, async () => {
    const s4 = await open(4);
    const probe = (local: string, port: number, host: string) =>
      buildRequest({
        method: 'OPTIONS',
        uri: `sip:${host}:${port}`,
        from: `<sip:probe@${local}>;tag=${randomToken()}`,
        to: `<sip:${host}:${port}>`,
        callId: randomToken(8),
        cseq: 1,
        viaHostPort: local,
      });
    const r4 = await s4.transact(probe(s4.hostPort, kam.udpPort, '127.0.0.1'), kam.udpPort);
    assert.equal(r4?.status, 200);
    assert.match(r4!.headers.get('server') ?? '', /kamailio \(5\./);
    if (kam.udp6Port) {
      const s6 = await open(6);
      const r6 = await s6.transact(probe(s6.hostPort, kam.udp6Port, '[::1]'), kam.udp6Port);
      assert.equal(r6?.status, 200);
    }
    // TCP: one OPTIONS on a fresh connection.
    const tcpStatus = await new Promise<string>((resolve, reject) => {
      const c = net.connect({ host: '127.0.0.1', port: kam.tcpPort });
      const timer = setTimeout(() => (c.destroy(), reject(new Error('no TCP answer'))), 3000);
      let buf = '';
      c.on('connect', () => {
        const local = `127.0.0.1:${c.localPort}`;
        c.write(probe(local, kam.tcpPort, '127.0.0.1').replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
      });
      c.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\r\n\r\n')) {
          clearTimeout(timer);
          c.destroy();
          resolve(buf.split('\r\n')[0]!);
        }
      });
      c.on('error', reject);
    });
    assert.equal(tcpStatus, 'SIP/2.0 200 Keepalive');
    assert.match(String(await kam.rpc('core.version')), /kamailio 5\.6/);
  });

  test('REGISTER with our DigestAuthenticator: 401 then 200, then pre-authorized with nc=2', { timeout: 20_000 }, async () => {
    const sock = await open();
    const reg = new Registrar(sock, kam, 'johndoe');
    const auth = new DigestAuthenticator({ credentials: new Credentials({ realms: { [kam.domain]: { username: 'johndoe', password: 'secret' } } }) });
    const t0 = performance.now();
    const first = await reg.run(auth);
    const total = performance.now() - t0;
    assert.deepEqual(first.statuses, [401, 200]);
    log(`REGISTER 401→200 over UDP: ${first.ms.map((m) => m.toFixed(2)).join(' + ')} ms round trips, ${total.toFixed(2)} ms total`);
    const creds = parseCredentials(first.last.headers.get('Authorization')!).params;
    assert.equal(creds.get('algorithm'), 'MD5');
    assert.equal(creds.get('nc'), '00000001');

    const locs = await kam.locations();
    const mine = locs.find((l) => l.aor.startsWith('johndoe'));
    assert.ok(mine, `johndoe in location table: ${JSON.stringify(locs)}`);
    assert.ok(mine.contacts.some((c) => c.contact === `sip:johndoe@${sock.hostPort}`));

    // Kamailio runs with nonce_count=1: a replayed nc would be refused, the next nc is accepted.
    const pre = reg.request(auth.preauthorize(reg.request()));
    assert.equal(parseCredentials(pre.headers.get('Authorization')!).params.get('nc'), '00000002');
    const { res, ms } = await reg.send(pre);
    assert.equal(res.status, 200, 'pre-authorized REGISTER accepted without a challenge');
    log(`pre-authorized re-REGISTER (nc=00000002): 200 in ${ms.toFixed(2)} ms`);

    // Unregister (nc=3) so later tests see only their own binding.
    const gone = await reg.send(reg.request(auth.preauthorize(reg.request()), 0));
    assert.equal(gone.res.status, 200);
    assert.equal(auth.nonceCount(kam.domain), 3);
    assert.equal((await kam.locations()).find((l) => l.aor.startsWith('johndoe')), undefined);
  });

  test('a wrong password ends as "rejected" after exactly one retry', { timeout: 20_000 }, async () => {
    const sock = await open();
    const reg = new Registrar(sock, kam, 'bob');
    const auth = new DigestAuthenticator({ credentials: new Credentials({ default: { username: 'bob', password: 'not-bobs' } }) });
    const result = await reg.run(auth);
    assert.deepEqual(result.statuses, [401, 401], 'two REGISTERs sent, both refused');
    assert.ok(result.failure);
    assert.equal(result.failure.reason, 'rejected');
    assert.match(result.failure.message, /authentication failed for realm sipA\.test/);
  });

  test('aliases reach the registered contact, unknown users get 404, Record-Route on INVITE', { timeout: 20_000 }, async () => {
    const callee = await open();
    const reg = new Registrar(callee, kam, 'johndoe');
    const auth = new DigestAuthenticator({ credentials: new Credentials({ default: { username: 'johndoe', password: 'secret' } }) });
    assert.deepEqual((await reg.run(auth)).statuses, [401, 200]);
    const caller = await open();
    // The callee answers whatever reaches it; OPTIONS with 200, INVITE with 486.
    const received: RawSipMessage[] = [];
    let serving = true;
    const serve = (async () => {
      while (serving) {
        const req = await callee.receive((m) => m.method !== undefined, 200);
        if (!req) continue;
        received.push(req);
        if (req.method === 'ACK') continue;
        const status = req.method === 'INVITE' ? [486, 'Busy Here'] : [200, 'OK'];
        await callee.send(buildResponse(req, status[0] as number, status[1] as string, { toTag: 'callee1' }), kam.udpPort);
      }
    })();
    try {
      for (const user of ['+554845678901', '45678901', 'johndoe']) {
        const uri = `sip:${user}@${kam.domain}`;
        const res = await caller.transact(
          buildRequest({ method: 'OPTIONS', uri, from: `<sip:caller@${kam.domain}>;tag=${randomToken()}`, to: `<${uri}>`, callId: randomToken(8), cseq: 1, viaHostPort: caller.hostPort }),
          kam.udpPort,
        );
        assert.equal(res?.status, 200, `OPTIONS to ${user} answered by the registered contact`);
        assert.equal(received.at(-1)?.uri, `sip:johndoe@${callee.hostPort}`, `${user} was rewritten to johndoe's contact`);
      }
      const nobody = `sip:nobody@${kam.domain}`;
      const res404 = await caller.transact(
        buildRequest({ method: 'OPTIONS', uri: nobody, from: `<sip:caller@${kam.domain}>;tag=${randomToken()}`, to: `<${nobody}>`, callId: randomToken(8), cseq: 1, viaHostPort: caller.hostPort }),
        kam.udpPort,
      );
      assert.equal(res404?.status, 404);

      const target = `sip:+554845678901@${kam.domain}`;
      const invite = buildRequest({
        method: 'INVITE', uri: target, from: `<sip:caller@${kam.domain}>;tag=${randomToken()}`, to: `<${target}>`, callId: randomToken(8), cseq: 1,
        viaHostPort: caller.hostPort, contact: `<sip:caller@${caller.hostPort}>`, body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
      });
      const busy = await caller.transact(invite, kam.udpPort);
      assert.equal(busy?.status, 486);
      const atCallee = received.find((m) => m.method === 'INVITE');
      assert.match(atCallee?.headers.get('record-route') ?? '', new RegExp(`<sip:127\\.0\\.0\\.1:${kam.udpPort};lr`));
      // ACK for the non-2xx goes hop-by-hop to the proxy with the INVITE's branch (RFC 3261 §17.1.1.3).
      const via = parseMessage(Buffer.from(invite)).headers.get('Via')!;
      await caller.send(
        [`ACK ${target} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${busy!.headers.get('from')}`, `To: ${busy!.headers.get('to')}`, `Call-ID: ${busy!.headers.get('call-id')}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'),
        kam.udpPort,
      );
    } finally {
      serving = false;
      await serve;
    }
  });

  test('the redirect listener answers 302 with the AOR at the proxy', { timeout: 20_000 }, async () => {
    const s = await open();
    const uri = `sip:45678901@${kam.domain}`;
    const res = await s.transact(
      buildRequest({ method: 'INVITE', uri, from: `<sip:caller@${kam.domain}>;tag=${randomToken()}`, to: `<${uri}>`, callId: randomToken(8), cseq: 1, viaHostPort: s.hostPort, contact: `<sip:caller@${s.hostPort}>` }),
      kam.redirectPort,
    );
    assert.equal(res?.status, 302);
    assert.equal(res!.headers.get('contact'), `<sip:johndoe@127.0.0.1:${kam.udpPort}>`);
  });

  test('sipp register-auth scenario (sipp\'s own MD5 digest) registers', { timeout: 30_000 }, async () => {
    const r = await runSipp({ scenario: 'register-auth', remote: `127.0.0.1:${kam.udpPort}`, service: 'bob', domain: kam.domain, authUser: 'bob', authPassword: 'bobpw', timeoutMs: 10_000 });
    assert.equal(r.exitCode, 0, r.errors || r.output.slice(-2000));
    assert.equal(r.stats?.successful, 1);
  });
});

describe('Kamailio with SHA-256, proxy authentication and a 2 s nonce lifetime', () => {
  let kam: KamailioHandle;
  let sock: RawSipSocket;
  before(async () => {
    kam = await startKamailio({ users, algorithm: 'SHA-256', ipv6: false, nonceExpire: 2, authenticateCalls: true });
    sock = await RawSipSocket.open(4);
  });
  after(async () => {
    await sock?.close();
    await kam?.stop();
  });

  test('our SHA-256 answer is accepted; an expired nonce is answered silently after stale=true', { timeout: 20_000 }, async () => {
    const reg = new Registrar(sock, kam, 'johndoe');
    const auth = new DigestAuthenticator({ credentials: new Credentials({ default: { username: 'johndoe', password: 'secret' } }) });
    const result = await reg.run(auth);
    assert.deepEqual(result.statuses, [401, 200]);
    const p = parseCredentials(result.last.headers.get('Authorization')!).params;
    assert.equal(p.get('algorithm'), 'SHA-256');
    assert.equal(p.get('qop'), 'auth');
    log(`SHA-256 REGISTER: ${result.ms.map((m) => m.toFixed(2)).join(' + ')} ms`);

    // After nonce_expire (2 s, counted in whole seconds by Kamailio) the cached nonce draws
    // 401 stale=true, answered silently.
    await new Promise((r) => setTimeout(r, 3200));
    const pre = reg.request(auth.preauthorize(reg.request()));
    const { res } = await reg.send(pre);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('WWW-Authenticate') ?? '', /stale=true/i);
    const answer = auth.authorize(pre, res);
    assert.ok(answer.ok, answer.ok ? '' : answer.message);
    assert.equal(answer.stale, true);
    assert.equal((await reg.send(reg.request(answer.fields))).res.status, 200);
  });

  test('407 from the proxy is answered with Proxy-Authorization; a wrong password is rejected', { timeout: 20_000 }, async () => {
    const send = async (password: string) => {
      const auth = new DigestAuthenticator({ credentials: new Credentials({ default: { username: 'johndoe', password } }) });
      const callId = newCallId('127.0.0.1');
      const tag = newTag();
      const statuses: number[] = [];
      let fields: AuthorizationField[] = [];
      for (let cseq = 1; cseq <= 4; cseq++) {
        const h = new HeaderList();
        h.append('Via', `SIP/2.0/UDP ${sock.hostPort};branch=${newBranch()};rport`);
        h.append('Max-Forwards', '70');
        h.append('From', `<sip:johndoe@${kam.domain}>;tag=${tag}`);
        h.append('To', `<sip:bob@${kam.domain}>`);
        h.append('Call-ID', callId);
        h.append('CSeq', `${cseq} MESSAGE`);
        h.append('Content-Type', 'text/plain');
        for (const f of fields) h.append(f.name, f.value);
        const req = new SipRequest('MESSAGE', `sip:bob@${kam.domain}`, h, Buffer.from('hello'));
        const raw = await sock.transact(serializeMessage(req), kam.udpPort);
        assert.ok(raw);
        const res = parseMessage(Buffer.from(raw.text)) as SipResponse;
        statuses.push(res.status);
        if (res.status !== 407) return { statuses, failure: undefined, sent: req };
        const answer = auth.authorize(req, res);
        if (!answer.ok) return { statuses, failure: answer, sent: req };
        fields = answer.fields;
      }
      throw new Error(`looped: ${statuses.join(' ')}`);
    };
    const good = await send('secret');
    // Authenticated, then relayed: bob is not registered, hence 404 from the location lookup.
    assert.deepEqual(good.statuses, [407, 404]);
    const p = parseCredentials(good.sent.headers.get('Proxy-Authorization')!).params;
    assert.equal(p.get('algorithm'), 'SHA-256');
    const bad = await send('wrong');
    assert.deepEqual(bad.statuses, [407, 407]);
    assert.equal(bad.failure?.reason, 'rejected');
  });
});

describe('sipp harness', () => {
  test('the UAS scenario answers a hand-made INVITE, then BYE', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-answer', timeoutMs: 15_000 });
    const s = await RawSipSocket.open(4);
    try {
      const uri = `sip:service@127.0.0.1:${uas.localPort}`;
      const from = `<sip:parley@${s.hostPort}>;tag=${randomToken()}`;
      const callId = randomToken(8);
      const t0 = performance.now();
      const ok = await s.transact(
        buildRequest({ method: 'INVITE', uri, from, to: `<${uri}>`, callId, cseq: 1, viaHostPort: s.hostPort, contact: `<sip:parley@${s.hostPort}>`, body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n' }),
        uas.localPort,
      );
      const inviteMs = performance.now() - t0;
      assert.equal(ok?.status, 200);
      assert.match(ok!.body, /m=audio \d+ RTP\/AVP 0/);
      const to = ok!.headers.get('to')!;
      assert.match(to, /;tag=/);
      const inDialog = (method: string, cseq: number) =>
        [`${method} ${uri} SIP/2.0`, `Via: SIP/2.0/UDP ${s.hostPort};branch=z9hG4bK${randomToken()};rport`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, 'Content-Length: 0', '', ''].join('\r\n');
      await s.send(inDialog('ACK', 1), uas.localPort);
      const byeOk = await s.transact(inDialog('BYE', 2), uas.localPort);
      assert.equal(byeOk?.status, 200);
      const result = await uas.result;
      assert.equal(result.exitCode, 0, result.errors || result.output.slice(-2000));
      assert.equal(result.stats?.successful, 1);
      assert.equal(result.stats?.failed, 0);
      log(`sipp UAS: INVITE→200 in ${inviteMs.toFixed(1)} ms; sipp ran ${result.durationMs.toFixed(0)} ms`);
    } finally {
      await s.close();
      await uas.stop();
    }
  });

  test('a failing scenario is reported (UAC to a busy UAS), and a hung one is bounded', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-busy', timeoutMs: 10_000 });
    try {
      const r = await runSipp({ scenario: 'uac-invite-bye', remote: `127.0.0.1:${uas.localPort}`, timeoutMs: 10_000 });
      assert.equal(r.exitCode, 1, 'the UAC expected 200 and got 486');
      assert.equal(r.stats?.failed, 1);
      assert.match(r.errors, /486|unexpected/i);
    } finally {
      await uas.stop();
    }
    // Nobody listens: the UAC gives up at its -timeout and is never left running.
    const hung = await runSipp({ scenario: 'uac-invite-bye', remote: `127.0.0.1:${uas.localPort}`, timeoutMs: 2_000 });
    assert.notEqual(hung.exitCode, 0);
    assert.ok(hung.durationMs < 6_000, `bounded: ${hung.durationMs} ms`);
  });
});

describe('baresip harness', () => {
  let kam: KamailioHandle;
  let bare: Awaited<ReturnType<typeof startBaresip>> | undefined;
  before(async () => {
    kam = await startKamailio({ users, ipv6: false });
  });
  after(async () => {
    const pid = bare?.pid;
    await bare?.stop();
    if (pid) assert.equal(groupAlive(pid), false, 'baresip is gone');
    await kam?.stop();
  });

  test('baresip starts, answers on ctrl_tcp, registers to Kamailio, and takes a call from sipp', { timeout: 40_000 }, async () => {
    const t0 = performance.now();
    bare = await startBaresip({
      accounts: [{ aor: `sip:bob@${kam.domain}`, password: 'bobpw', outbound: `sip:127.0.0.1:${kam.udpPort}`, regint: 60, answermode: 'auto', audioCodecs: 'PCMU/8000/1,PCMA/8000/1' }],
    });
    const ev = await bare.waitForEvent((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL', 5_000);
    const regMs = performance.now() - t0;
    assert.equal(ev.type, 'REGISTER_OK', JSON.stringify(ev));
    assert.equal(ev.accountaor, `sip:bob@${kam.domain}`);
    const info = await bare.command('reginfo');
    assert.equal(info.ok, true);
    assert.match(info.data, /sip:bob@sipA\.test.*OK/);
    const locs = await kam.locations();
    const bob = locs.find((l) => l.aor.startsWith('bob'));
    assert.ok(bob, JSON.stringify(locs));
    assert.match(bob.contacts[0]!.contact, new RegExp(`@127\\.0\\.0\\.1:${bare.sipPort}`));
    assert.match(bob.contacts[0]!.userAgent ?? '', /baresip/);
    log(`baresip: start→REGISTER_OK in ${regMs.toFixed(0)} ms (digest by baresip against Kamailio)`);

    const call = await runSipp({ scenario: 'uac-invite-bye', remote: `127.0.0.1:${kam.udpPort}`, service: 'bob', domain: kam.domain, pauseMs: 1000, timeoutMs: 15_000 });
    assert.equal(call.exitCode, 0, call.errors || call.output.slice(-2000));
    await bare.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 2_000);
    await bare.waitForEvent((e) => e.type === 'CALL_CLOSED', 5_000);
    // The record-routed BYE came through Kamailio.
    assert.match(call.messages, /Record-Route: <sip:127\.0\.0\.1:\d+;lr/);
    const files = bare.receivedAudioFiles();
    assert.equal(files.length, 1, 'sndfile dumped the received audio');
    // sipp sends no RTP in this scenario, so the dump holds (almost) nothing; audio checks come with peers that send.
    const wav = readWavPcm16(files[0]!);
    assert.equal(wav.sampleRate, 8000, 'PCMU decoded at 8 kHz');
  });
});
