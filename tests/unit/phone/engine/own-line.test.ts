/**
 * Our own line served as the dialog package (phone/own-line.ts, RFC 4235)
 * between engines on loopback, no server: C watches B directly (B's user
 * allows C first: a stranger's watch waits), sees B idle, then early with
 * A as the caller and the dialog's identifiers while A's call rings at B,
 * picks it up from the watched line (INVITE with Replaces to A) and hears
 * A; B's line is idle again, in that order, and every NOTIFY's version
 * counts up from 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WatchSnapshot } from '../../../../electron/api/presence-contract.ts';
import { dominantFrequency } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

describe('engine: our own line as a busy lamp for watchers (dialog package)', () => {
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;
  const aor = (p: TestPhone, user: string) => `sip:${user}@127.0.0.1:${p.port}`;

  before(async () => {
    [a, b, c] = await Promise.all([startPhone('a', 600), startPhone('b', 1000), startPhone('c', 800)]);
    await a.call('accounts.add', { aor: aor(a, 'alice'), codecs: ['PCMU'] });
    await b.call('accounts.add', { aor: aor(b, 'bob'), codecs: ['PCMU'] });
    await c.call('accounts.add', { aor: aor(c, 'carol'), codecs: ['PCMU'] });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    removeTempDirs();
  });

  test('C watches B (allowed by B), sees A’s call ring at B with its identifiers, picks it up, and B’s line is idle again', async () => {
    const states: string[] = [];
    const off = c.engine.events.on('watch', (w: WatchSnapshot) => {
      if (!w.line) return;
      const s = `${w.line.state}:${w.line.dialogs.map((d) => d.state).join('+')}`;
      if (states.at(-1) !== s) states.push(s);
    });
    try {
      const watch = await c.call('watch.add', { target: aor(b, 'bob') });
      const asked = await b.waitFor('watcher', (w) => w.state === 'pending' && w.watcher.startsWith('sip:carol@'), 5000, 'B is asked about C');
      await b.call('watchers.decide', { accountId: asked.accountId, watcher: asked.watcher, decision: 'allow' });
      await c.waitFor('watch', (w) => w.id === watch.id && w.line?.state === 'idle' && w.presence?.status === 'available', 5000, 'B idle and available');

      const out = await a.call('call.dial', { target: aor(b, 'bob') });
      const ringing = await b.waitFor('call.incoming', () => true, 5000, 'B rings');
      const seen = await c.waitFor('watch', (w) => w.id === watch.id && w.line?.state === 'ringing' && w.actions.includes('pickup'), 5000, 'C sees B ringing');
      const d = seen.line!.dialogs[0]!;
      assert.equal(d.direction, 'recipient');
      assert.equal(d.remote?.uri, aor(a, 'alice'), 'who is calling B');
      assert.equal(d.callId, ringing.sipCallId);
      assert.ok(d.localTag && d.remoteTag, JSON.stringify(d));

      const picked = await c.call('watch.pickup', { id: watch.id });
      await c.waitFor('call', (x) => x.id === picked.id && x.state === 'active', 5000, 'the pickup is answered by A');
      const atA = await a.waitFor('call', (x) => x.replacedCall === out.id && x.state === 'active', 5000, 'A talks to C instead');
      await b.waitFor('call', (x) => x.id === ringing.id && x.state === 'ended', 5000, 'B stops ringing');
      await c.waitFor('watch', (w) => w.id === watch.id && w.line?.state === 'idle', 5000, 'B idle again');
      const since = Date.now();
      await sleep(600);
      assert.ok(Math.abs(dominantFrequency(c.sinks.get(picked.id)!.since(since), 48000) - 600) < 5, 'C hears A');
      await c.call('call.hangup', { callId: picked.id });
      await a.waitFor('call', (x) => x.id === atA.id && x.state === 'ended', 5000);
    } finally {
      off();
    }
    assert.deepEqual(states.filter((s) => s !== 'unknown:'), ['idle:', 'ringing:early', 'idle:'], states.join(' → '));
    // B's NOTIFYs to C: the dialog-info versions count 0, 1, 2… (RFC 4235 §4.1), one per change.
    const versions = b.events
      .filter((e) => e.event === 'trace' && e.data.direction === 'out' && /^NOTIFY /.test(e.data.text) && /dialog-info/.test(e.data.text))
      .map((e) => (e.event === 'trace' ? Number(/version="(\d+)"/.exec(e.data.text)?.[1]) : -1));
    assert.ok(versions.length >= 3, `idle, ringing, idle at least: ${versions.join(', ')}`);
    assert.deepEqual(versions, versions.map((_, i) => i), `versions ${versions.join(', ')}`);
  });
});
