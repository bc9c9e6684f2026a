/**
 * First end-to-end smoke test of the renderer in Debian's Chromium, against
 * the real API server (electron/api) with a mock phone behind it:
 *
 *   node --test tests/e2e/smoke.test.ts
 *
 * What it proves: the built renderer loads under the server's strict CSP,
 * connects with the token from the URL fragment, shows registrations,
 * places a call from the keyboard, declines an incoming call as busy, and
 * carries audio both ways: microphone frames (the fake capture device plays
 * a 440 Hz WAV) reach the server as 20 ms 48 kHz frames, and playback frames
 * the server sends move the speaker meter. Skipped when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AudioFrame } from '../../electron/api/audio-frames.ts';
import { browserAvailable, browserLog, startBrowser, type Browser } from './browser.ts';
import { buildRenderer, RENDERER_OUT } from './build-renderer.ts';
import { startMockPhone, type MockPhone } from './mock-phone.ts';

const missing = browserAvailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length) / 32768;
}

describe('renderer smoke (Chromium + mock phone)', { skip: missing, timeout: 180_000 }, () => {
  let phone: MockPhone;
  let session: Browser;
  let browser: WebdriverIO.Browser;

  before(async () => {
    buildRenderer();
    phone = await startMockPhone({ staticRoot: RENDERER_OUT });
    session = await startBrowser();
    browser = session.browser;
    await browser.url(phone.pageUrl);
  });

  after(async () => {
    await session?.close();
    await phone?.close();
  });

  it('connects and shows each account’s registration, failures in words with the code', async () => {
    const chips = await until('registration chips', async () => {
      const els = await browser.$$('[data-testid="registration-chip"]').getElements();
      return els.length === 2 ? els : undefined;
    });
    assert.match(await chips[0]!.getText(), /John Doe\s+Registered/);
    assert.match(await chips[1]!.getText(), /Wrong password \(403\)/);
    const url = String(await browser.getUrl());
    assert.ok(!url.includes('token='), `the token should be gone from the address bar: ${url}`);
  });

  it('places a call typed on the keyboard, and carries audio both ways', async () => {
    const dial = browser.$('#dial-input');
    await dial.waitForExist({ timeout: 5000 });
    await dial.click();
    await browser.keys('2002'.split(''));
    await browser.keys('Enter');
    const call = await until('call.dial at the phone', () => phone.state.calls.find((c) => c.direction === 'out'));
    assert.equal(call.remote.uri, 'sip:2002@sipa.example.com');
    assert.deepEqual(phone.log.find((l) => l.cmd === 'call.dial')?.params, { target: '2002' });
    assert.equal(call.state, 'dialing');

    phone.scenario.update(call.id, { state: 'active', answeredAt: Date.now(), codec: 'PCMU/8000' });
    await browser.$('p*=Connected').waitForExist({ timeout: 5000 });

    // Microphone → server: 20 ms frames at 48 kHz, carrying the WAV's tone.
    const start = phone.captureFrames.length;
    await until('a second of microphone frames', () => (phone.captureFrames.length - start >= 50 ? true : undefined), 8000);
    const frames: AudioFrame[] = phone.captureFrames.slice(start);
    assert.ok(frames.every((f) => f.kind === 'capture' && f.sampleRate === 48000 && f.samples.length === 960 && f.stream === 0));
    const seqs = frames.map((f) => f.sequence);
    assert.ok(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff)), 'capture sequence numbers count up without gaps');
    const loud = frames.slice(10).filter((f) => rms(f.samples) > 0.01).length;
    assert.ok(loud > 20, `the fake microphone's tone should arrive (${loud} of ${frames.length - 10} frames carried sound)`);

    // Server → speaker: a 440 Hz tone; the speaker meter in Settings must move.
    await browser.keys(['Alt', '5']);
    await browser.$('h1=Settings').waitForExist({ timeout: 5000 });
    let sequence = 0;
    const timer = setInterval(() => {
      const samples = new Int16Array(960);
      for (let i = 0; i < 960; i++) samples[i] = Math.round(Math.sin((2 * Math.PI * 440 * (sequence * 960 + i)) / 48000) * 12000);
      phone.server.sendAudio({ kind: 'playback', sampleRate: 48000, sequence: sequence++ & 0xffff, stream: 0, samples });
    }, 20);
    try {
      const level = await until(
        'the speaker meter to move',
        async () => {
          const v = Number(await browser.$('[aria-label="Speaker level"]').getAttribute('aria-valuenow'));
          return v > 30 ? v : undefined;
        },
        6000,
      );
      assert.ok(level > 30);
    } finally {
      clearInterval(timer);
    }

    await browser.keys(['Alt', '0']);
    await browser.$('button[aria-label^="Hang up"]').click();
    await until('the call to end', () => (phone.state.calls.length === 0 ? true : undefined));
  });

  it('declines an incoming call as busy (486), showing which alias was called', async () => {
    phone.scenario.incoming({ id: 'smoke-in', accountId: 'acc-home', remote: { uri: 'sip:carol@example.com', displayName: 'Carol' }, calledAlias: 'sip:45678901@sipa.example.com', localIdentity: 'sip:45678901@sipa.example.com' });
    const dialog = browser.$('[data-testid="incoming-call"]');
    await dialog.waitForExist({ timeout: 5000 });
    const text = await dialog.getText();
    assert.match(text, /Carol/);
    assert.match(text, /45678901@sipa\.example\.com/);
    const focused = await browser.execute('return document.activeElement && document.activeElement.getAttribute("aria-label")');
    assert.match(String(focused), /^Answer the call/, 'the Answer button takes the focus');
    await browser.$('button[aria-label^="Answer busy"]').click();
    await until('the decline', () => (phone.state.calls.some((c) => c.id === 'smoke-in') ? undefined : true));
    assert.deepEqual(phone.log.filter((l) => l.cmd === 'call.decline'), [{ cmd: 'call.decline', params: { callId: 'smoke-in', code: 486 } }]);
    await dialog.waitForExist({ timeout: 5000, reverse: true });
  });

  it('without a microphone, still paces the call with silent frames and says why', async () => {
    phone.scenario.setSettings({ audioInput: 'no-such-microphone' });
    await browser.keys(['Alt', '1']);
    const dial = browser.$('#dial-input');
    await dial.waitForExist({ timeout: 5000 });
    await dial.click();
    await browser.keys('2003'.split(''));
    await browser.keys('Enter');
    const call = await until('the second call', () => phone.state.calls.find((c) => c.direction === 'out' && c.remote.uri.startsWith('sip:2003')));
    phone.scenario.update(call.id, { state: 'active', answeredAt: Date.now() });
    const warning = browser.$('p*=The other side hears silence');
    await warning.waitForExist({ timeout: 5000 });
    assert.match(await warning.getText(), /microphone is not connected/);
    const start = phone.captureFrames.length;
    await until('frames without a microphone', () => (phone.captureFrames.length - start >= 25 ? true : undefined), 8000);
    assert.ok(phone.captureFrames.slice(start).every((f) => rms(f.samples) === 0), 'the frames are silence');
    await browser.$('button[aria-label^="Hang up"]').click();
    await until('the call to end', () => (phone.state.calls.length === 0 ? true : undefined));
    phone.scenario.setSettings({ audioInput: 'default' });
  });

  it('logged no errors and no CSP violations', async () => {
    const bad = (await browserLog(browser)).filter((e) => e.level === 'SEVERE' || /Content Security Policy|Refused to/.test(e.message));
    assert.deepEqual(bad, []);
  });
});
