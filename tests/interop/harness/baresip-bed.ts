/**
 * startBaresipBed: the set-up the media interop tests share — Kamailio on
 * loopback UDP as registrar and proxy, baresip with one account per user
 * (password "pw", registered through Kamailio), and the whole Parley phone
 * (startParleyEngine, its tone as microphone) with the account
 * johndoe/secret, every registration waited for. With the helpers to find
 * each side's recording of a call, and close() that stops everything and
 * checks every process group is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AccountInput } from '../../../electron/api/commands.ts';
import { startBaresip, type BaresipAccount, type BaresipEvent, type BaresipHandle, type BaresipOptions } from './baresip.ts';
import { startKamailio, type KamailioHandle } from './kamailio.ts';
import { groupAlive, sleep } from './managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from './parley-engine.ts';

export interface BedBaresipAccount extends Omit<BaresipAccount, 'aor' | 'password' | 'outbound' | 'regint'> {
  /** The user part; the AOR is sip:<user>@<Kamailio's domain>. */
  user: string;
}

export interface BaresipBedOptions {
  /** Parley's microphone tone (peak -12 dBFS). */
  parleyHz: number;
  accounts: readonly BedBaresipAccount[];
  /** More baresip options (modules, rtcp_mux, config lines). */
  baresip?: Omit<BaresipOptions, 'accounts'>;
  /** Parley's account beyond AOR, password, registrar and proxy (default codecs PCMU). */
  parleyAccount?: Partial<AccountInput>;
  registerTimeoutMs?: number;
}

export interface BaresipBed {
  kam: KamailioHandle;
  bare: BaresipHandle;
  parley: ParleyEnginePeer;
  /** Parley's account (johndoe). */
  accountId: string;
  /** sip:<user>@<domain>. */
  aor(user: string): string;
  /** The first baresip event of `type` after the first `from` events. */
  nextBaresipEvent(type: string, from: number, timeoutMs: number): Promise<BaresipEvent>;
  /** The one recording baresip dumped since `before` (its receivedAudioFiles() then). */
  baresipRecording(before: readonly string[], timeoutMs?: number): Promise<string>;
  /** Parley's recording of a call, once its WAV header is final (the devices are released just after 'ended'). */
  parleyRecording(apiCallId: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startBaresipBed(o: BaresipBedOptions): Promise<BaresipBed> {
  const timeout = o.registerTimeoutMs ?? 8000;
  const kam = await startKamailio({ users: [{ username: 'johndoe', password: 'secret' }, ...o.accounts.map((a) => ({ username: a.user, password: 'pw' }))], ipv6: false });
  let bare: BaresipHandle | undefined;
  let parley: ParleyEnginePeer | undefined;
  const aor = (user: string) => `sip:${user}@${kam.domain}`;
  const close = async () => {
    await parley?.close();
    const pids = [bare?.pid, kam.pid];
    await bare?.stop();
    await kam.stop();
    for (const pid of pids) if (pid) assert.equal(groupAlive(pid), false, `process group ${pid} is gone`);
  };
  try {
    bare = await startBaresip({
      ...o.baresip,
      accounts: o.accounts.map(({ user, ...rest }) => ({ ...rest, aor: aor(user), password: 'pw', outbound: `sip:127.0.0.1:${kam.udpPort}`, regint: 600 })),
    });
    parley = await startParleyEngine({ name: 'parley', toneHz: o.parleyHz, toneDbfs: -12 });
    const account = await parley.call('accounts.add', {
      codecs: ['PCMU'],
      ...o.parleyAccount,
      aor: aor('johndoe'),
      password: 'secret',
      registrar: `sip:127.0.0.1:${kam.udpPort}`,
      outboundProxy: `sip:127.0.0.1:${kam.udpPort}`,
    });
    await parley.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', timeout, 'johndoe registered');
    const b = bare;
    const deadline = Date.now() + timeout;
    while (b.events.filter((e) => e.type === 'REGISTER_OK').length < o.accounts.length) {
      if (Date.now() > deadline) throw new Error(`baresip registrations: ${b.events.map((e) => `${e.type} ${e.accountaor}`).join(', ')}`);
      await sleep(50);
    }
    const p = parley;
    return {
      kam,
      bare: b,
      parley: p,
      accountId: account.id,
      aor,
      nextBaresipEvent: (type, from, timeoutMs) => b.waitForEvent((e) => e.type === type && b.events.indexOf(e) >= from, timeoutMs),
      async baresipRecording(before, timeoutMs = 3000) {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const fresh = b.receivedAudioFiles().filter((f) => !before.includes(f));
          if (fresh.length === 1) return fresh[0]!;
          assert.ok(fresh.length === 0 && Date.now() < end, `baresip dumped ${fresh.length} new recordings`);
          await sleep(50);
        }
      },
      async parleyRecording(apiCallId, timeoutMs = 3000) {
        const path = p.recordings.get(apiCallId);
        assert.ok(path, 'Parley opened devices for the call');
        const end = Date.now() + timeoutMs;
        while (readFileSync(path).readUInt32LE(40) === 0xffffffff && Date.now() < end) await sleep(25);
        return path;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
