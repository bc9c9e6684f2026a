/**
 * Presence, busy lamps and voicemail against Kamailio 5.6 as the presence
 * server (kamailio-presence-modules: presence, presence_xml,
 * presence_dialoginfo, presence_mwi, pua, pua_dialoginfo) on loopback, with
 * PUBLISH and SUBSCRIBE challenged (407) like calls:
 *  - Parley "alice" publishes each status; Parley "bob" watches her and sees
 *    every change;
 *  - Parley "bob" watches baresip's presence (published, then closed);
 *  - baresip watches alice's presence (Busy, Offline, Online);
 *  - BLF: bob watches alice's line while carol calls her: early (who calls),
 *    confirmed, terminated → idle, in that order; alice shows busy meanwhile;
 *  - BLF pickup: alice calls carol (baresip rings), bob picks the call up
 *    from carol's watched line (INVITE with Replaces to alice through
 *    Kamailio) and hears alice's tone;
 *  - MWI: a sipp scenario PUBLISHes a message summary for alice (Kamailio
 *    NOTIFYs her subscription) and sends an unsolicited NOTIFY through it;
 *  - MWI through the CLI: `parley listen --json` (dave) and `parley listen`
 *    (erin, lines for people) print the voicemail counts of both NOTIFYs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchSnapshot } from '../../electron/api/presence-contract.ts';
import { startBaresip, startKamailio } from './harness/index.ts';
import { startParleyEngine } from './harness/parley-engine.ts';
import type { BaresipHandle, KamailioHandle } from './harness/index.ts';
import type { ParleyEnginePeer } from './harness/parley-engine.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import { runSipp } from './harness/sipp.ts';
import { assertHeard, describeTone, measureWav } from './harness/tone-measure.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';
import { StallWatch } from '../helpers/stall-watch.ts';

const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'bob', password: 'bobpw' },
  { username: 'carol', password: 'carolpw' },
  { username: 'dave', password: 'davepw' },
  { username: 'erin', password: 'erinpw' },
];

describe('presence, BLF and MWI through Kamailio presence', { timeout: 180_000 }, () => {
  let kam: KamailioHandle;
  let alice: ParleyEnginePeer;
  let bob: ParleyEnginePeer;
  let carol: BaresipHandle;
  let aliceId = '';
  let bobId = '';
  let watchId = '';

  before(async () => {
    kam = await startKamailio({ users, aliases: [], ipv6: false, presence: true, authenticateCalls: true, debug: Number(process.env.KAM_DEBUG ?? 2) });
    const proxy = `sip:127.0.0.1:${kam.udpPort}`;
    [alice, bob] = await Promise.all([startParleyEngine({ name: 'alice', toneHz: 600 }), startParleyEngine({ name: 'bob', toneHz: 700 })]);
    const add = async (p: ParleyEnginePeer, user: string) => {
      const a = await p.call('accounts.add', { aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
      await p.waitFor('registration', (r) => r.accountId === a.id && r.state === 'registered', 10_000, `${user} registered`);
      return a.id;
    };
    [aliceId, bobId] = await Promise.all([add(alice, 'alice'), add(bob, 'bob')]);
    carol = await startBaresip({
      accounts: [{ aor: `sip:carol@${kam.domain}`, password: 'carolpw', outbound: `${proxy};lr`, regint: 600, audioCodecs: 'PCMU/8000/1', extra: ';pubint=10' }],
      extraModules: ['contact.so', 'presence.so'],
      contacts: [`"Alice" <sip:alice@${kam.domain}>;presence=p2p`],
    });
    const deadline = Date.now() + 10_000;
    while (!(await kam.locations()).some((l) => l.aor.startsWith('carol'))) {
      if (Date.now() > deadline) throw new Error(`carol did not register:\n${carol.logs().slice(-2000)}`);
      await sleep(100);
    }
  });

  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close(), carol?.stop()]);
    await kam?.stop();
  });

  it('alice publishes each status (PUBLISH answered after a 407); bob sees every change', async () => {
    const watch = await bob.call('watch.add', { target: `sip:alice@${kam.domain}`, accountId: bobId });
    watchId = watch.id;
    const seen = (status: string, note?: string) => (w: WatchSnapshot) => w.id === watchId && w.presence?.status === status && (note === undefined || w.presence.note === note);
    const changes: [string, string | undefined][] = [
      ['away', 'back at 3'],
      ['busy', undefined],
      ['dnd', 'in a meeting'],
      ['offline', undefined],
      ['available', 'hello'],
    ];
    const latencies: number[] = [];
    for (const [status, note] of changes) {
      const t0 = performance.now();
      const own = await alice.call('presence.set', { status: status as 'away', note: note ?? null });
      assert.equal(own.status, status);
      await bob.waitFor('watch', seen(status, note), 15_000, `bob sees alice ${status}`).catch((e: unknown) => {
        const last = bob.all('watch').filter((w) => w.id === watchId).at(-1);
        throw new Error(`${String(e)}; bob's last view: ${JSON.stringify(last)}; alice: ${JSON.stringify(alice.all('presence.own').at(-1))}\n${alice.trace().slice(-3000)}`);
      });
      latencies.push(performance.now() - t0);
    }
    const own = await alice.call('presence.get', {});
    assert.deepEqual(own.publications.map((p) => [p.accountId, p.state]), [[aliceId, 'published']]);
    assert.ok(alice.trace().includes('407 Proxy Authentication Required'), 'the PUBLISH was challenged and answered');
    process.stdout.write(`# presence change → bob's watch event through Kamailio: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms\n`);
  });

  it("baresip watches alice's presence through Kamailio: Online, Busy, Offline, Online as alice publishes them", async () => {
    // carol's contact list has alice with presence=p2p: baresip subscribes (a second after it starts) to her presence
    // at the server, which has her PUBLISH; its `contacts` command shows what it last got.
    const seen = async () => /\u001b\[\d*m(\w+)\u001b\[;m Alice/.exec((await carol.command('contacts')).data)?.[1] ?? '?';
    const expect = async (words: string, status?: 'busy' | 'offline' | 'available') => {
      if (status) await alice.call('presence.set', { status, note: null });
      const deadline = Date.now() + 15_000;
      let last = await seen();
      while (last !== words) {
        if (Date.now() > deadline) assert.fail(`baresip shows alice ${last}, not ${words}:\n${carol.logs().slice(-1500)}`);
        await sleep(100);
        last = await seen();
      }
    };
    await expect('Online');
    await expect('Busy', 'busy');
    await expect('Offline', 'offline');
    await expect('Online', 'available');
  });

  it("bob watches baresip's presence: open, then closed when it goes offline", async () => {
    const w = await bob.call('watch.add', { target: `sip:carol@${kam.domain}`, accountId: bobId, line: false });
    await bob.waitFor('watch', (x) => x.id === w.id && x.presence?.status === 'available', 30_000, 'carol available (baresip publishes every 10 s)');
    const r = await carol.command('presence_offline');
    assert.ok(r.ok, r.data);
    await bob.waitFor('watch', (x) => x.id === w.id && x.presence?.status === 'offline', 20_000, 'carol offline').catch((e: unknown) => {
      throw new Error(`${String(e)}; bob's last view: ${JSON.stringify(bob.all('watch').filter((x) => x.id === w.id).at(-1)?.presence)}\n${kam.logs().split('\n').filter((l) => /carol/.test(l)).slice(-20).join('\n')}\n${carol.logs().slice(-1500)}`);
    });
    await carol.command('presence_online');
    await bob.call('watch.remove', { id: w.id });
  });

  it("BLF: bob sees alice's line go idle → early (carol calls) → confirmed → terminated (idle), and alice busy meanwhile", async () => {
    await bob.waitFor('watch', (x) => x.id === watchId && x.line?.state === 'idle', 15_000, 'alice line idle');
    const lineStates: string[] = [];
    const off = bob.engine.events.on('watch', (x) => {
      if (x.id !== watchId || !x.line) return;
      const d = x.line.dialogs[0];
      const s = d ? d.state : 'idle';
      if (lineStates.at(-1) !== s) lineStates.push(s);
    });
    try {
      const dialled = await carol.command('dial', `sip:alice@${kam.domain}`);
      assert.ok(dialled.ok, dialled.data);
      const incoming = await alice.waitFor('call.incoming', () => true, 15_000, 'alice rings');
      // RFC 4235 early: the 180 reached the proxy (pua_dialoginfo reports trying first, on the INVITE).
      const ringing = await bob.waitFor('watch', (x) => x.id === watchId && x.line?.state === 'ringing' && x.line.dialogs[0]?.state === 'early', 15_000, 'alice line early');
      const rd = ringing.line!.dialogs[0]!;
      assert.equal(rd.direction, 'recipient');
      assert.match(rd.remote?.uri ?? '', /carol/, 'who is calling is shown');
      assert.ok(ringing.actions.includes('pickup'));
      await alice.call('call.answer', { callId: incoming.id });
      await bob.waitFor('watch', (x) => x.id === watchId && x.line?.state === 'busy', 15_000, 'alice line busy').catch((e: unknown) => {
        throw new Error(`${String(e)}; bob's last view: ${JSON.stringify(bob.all('watch').filter((w) => w.id === watchId).at(-1)?.line)}; states ${lineStates.join(',')}\n${kam.logs().split('\n').filter((l) => /dialog|dlg|INVITE|ERROR|WARN/i.test(l)).slice(-40).join('\n')}`);
      });
      await bob.waitFor('watch', (x) => x.id === watchId && x.presence?.status === 'busy', 15_000, 'alice busy while in a call');
      await sleep(500);
      await carol.command('hangup');
      // The line's own events, in order (a waitFor would also match the idle seen before the call).
      const idleDeadline = Date.now() + 15_000;
      while (!(lineStates.includes('confirmed') && lineStates.at(-1) === 'idle')) {
        if (Date.now() > idleDeadline) assert.fail(`alice's line did not become idle again: ${lineStates.join(' → ')}; alice calls ${JSON.stringify(alice.all('call').map((c) => c.state))}`);
        await sleep(50);
      }
      await bob.waitFor('watch', (x) => x.id === watchId && x.presence?.status === 'available', 15_000, 'alice available after the call');
    } finally {
      off();
    }
    // Kamailio's pua_dialoginfo with callee_trying reports trying/early before confirmed.
    const order = lineStates.filter((s) => s !== 'trying' && s !== 'proceeding');
    // (idle was seen before the call: the first waitFor of this test.)
    assert.deepEqual(order, ['early', 'confirmed', 'idle'], `line states seen: ${lineStates.join(' → ')}`);
  });

  it("BLF pickup: alice calls carol (baresip rings); bob picks it up from carol's line with Replaces through Kamailio and hears alice", async () => {
    const line = await bob.call('watch.add', { target: `sip:carol@${kam.domain}`, accountId: bobId, presence: false });
    await bob.waitFor('watch', (x) => x.id === line.id && x.line?.state === 'idle', 15_000, "carol's line idle");
    const out = await alice.call('call.dial', { target: `sip:carol@${kam.domain}`, accountId: aliceId });
    const ringing = await bob.waitFor('watch', (x) => x.id === line.id && x.line?.state === 'ringing' && x.actions.includes('pickup') && x.line.dialogs[0]?.state === 'early', 15_000, "carol's line rings");
    const d = ringing.line!.dialogs[0]!;
    assert.ok(d.callId && d.localTag && d.remoteTag, `the server names the dialog for Replaces: ${JSON.stringify(d)}`);
    assert.match(d.remote?.uri ?? '', /alice/, 'who is calling is shown');
    // Both phones run in this process: a stall of its event loop is audio neither sent nor played (excused, printed).
    const stallWatch = new StallWatch().start();
    const picked = await bob.call('watch.pickup', { id: line.id });
    const talking = await bob.waitFor('call', (x) => x.id === picked.id && x.state === 'active', 15_000, 'the pickup is answered').catch((e: unknown) => {
      throw new Error(`${String(e)}\n${bob.trace().slice(-3000)}\n${alice.trace().slice(-3000)}`);
    });
    // Alice's phone takes bob's INVITE as the replacement of her call to carol (RFC 3891), and answers it at once.
    await alice.waitFor('call', (x) => x.replacedCall === out.id && x.state === 'active', 5_000, "alice talks to bob instead of carol's line");
    await alice.waitFor('call', (x) => x.id === out.id && x.state === 'ended', 5_000, "alice's call to carol ends (CANCEL)");
    await carol.waitForEvent((e) => e.type === 'CALL_CLOSED', 5_000);
    await sleep(1500);
    await bob.call('call.hangup', { callId: picked.id });
    await bob.waitFor('call', (x) => x.id === picked.id && x.state === 'ended', 5_000, 'bob hung up');
    const stalls = stallWatch.stop();
    const path = bob.recordings.get(picked.id)!;
    const deadline = Date.now() + 3000;
    while (readFileSync(path).readUInt32LE(40) === 0xffffffff && Date.now() < deadline) await sleep(25);
    const answeredMs = (bob.all('call').find((x) => x.id === picked.id && x.state === 'ended')?.endedAt ?? Date.now()) - (talking.answeredAt ?? 0);
    const heard = measureWav('bob', path, answeredMs, { stalledMs: stalls.lostMs });
    process.stdout.write(`# pickup through Kamailio: ${describeTone(heard)}\n`);
    assertHeard(heard, { hz: 600, sentDbfs: -15, answeredMs });
    await bob.call('watch.remove', { id: line.id });
  });

  it('MWI: a sipp PUBLISH of a message summary reaches alice through her subscription; an unsolicited NOTIFY too', async () => {
    await alice.waitFor('mwi', (m) => m.accountId === aliceId && m.subscription?.state === 'active', 15_000, 'alice subscribed to her message summary');
    await sendVoicemail(kam, 'alice', 'publish', () => alice.trace().slice(-3000));
    await sendVoicemail(kam, 'alice', 'notify', () => alice.trace().slice(-3000));
    const published = await alice.waitFor('mwi', (m) => m.accountId === aliceId && m.newMessages === 2, 15_000, 'alice: 2 new messages');
    assert.equal(published.oldMessages, 5);
    assert.equal(published.waiting, true);
    const unsolicited = await alice.waitFor('mwi', (m) => m.accountId === aliceId && m.newMessages === 3 && m.urgentNew === 1, 15_000, 'alice: 3 new (unsolicited)');
    assert.equal(unsolicited.voicemail, `sip:voicemail@${kam.domain}`);
  });

  it('MWI through the CLI: `parley listen --json` and `parley listen` print the voicemail counts of a subscribed and an unsolicited NOTIFY', async () => {
    const dir = makeTempDir('mwi-cli');
    const listen = (user: string, json: boolean) =>
      new ParleyProcess(
        ['listen', '--aor', `sip:${user}@${kam.domain}`, '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0', ...(json ? ['--json'] : [])],
        { env: { XDG_CONFIG_HOME: join(dir.path, user), PARLEY_PASSWORD: `${user}pw` } },
      );
    const dave = listen('dave', true);
    const erin = listen('erin', false);
    const humanLine = async (p: ParleyProcess, pattern: RegExp, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(p.stdout)) {
        if (Date.now() > deadline || !p.running) assert.fail(`erin's listener did not print ${what}:\n${p.stdout}\n${p.stderr}`);
        await sleep(50);
      }
    };
    try {
      // Registered, and subscribed to its own message summary (Kamailio's presence_mwi answers with an empty NOTIFY).
      await dave.waitForEvent((e) => e.event === 'mwi' && e.data.subscription?.state === 'active', 20_000, "dave's message-summary subscription active");
      await humanLine(erin, /listening for calls to sip:erin@/, 'listening');
      await sendVoicemail(kam, 'dave', 'publish', () => dave.stdout.slice(-2000));
      await sendVoicemail(kam, 'erin', 'publish', () => erin.stdout.slice(-2000));
      const published = await dave.waitForEvent((e) => e.event === 'mwi' && e.data.newMessages === 2, 15_000, 'the count of the PUBLISHed summary');
      assert.equal(published.data.oldMessages, 5);
      assert.equal(published.data.waiting, true);
      assert.equal(published.data.subscription?.state, 'active', 'it came through the subscription');
      await humanLine(erin, /voicemail for [^\n]*: 2 new, 5 old \(urgent 0\/1\); voicemail: sip:voicemail@/, '"2 new, 5 old"');

      await sendVoicemail(kam, 'dave', 'notify', () => dave.stdout.slice(-2000));
      await sendVoicemail(kam, 'erin', 'notify', () => erin.stdout.slice(-2000));
      const unsolicited = await dave.waitForEvent((e) => e.event === 'mwi' && e.data.newMessages === 3, 15_000, 'the count of the unsolicited NOTIFY');
      assert.deepEqual(
        [unsolicited.data.accountId, unsolicited.data.oldMessages, unsolicited.data.urgentNew, unsolicited.data.urgentOld, unsolicited.data.voicemail],
        [published.data.accountId, 5, 1, 1, `sip:voicemail@${kam.domain}`],
      );
      await humanLine(erin, /voicemail for [^\n]*: 3 new, 5 old \(urgent 1\/1\); voicemail: sip:voicemail@/, '"3 new, 5 old (urgent 1/1)"');
      const voicemail = erin.stdout.split('\n').filter((l) => l.startsWith('voicemail'));
      process.stdout.write(`# parley listen: ${voicemail.join(' | ')}\n`);
      // A NOTIFY that changes only the subscription's expiry is no news to a person: no line twice in a row.
      assert.ok(voicemail.every((l, i) => i === 0 || l !== voicemail[i - 1]), `a voicemail line printed twice: ${voicemail.join(' | ')}`);
    } finally {
      await Promise.allSettled([dave.stop(), erin.stop()]);
      dir.remove();
    }
    assert.equal((await dave.exited).code, 0, dave.stderr);
  });
});

/**
 * sipp as a voicemail system for `user`: 'publish' PUBLISHes a message
 * summary (2 new, 5 old) to Kamailio, whose presence_mwi NOTIFYs the user's
 * subscription; 'notify' sends an unsolicited NOTIFY (3 new, 1 urgent;
 * RFC 3842 §4.4) straight to the user's registered contact, as a voicemail
 * server on the LAN does.
 */
async function sendVoicemail(kam: KamailioHandle, user: string, part: 'publish' | 'notify', context: () => string): Promise<void> {
  const dir = makeTempDir('mwi-sipp');
  try {
    let remote = `127.0.0.1:${kam.udpPort}`;
    if (part === 'notify') {
      const contact = (await kam.locations()).find((l) => l.aor.startsWith(`${user}@`) || l.aor === user)?.contacts[0]?.contact ?? '';
      const port = /:(\d+)/.exec(contact.replace(/^sip:[^@]*@/, ''))?.[1];
      assert.ok(port, `${user}'s contact: ${contact}`);
      remote = `127.0.0.1:${port}`;
    }
    const scenario = join(dir.path, `mwi-${part}.xml`);
    writeFileSync(scenario, mwiScenario(kam.domain, user, part));
    const run = await runSipp({ scenario, remote, service: user, calls: 1, timeoutMs: 30_000 });
    assert.equal(run.exitCode, 0, `${run.output.slice(-1500)}\n--- kamailio:\n${kam.logs().slice(-2000)}\n--- ${user}:\n${context()}`);
  } finally {
    dir.remove();
  }
}

function mwiScenario(domain: string, user: string, part: 'publish' | 'notify'): string {
  const publish = `  <send retrans="500"><![CDATA[
PUBLISH sip:${user}@${domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:voicemail@vm.invalid>;tag=[pid]vm1
To: <sip:${user}@${domain}>
Call-ID: [call_id]
CSeq: 1 PUBLISH
Max-Forwards: 70
Event: message-summary
Expires: 3600
Content-Type: application/simple-message-summary
Content-Length: [len]

Messages-Waiting: yes
Message-Account: sip:voicemail@${domain}
Voice-Message: 2/5 (0/1)
]]></send>
  <recv response="200"/>
`;
  const notify = `  <send retrans="500"><![CDATA[
NOTIFY sip:${user}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:voicemail@vm.invalid>;tag=[pid]vm2
To: <sip:${user}@${domain}>
Call-ID: [call_id]
CSeq: 1 NOTIFY
Max-Forwards: 70
Event: message-summary
Subscription-State: active
Content-Type: application/simple-message-summary
Content-Length: [len]

Messages-Waiting: yes
Message-Account: sip:voicemail@${domain}
Voice-Message: 3/5 (1/1)
]]></send>
  <recv response="200"/>
`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="mwi-${part}">
${part === 'publish' ? publish : notify}</scenario>
`;
}
