/**
 * `parley serve --tls-cert --tls-key` (the command, as a process) with real
 * phones registering and calling over TLS, audio measured both ways:
 *  - linphonec 5.1 and the Parley phone, both on TLS (liblinphone verifies
 *    the server certificate against the test's CA): each calls the other
 *    (harness/linphone-calls.ts, the same calls and measures as over UDP);
 *  - baresip 1.0 on TLS (sip_cafile) and the Parley phone on TLS: each calls
 *    the other.
 * A TLS account makes Parley insist on SRTP (SDES keys travel only inside
 * TLS), so the audio is SDES-SRTP; both phones are reached over the TLS
 * connections they registered on (the server never connects to them).
 * The SIP domain is 127.0.0.2 (harness/linphone-calls.ts says why).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestPki } from '../../helpers/test-pki.ts';
import { ParleyProcess, runParley } from '../../unit/cli/parley-process.ts';
import { newBaresipRecording, startBaresip, type BaresipEvent, type BaresipHandle } from '../harness/baresip.ts';
import { freePort } from '../harness/free-port.ts';
import { describeLinphoneCalls, LINPHONE_CALL_DOMAIN as DOMAIN, LINPHONE_CALL_USERS } from '../harness/linphone-calls.ts';
import { groupAlive, makeTempDir, sleep } from '../harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from '../harness/parley-engine.ts';
import { soxTone } from '../harness/sox.ts';
import { assertHeard, describeTone, measureWav } from '../harness/tone-measure.ts';

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

interface TlsServe {
  port: number;
  tlsPort: number;
  caFile: string;
  pid: number;
  waitBound(user: string, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** The users (and their passwords) added with `parley users add`, then `parley serve` with a certificate for 127.0.0.1 from a test CA. */
async function startTlsServe(users: readonly { username: string; password: string }[]): Promise<TlsServe> {
  const tmp = makeTempDir('serve-tls');
  const pki = TestPki.create('Parley serve test CA');
  const leaf = pki.leaf({ commonName: '127.0.0.1', altNames: ['IP:127.0.0.1', `IP:${DOMAIN}`] });
  const env = { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' };
  const dataDir = join(tmp.path, 'server');
  for (const u of users) {
    const added = await runParley(['users', 'add', u.username, '--password', u.password, '--domain', DOMAIN, '--data-dir', dataDir], { env });
    assert.equal(added.code, 0, added.stderr);
  }
  const port = await freePort(['udp4', 'tcp4']);
  const tlsPort = await freePort(['tcp4'], new Set([port]));
  const serve = new ParleyProcess(['serve', '--domain', DOMAIN, '--bind', `127.0.0.1:${port}`, '--tls-cert', leaf.certFile, '--tls-key', leaf.keyFile, '--tls-port', String(tlsPort), '--data-dir', dataDir, '--json'], { env });
  const serving = await serve.waitForEvent((e) => e.event === 'serving', 15_000, 'serving');
  const endpoints = (serving.data as { endpoints: { protocol: string; port: number }[] }).endpoints;
  assert.ok(endpoints.some((e) => e.protocol === 'tls' && e.port === tlsPort), `TLS listener: ${JSON.stringify(endpoints)}`);
  return {
    port, tlsPort, caFile: pki.caFile, pid: serve.pid,
    async waitBound(user, what) {
      await serve.waitForEvent((e) => {
        const d = e.data as { aor?: string; bindings?: { source: string }[] };
        return e.event === 'bindings' && d.aor === `sip:${user}@${DOMAIN}` && (d.bindings ?? []).some((b) => b.source.startsWith('tls:'));
      }, 10_000, what);
    },
    async stop() {
      await serve.stop();
      pki.remove();
      tmp.remove();
    },
  };
}

describeLinphoneCalls('Parley ↔ linphonec over TLS through parley serve --tls-cert (PCMU, SDES-SRTP)', async () => {
  const serve = await startTlsServe(LINPHONE_CALL_USERS);
  return {
    port: serve.port,
    tls: { port: serve.tlsPort, caFile: serve.caFile },
    pid: serve.pid,
    waitRegistered: (user) => serve.waitBound(user, `${user} registered over TLS`),
    stop: () => serve.stop(),
  };
});

describe('Parley ↔ baresip over TLS through parley serve --tls-cert (PCMU, SDES-SRTP)', () => {
  const PARLEY_HZ = 600;
  const BARESIP_HZ = 1000;
  const TALK_MS = 2500;
  let serve: TlsServe;
  let bare: BaresipHandle;
  let parley: ParleyEnginePeer;
  let accountId: string;
  const tmp = makeTempDir('serve-tls-baresip');

  before(async () => {
    serve = await startTlsServe([{ username: 'alice', password: 'wonder' }, { username: 'bob', password: 'builder' }]);
    const source = join(tmp.path, 'tone.wav');
    soxTone(source, { hz: BARESIP_HZ, seconds: 30, rate: 8000, channels: 1, peakDbfs: -12 });
    bare = await startBaresip({
      extraConfig: [`sip_cafile ${serve.caFile}`],
      accounts: [{
        aor: `sip:bob@${DOMAIN}`, password: 'builder', outbound: `sip:127.0.0.1:${serve.tlsPort};transport=tls`, regint: 600,
        answermode: 'auto', audioCodecs: 'PCMU/8000/1', mediaenc: 'srtp-mand', extra: `;audio_source=aufile,${source}`,
      }],
    });
    const reg = await bare.waitForEvent((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL', 10_000);
    assert.equal(reg.type, 'REGISTER_OK', JSON.stringify(reg));
    await serve.waitBound('bob', 'baresip registered over TLS');
    parley = await startParleyEngine({ name: 'alice-tls', toneHz: PARLEY_HZ, toneDbfs: -12, transports: ['udp', 'tls'] });
    const account = await parley.call('accounts.add', {
      aor: `sip:alice@${DOMAIN}`, password: 'wonder', transport: 'tls', tlsCaFile: serve.caFile,
      registrar: `sip:127.0.0.1:${serve.tlsPort}`, outboundProxy: `sip:127.0.0.1:${serve.tlsPort}`, codecs: ['PCMU'],
    });
    accountId = account.id;
    await parley.waitFor('registration', (r) => r.accountId === accountId && r.state === 'registered', 10_000, 'alice registered over TLS').catch((e: unknown) => {
      throw new Error(`${String(e)}\n${JSON.stringify(parley.all('registration'))}\n${parley.logs.filter((l) => l.level !== 'debug').map((l) => `${l.category} ${l.message} ${JSON.stringify(l.data)}`).join('\n').slice(-3000)}`);
    });
    await serve.waitBound('alice', 'alice bound over TLS');
  });

  after(async () => {
    await parley?.close();
    const pids = [bare?.pid, serve?.pid];
    await bare?.stop();
    await serve?.stop();
    tmp.remove();
    for (const pid of pids) if (pid) assert.equal(groupAlive(pid), false, `process group ${pid} is gone`);
  });

  const nextEvent = (type: string, from: number, timeoutMs: number): Promise<BaresipEvent> => bare.waitForEvent((e) => e.type === type && bare.events.indexOf(e) >= from, timeoutMs);

  async function measure(apiCallId: string, files: readonly string[], t0: number): Promise<void> {
    const trace = parley.all('trace').filter((t) => t.time >= t0);
    const answered = trace.find((t) => t.direction === 'in' && /^SIP\/2.0 200 /.test(t.text) && /^CSeq: \d+ INVITE/m.test(t.text)) ?? trace.find((t) => t.direction === 'in' && /^ACK /.test(t.text));
    const bye = trace.find((t) => /^BYE /.test(t.text));
    assert.ok(answered && bye, 'the answer and the BYE are in the trace');
    assert.ok(trace.filter((t) => /^(INVITE|BYE|ACK) /.test(t.text)).every((t) => t.transport === 'tls'), 'all of the call\'s requests went over TLS');
    const answeredMs = bye.time - answered.time;
    const path = parley.recordings.get(apiCallId);
    assert.ok(path);
    const deadline = Date.now() + 3000;
    while (readFileSync(path).readUInt32LE(40) === 0xffffffff && Date.now() < deadline) await sleep(25);
    const heardByBaresip = measureWav('baresip', await newBaresipRecording(bare, files), answeredMs, { heldBackMs: 100 });
    const heardByParley = measureWav('Parley', path, answeredMs);
    log(describeTone(heardByBaresip));
    log(describeTone(heardByParley));
    assertHeard(heardByBaresip, { hz: PARLEY_HZ, sentDbfs: -15, answeredMs });
    assertHeard(heardByParley, { hz: BARESIP_HZ, sentDbfs: -15, answeredMs });
  }

  test('Parley calls baresip over TLS: SRTP, both hear the other', { timeout: 40_000 }, async () => {
    const files = bare.receivedAudioFiles();
    const from = bare.events.length;
    const t0 = Date.now();
    const dialled = await parley.call('call.dial', { target: `sip:bob@${DOMAIN}`, accountId });
    const active = await parley.waitFor('call', (s) => s.id === dialled.id && (s.state === 'active' || s.state === 'ended'), 8000, 'answer');
    assert.equal(active.state, 'active', `${active.code} ${active.reason}\n${parley.trace()}`);
    assert.equal(active.srtp, true);
    await nextEvent('CALL_ESTABLISHED', from, 3000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${parley.trace()}\n${bare.logs().slice(-3000)}`);
    });
    await sleep(TALK_MS);
    await parley.call('call.hangup', { callId: dialled.id });
    await parley.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 5000, 'ended');
    await nextEvent('CALL_CLOSED', from, 5000);
    await measure(dialled.id, files, t0);
  });

  test('baresip calls Parley over TLS: SRTP, both hear the other', { timeout: 40_000 }, async () => {
    const files = bare.receivedAudioFiles();
    const from = bare.events.length;
    const t0 = Date.now();
    const seen = new Set(parley.all('call.incoming').map((i) => i.id));
    assert.equal((await bare.command('dial', `sip:alice@${DOMAIN}`)).ok, true);
    const ring = await parley.waitFor('call.incoming', (i) => !seen.has(i.id), 8000, 'alice rings');
    await parley.call('call.answer', { callId: ring.id });
    const active = await parley.waitFor('call', (s) => s.id === ring.id && (s.state === 'active' || s.state === 'ended'), 5000, 'active');
    assert.equal(active.state, 'active', `${active.code} ${active.reason}`);
    assert.equal(active.srtp, true);
    await nextEvent('CALL_ESTABLISHED', from, 3000);
    await sleep(TALK_MS);
    assert.equal((await bare.command('hangup')).ok, true);
    await parley.waitFor('call', (s) => s.id === ring.id && s.state === 'ended', 5000, 'ended by baresip\'s BYE');
    await nextEvent('CALL_CLOSED', from, 5000);
    await measure(ring.id, files, t0);
  });
});
