/**
 * SIP over TLS end to end (issue "Secure calls" §1, §5): Kamailio with its
 * tls module on a loopback TLS port, its certificate issued by a CA this test
 * makes with openssl; the `parley` command registers, calls and is called
 * over TLS, with SDES-SRTP audio measured both ways against baresip (also on
 * TLS, trusting the same CA). The failure cases end with their reason checked:
 * an untrusted CA, a pinned fingerprint that does not match, and a TLS server
 * that drops the connection of a registered phone (re-registered at once).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { startKamailio, type KamailioHandle } from './harness/kamailio.ts';
import { startBaresip, type BaresipHandle } from './harness/baresip.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import { readWavPcm16, writeToneWav } from './harness/wav.ts';
import { activeFraction, dominantFrequency } from '../helpers/audio-analysis.ts';
import { TestPki } from '../helpers/test-pki.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

const users = [
  { username: 'johndoe', password: 'secret' },
  { username: 'bob', password: 'bobpw' },
  { username: 'carol', password: 'carolpw' },
];

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

const SETUP_S = 0.1;
function analyse(path: string, talkS: number) {
  const wav = readWavPcm16(path);
  const skip = Math.min(wav.samples.length, Math.round(SETUP_S * wav.sampleRate));
  const rest = wav.samples.subarray(skip);
  const seconds = rest.length / wav.sampleRate;
  const activeS = activeFraction(rest, wav.sampleRate) * seconds;
  return { hz: dominantFrequency(wav.samples, wav.sampleRate), presence: activeS / Math.max(0.001, talkS - SETUP_S) };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('SIP over TLS with Kamailio (tls module) and baresip', () => {
  let kam: KamailioHandle;
  let pki: TestPki;
  let tmp: { path: string; remove: () => void };
  let bare: BaresipHandle | undefined;
  const procs: ParleyProcess[] = [];
  const parley = (args: string[]) => {
    const p = new ParleyProcess(args, { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
    procs.push(p);
    return p;
  };
  const proxy = () => `127.0.0.1:${kam.tlsPort}`;
  const account = (user: string, password: string) => ['--aor', `sip:${user}@${kam.domain}`, '--password', password, '--proxy', proxy(), '--transport', 'tls', '--bind', '127.0.0.1:0'];
  let serverFingerprint = '';

  before(async () => {
    tmp = makeTempDir('tls-kamailio');
    pki = TestPki.create('Parley Interop CA');
    // The proxy is reached by its IP literal: the certificate names it as an iPAddress (and the SIP domain as a sip: URI).
    const leaf = pki.leaf({ commonName: 'sipA.test', altNames: ['URI:sip:sipA.test', 'DNS:sipA.test', 'IP:127.0.0.1'] });
    serverFingerprint = leaf.fingerprint256;
    kam = await startKamailio({ users, ipv6: false, tls: { certFile: leaf.certFile, keyFile: leaf.keyFile } });
    log(`kamailio pid ${kam.pid}: UDP ${kam.udpPort}, TLS ${kam.tlsPort}`);
  });
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    await bare?.stop();
    await kam?.stop();
    pki?.remove();
    tmp?.remove();
  });

  test('register and unregister over TLS (the CA given with --tls-ca); the binding is a TLS contact', { timeout: 40_000 }, async () => {
    const p = parley(['register', ...account('carol', 'carolpw'), '--tls-ca', pki.caFile, '--json', '--duration', '1.5']);
    const reg = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 15_000, 'registered');
    log(`TLS registration: spawn → registered in ${reg.at.toFixed(0)} ms`);
    const bound = (await kam.locations()).find((l) => l.aor.startsWith('carol'));
    assert.ok(bound, 'carol is in the location table');
    assert.match(bound.contacts[0]!.contact, /transport=tls/i);
    const exit = await p.waitForExit(15_000);
    assert.equal(exit.code, 0, p.stderr);
    assert.equal((await kam.locations()).find((l) => l.aor.startsWith('carol')), undefined, 'binding removed over TLS');
  });

  test('untrusted CA: the registration fails saying so, and the hint offers --tls-pin with the fingerprint', { timeout: 30_000 }, async () => {
    const p = parley(['register', ...account('carol', 'carolpw'), '--duration', '3']);
    const exit = await p.waitForExit(20_000);
    assert.equal(exit.code, 6, p.stderr);
    assert.match(p.stderr, /issued by an authority this computer does not trust \(CN=Parley Interop CA\)/);
    assert.ok(p.stderr.includes(`--tls-pin ${serverFingerprint}`), p.stderr);
    log(`untrusted: "${p.stderr.trim().split('\n').at(-1)}"`);
  });

  test('pinned fingerprint: the right one registers without any CA; a wrong one is refused with both named', { timeout: 40_000 }, async () => {
    const ok = parley(['register', ...account('carol', 'carolpw'), '--tls-pin', serverFingerprint, '--json', '--duration', '0.5']);
    await ok.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 15_000, 'registered with the pin');
    assert.equal((await ok.waitForExit(15_000)).code, 0, ok.stderr);
    const wrong = 'AB:'.repeat(31) + 'AB';
    const bad = parley(['register', ...account('carol', 'carolpw'), '--tls-pin', wrong, '--duration', '3']);
    assert.equal((await bad.waitForExit(20_000)).code, 6, bad.stderr);
    assert.match(bad.stderr, /is not the one trusted for this account/);
    assert.ok(bad.stderr.includes(`presents ${serverFingerprint}`), bad.stderr);
  });

  test('a TLS connection dropped under a registered phone is reopened and the phone re-registered at once', { timeout: 60_000 }, async () => {
    // A TCP relay in front of Kamailio's TLS port that the test can cut (the TLS session runs end to end through it).
    const sockets = new Set<Socket>();
    const relay: Server = createNetServer((client) => {
      const upstream = netConnect(kam.tlsPort!, '127.0.0.1');
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayPort = (relay.address() as { port: number }).port;
    try {
      const args = ['--aor', `sip:carol@${kam.domain}`, '--password', 'carolpw', '--proxy', `127.0.0.1:${relayPort}`, '--transport', 'tls', '--bind', '127.0.0.1:0', '--tls-ca', pki.caFile];
      const p = parley(['register', ...args, '--json', '--duration', '20']);
      await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 15_000, 'registered');
      const registeredBefore = p.events.filter((e) => e.event === 'registration' && e.data.state === 'registered').length;
      const connections = sockets.size;
      assert.ok(connections >= 2, 'the TLS session runs through the relay');
      const cutAt = performance.now();
      for (const s of [...sockets]) s.destroy();
      await waitUntil(() => p.events.filter((e) => e.event === 'registration' && e.data.state === 'registered').length > registeredBefore, 10_000, 're-registration after the drop');
      const ms = performance.now() - cutAt;
      log(`TLS connection cut → registered again over a new connection in ${ms.toFixed(0)} ms`);
      assert.ok(ms < 5000, `re-registered ${ms.toFixed(0)} ms after the drop (not at the next refresh)`);
      assert.ok(sockets.size >= 2, 'a new TLS connection was opened');
      p.signal('SIGINT');
      await p.waitForExit(15_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  describe('calls over TLS with SDES-SRTP, baresip on TLS', () => {
    before(async () => {
      const source = join(tmp.path, 'bare-440.wav');
      writeToneWav(source, { frequency: 440, seconds: 30, sampleRate: 8000 });
      // baresip answers Kamailio's TLS connections (requests to its TLS contact) with a certificate of its own.
      const own = pki.leaf({ commonName: 'baresip.test', altNames: ['IP:127.0.0.1'] });
      const combined = join(tmp.path, 'baresip-cert.pem');
      writeFileSync(combined, own.cert + own.key);
      bare = await startBaresip({
        audioSourceFile: source,
        extraConfig: [`sip_cafile ${pki.caFile}`, `sip_certificate ${combined}`],
        accounts: [{ aor: `sip:bob@${kam.domain}`, password: 'bobpw', outbound: `sip:127.0.0.1:${kam.tlsPort};transport=tls`, regint: 60, answermode: 'auto', audioCodecs: 'PCMU/8000/1', mediaenc: 'srtp-mand' }],
      });
      const ev = await bare.waitForEvent((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL', 8_000);
      assert.equal(ev.type, 'REGISTER_OK', JSON.stringify(ev));
    });

    test('parley calls baresip over TLS: SRTP both ways, tones measured', { timeout: 60_000 }, async () => {
      const rec = join(tmp.path, 'from-baresip.wav');
      const before = bare!.receivedAudioFiles().length;
      const p = parley(['call', `sip:bob@${kam.domain}`, ...account('johndoe', 'secret'), '--tls-ca', pki.caFile, '--srtp', 'mandatory', '--codecs', 'PCMU', '--tone', '600', '--record', rec, '--duration', '3', '--json']);
      const exit = await p.waitForExit(30_000);
      assert.equal(exit.code, 0, p.stdout + p.stderr);
      await bare!.waitForEvent((e) => e.type === 'CALL_CLOSED', 5_000);
      const answered = p.events.find((e) => e.event === 'call' && e.data.state === 'active');
      assert.equal(answered?.data.srtp, true, 'the call is SRTP');
      const security = answered?.data.security as { summary: string; tlsVersion?: string; tlsCipher?: string } | undefined;
      // The version of the connection the call rides on (Kamailio's tls module offers 1.2 and 1.3) and its cipher.
      assert.match(security?.summary ?? '', /^Signalling: TLS 1\.[23] to 127\.0\.0\.1 · Media: SRTP AES-(128|256)-(GCM|CM) \(SDES\)$/);
      assert.match(security?.tlsCipher ?? '', /^TLS_/);
      log(`call screen: "${security?.summary}"`);
      const q = p.events.find((e) => e.event === 'quality')!.data;
      const ours = analyse(rec, q.durationS);
      log(`parley → baresip over TLS+SRTP: parley heard ${ours.hz.toFixed(1)} Hz ${(ours.presence * 100).toFixed(1)} %`);
      assert.ok(Math.abs(ours.hz - 440) <= 10, `parley heard ${ours.hz} Hz`);
      // Presence measured 93–98 % in both directions here, at a load average of 18 on 2 cores (one run 81 %):
      // the measure is sensitive to CPU starvation of the media tick, not to TLS or SRTP.
      assert.ok(ours.presence >= 0.9, `parley heard audio ${(ours.presence * 100).toFixed(1)} % of the talk time`);
      await sleep(300);
      const files = bare!.receivedAudioFiles();
      assert.equal(files.length, before + 1);
      const theirs = analyse(files.at(-1)!, q.durationS);
      log(`baresip heard ${theirs.hz.toFixed(1)} Hz ${(theirs.presence * 100).toFixed(1)} %`);
      assert.ok(Math.abs(theirs.hz - 600) <= 10, `baresip heard ${theirs.hz} Hz`);
      assert.ok(theirs.presence >= 0.9);
    });

    test('baresip calls parley over TLS (parley registered over TLS, listening): SRTP both ways, tones measured', { timeout: 60_000 }, async () => {
      const rec = join(tmp.path, 'listen-heard.wav');
      const listener = parley(['listen', ...account('johndoe', 'secret'), '--tls-ca', pki.caFile, '--srtp', 'optional', '--codecs', 'PCMU', '--auto-answer', '--tone', '1000', '--record', rec, '--json', '--verbose']);
      await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
      await listener.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 15_000, 'registered');
      const before = bare!.receivedAudioFiles().length;
      const established = bare!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
      const closed = bare!.events.filter((e) => e.type === 'CALL_CLOSED').length;
      const dial = await bare!.command('dial', `sip:johndoe@${kam.domain}`);
      assert.equal(dial.ok, true, dial.data);
      const incoming = await listener.waitForEvent((e) => e.event === 'call.incoming', 10_000, 'call.incoming');
      assert.ok(incoming);
      // RFC 5923: Kamailio sent the INVITE over the connection we registered on (Via ;alias), not a new one to our listener.
      const traces = listener.events.filter((e) => e.event === 'trace').map((e) => e.data as { direction: string; local: string; text: string });
      const register = traces.find((t) => t.direction === 'out' && /^REGISTER /.test(t.text));
      const invite = traces.find((t) => t.direction === 'in' && /^INVITE /.test(t.text));
      assert.match(register?.text ?? '', /^Via: SIP\/2\.0\/TLS [^\r\n]*;alias/m);
      assert.equal(invite?.local, register?.local, `INVITE on ${invite?.local}, registered from ${register?.local}`);
      log(`INVITE arrived on the registration's connection (${invite?.local})`);
      await waitUntil(() => bare!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length > established, 10_000, 'CALL_ESTABLISHED at baresip');
      await sleep(3000);
      assert.equal((await bare!.command('hangup')).ok, true);
      await waitUntil(() => bare!.events.filter((e) => e.type === 'CALL_CLOSED').length > closed, 5_000, 'CALL_CLOSED at baresip');
      const q = (await listener.waitForEvent((e) => e.event === 'quality', 8_000, 'quality')).data;
      const active = listener.events.find((e) => e.event === 'call' && e.data.state === 'active');
      assert.equal(active?.data.srtp, true, 'the call is SRTP');
      const stopped = await listener.stop();
      assert.equal(stopped.code, 0, listener.stderr);
      const ours = analyse(rec, q.durationS);
      log(`baresip → parley over TLS+SRTP: parley heard ${ours.hz.toFixed(1)} Hz ${(ours.presence * 100).toFixed(1)} %`);
      assert.ok(Math.abs(ours.hz - 440) <= 10, `parley heard ${ours.hz} Hz`);
      assert.ok(ours.presence >= 0.9, `parley heard audio ${(ours.presence * 100).toFixed(1)} % of the talk time`);
      await sleep(300);
      const files = bare!.receivedAudioFiles();
      assert.equal(files.length, before + 1);
      const theirs = analyse(files.at(-1)!, q.durationS);
      log(`baresip heard ${theirs.hz.toFixed(1)} Hz ${(theirs.presence * 100).toFixed(1)} %`);
      assert.ok(Math.abs(theirs.hz - 1000) <= 10, `baresip heard ${theirs.hz} Hz`);
    });
  });
});
