/**
 * The flood suite (CI version): five sipp floods at 200 requests/s for 10 s
 * against `parley listen --auto-answer`, then a real call from baresip. See
 * flood.ts for what each flood sends; the bench runs them longer.
 *
 * The INVITE flood runs last: its calls are refused after the 3 s ring
 * timeout, and their final responses, never ACKed, are retransmitted until
 * Timer H (32 s). That wait is the same one the drained test makes for every
 * transaction, so the INVITE flood's "no call held" is checked there, once
 * (it was 32 s of CI time on its own).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DiagnosticsCounts } from '../../electron/api/snapshots.ts';
import { activeFraction, dominantFrequency } from '../helpers/audio-analysis.ts';
import { startBaresip, type BaresipHandle } from '../interop/harness/baresip.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { readWavPcm16, writeToneWav } from '../interop/harness/wav.ts';
import { FLOODS, flood, floodTable, idle, type FloodRow } from './flood.ts';
import { Listener, mb } from './listener.ts';

const RATE = 200;
const SECONDS = 10;
/**
 * Once the floods' transactions have ended (RFC 3261 Timer J/L keep each one
 * 32 s after its answer), the heap after GC may exceed the baseline by this
 * much: code compiled meanwhile, caches that have reached their bound.
 */
const HEAP_BOUND = 8 * 1048576;

describe('floods against parley listen', () => {
  let listener: Listener;
  let baseline: DiagnosticsCounts;
  let bare: BaresipHandle | undefined;
  const tmp = makeTempDir('flood');
  const rows: FloodRow[] = [];

  before(async () => {
    // Unanswered calls stop ringing after 3 s (default 120 s) so that a CI run need not wait for them.
    listener = await Listener.start({ args: ['--tone', '440', '--ring-timeout', '3'] });
    baseline = await listener.settled(20_000, idle);
  });
  after(async () => {
    if (rows.length > 0) process.stdout.write(`# flood table\n${floodTable(rows, baseline).replace(/^/gm, '# ')}\n`);
    await bare?.stop();
    await listener?.stop();
    tmp.remove();
  });

  const invite = FLOODS.find((f) => f.scenario === 'flood-invite')!;
  for (const f of [...FLOODS.filter((x) => x !== invite), invite]) {
    const last = f === invite;
    const holds = last ? 'no call once Timer H has run (checked below)' : 'no call afterwards';
    test(`${f.name}: ${RATE}/s for ${SECONDS} s; the listener survives and holds ${holds}`, { timeout: 150_000 }, async () => {
      const row = await flood(listener, f, RATE, SECONDS, { settle: !last });
      rows.push(row);
      const a = row.after;
      process.stdout.write(`# ${f.name}: ${row.sent} sent in ${row.seconds.toFixed(1)} s; RSS ${mb(row.before.rssBytes)} → ${mb(a.rssBytes)} MB; heap ${mb(a.heapUsedBytes)} MB (baseline ${mb(baseline.heapUsedBytes)}); ${JSON.stringify(a)}\n`);
      assert.equal(row.alive, true, 'the listener survived');
      assert.ok(row.sent >= RATE * SECONDS * 0.9, `sipp sent ${row.sent}`);
      if (last) return;
      assert.deepEqual({ calls: a.calls, pending: a.pendingIncoming, media: a.mediaSessions, sipCalls: a.sipCalls, dialogs: a.dialogs }, { calls: 0, pending: 0, media: 0, sipCalls: 0, dialogs: 0 }, 'no call stuck');
    });
  }

  test('once the floods\' transactions have ended, nothing is held and the heap is back near the baseline', { timeout: 90_000 }, async () => {
    const t0 = performance.now();
    const drained = await listener.settled(60_000, (d) => idle(d) && d.transactions === 0 && d.callObjectsAlive === 0);
    // The INVITE flood's row shows what it held once its calls had ended, like the others'.
    const inviteRow = rows.find((r) => r.name === invite.name);
    if (inviteRow) Object.assign(inviteRow, { after: drained, settleS: (performance.now() - t0) / 1000 });
    process.stdout.write(`# drained: heap ${mb(drained.heapUsedBytes)} MB (baseline ${mb(baseline.heapUsedBytes)}), RSS ${mb(drained.rssBytes)} MB (baseline ${mb(baseline.rssBytes)}); ${JSON.stringify(drained)}\n`);
    assert.deepEqual({ calls: drained.calls, pending: drained.pendingIncoming, media: drained.mediaSessions, sipCalls: drained.sipCalls, dialogs: drained.dialogs }, { calls: 0, pending: 0, media: 0, sipCalls: 0, dialogs: 0 }, 'no call stuck (the INVITE flood\'s included)');
    assert.equal(drained.transactions, 0, 'every transaction ended');
    assert.equal(drained.callObjectsAlive, 0, 'no call object left after GC');
    assert.ok(drained.heapUsedBytes - baseline.heapUsedBytes <= HEAP_BOUND, `heap ${mb(drained.heapUsedBytes)} MB against a baseline of ${mb(baseline.heapUsedBytes)} MB`);
  });

  test('after the floods a real peer (baresip) still gets through, with audio both ways', { timeout: 90_000 }, async () => {
    const source = join(tmp.path, 'legit-600.wav');
    writeToneWav(source, { frequency: 600, seconds: 30, sampleRate: 8000 });
    bare = await startBaresip({ audioSourceFile: source, accounts: [{ aor: 'sip:legit@127.0.0.1', regint: 0, answermode: 'manual', audioCodecs: 'PCMU/8000/1' }] });
    const before = bare.receivedAudioFiles().length;
    const dial = await bare.command('dial', `sip:anyone@${listener.target}`);
    assert.equal(dial.ok, true, dial.data);
    await bare.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 15_000);
    await sleep(3000);
    await bare.command('hangup');
    await bare.waitForEvent((e) => e.type === 'CALL_CLOSED', 10_000);
    const q = (await listener.process.waitForEvent((e) => e.event === 'quality' && (e.data.packetsReceived ?? 0) > 0, 10_000, 'the call\'s quality')).data;
    process.stdout.write(`# legit call after the floods: listener received ${q.packetsReceived} packets, sent ${q.packetsSent}, MOS ${q.mos}\n`);
    assert.ok(q.packetsReceived >= 50, `the listener heard baresip: ${q.packetsReceived} packets (≥ 1 s of audio)`);
    await sleep(300);
    const files = bare.receivedAudioFiles();
    assert.equal(files.length, before + 1, 'baresip dumped the call');
    const wav = readWavPcm16(files.at(-1)!);
    const skip = Math.round(0.3 * wav.sampleRate);
    const rest = wav.samples.subarray(skip);
    const hz = dominantFrequency(rest, wav.sampleRate);
    const active = activeFraction(rest, wav.sampleRate);
    process.stdout.write(`# baresip heard ${hz.toFixed(1)} Hz, active ${(active * 100).toFixed(0)} %\n`);
    assert.ok(Math.abs(hz - 440) <= 10, `baresip heard ${hz} Hz`);
    assert.ok(active >= 0.8, `baresip heard audio ${(active * 100).toFixed(0)} % of the call`);
  });
});
