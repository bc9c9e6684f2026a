/**
 * The Messages view end to end against the REAL engine: Debian's Chromium,
 * driven by WebdriverIO, opens the page of a real `parley web` host; two
 * more real phone engines (Bob and Carol, who we write to, and Dave, a stranger)
 * exchange SIP MESSAGEs with it directly on loopback (its built-in direct
 * account, no server):
 *
 *   Chromium ──WS──▶ parley web ──SIP MESSAGE──▶ Bob's engine, Carol's engine
 *
 *   1. a new message typed in the page reaches Bob; the page shows "Delivered";
 *   2. Bob types (RFC 3994): the page shows "typing…"; Bob's reply, with
 *      right-to-left marks and control characters, is shown isolated and safe;
 *   3. while the page shows another view a message raises the unread badge
 *      and a notice; opening the conversation clears it;
 *   4. a message to a phone that blocked us ends "Not delivered: declined (603)";
 *   5. Dave, a stranger, lands under Requests; Block makes his next MESSAGE get 603.
 *
 *   node --test tests/e2e/messages-real.test.ts
 *
 * Screenshots go to tests/e2e/screenshots/real-messages-*.png (gitignored).
 * Skipped (with the reason) only when Chromium or chromedriver is missing.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApiClient } from '../../electron/api/api-client.ts';
import { startEngineClient, type EngineClient } from '../helpers/engine-client.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { buildRequest, RawSipSocket, randomToken } from '../interop/harness/raw-sip.ts';
import { browserAvailable, startBrowser, type Browser } from './browser.ts';
import { buildRenderer, ROOT } from './build-renderer.ts';
import { horizontalOverflow } from './layout.ts';
import { startWebHost, type WebHost } from './web-host.ts';

const missing = browserAvailable();
if (missing) process.stdout.write(`# messages-real: skipped: ${missing}\n`);
const SHOTS = join(ROOT, 'tests/e2e/screenshots');

describe('the Messages view against a real parley web host and three real phones', { skip: missing, timeout: 240_000 }, () => {
  let tmp: { path: string; remove(): void };
  let web: WebHost;
  let session: Browser;
  let browser: WebdriverIO.Browser;
  let bob: EngineClient;
  let carol: EngineClient;
  let dave: EngineClient;
  /** The web host's own address (its direct account), for the peers to write to. */
  let ours = '';

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    buildRenderer();
    tmp = makeTempDir('parley-e2e-msg-');
    web = await startWebHost({ dataDir: join(tmp.path, 'web') });
    bob = await startEngineClient({ name: 'bob', dataDir: join(tmp.path, 'bob'), answerAnyUser: false });
    carol = await startEngineClient({ name: 'carol', dataDir: join(tmp.path, 'carol'), answerAnyUser: false });
    dave = await startEngineClient({ name: 'dave', dataDir: join(tmp.path, 'dave'), answerAnyUser: false });
    const webEvent = web.events.find((e) => e.event === 'web')!;
    const ws = new WebSocket(String(webEvent.data.apiUrl));
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('the API WebSocket did not open')));
    });
    const api = createApiClient(ws);
    const accounts = await api.call('accounts.list');
    assert.ok(accounts.ok);
    ours = accounts.result.find((a) => a.id === 'direct')?.aor ?? accounts.result[0]!.aor;
    ws.close();
    session = await startBrowser({ width: 1280, height: 860 });
    browser = session.browser;
    await browser.url(web.url);
    await browser.$('[data-testid="registration-chip"]').waitForExist({ timeout: 15_000 });
  });

  after(async () => {
    await session?.close();
    await web?.stop();
    await bob?.engine.close();
    await carol?.engine.close();
    await dave?.engine.close();
    tmp?.remove();
  });

  const shot = async (name: string) => {
    await sleep(250);
    assert.equal(await horizontalOverflow(browser), undefined, `${name} scrolls sideways`);
    await browser.saveScreenshot(join(SHOTS, `real-messages-${name}.png`));
  };

  it('a new message reaches Bob and shows Delivered; Bob typing and his reply show, isolated and safe', async () => {
    await browser.keys(['Alt', '7']);
    await browser.$('h1=Messages').waitForExist({ timeout: 5000 });
    await browser.$('button*=New message').click();
    await browser.$('#message-to').setValue(bob.aor);
    const input = browser.$('[data-testid="message-input"]');
    await input.waitForExist({ timeout: 5000 });
    await input.setValue('Hello Bob 👋 — lunch at 1?');
    await browser.keys('Enter');
    const got = await bob.waitFor('message', (m) => m.direction === 'in', 10_000, 'the message at Bob');
    assert.equal(got.body, 'Hello Bob 👋 — lunch at 1?');
    assert.equal(got.peer, ours.replace(/;.*$/, ''), 'it came from the page’s own address');
    await browser.waitUntil(async () => (await browser.$$('[data-testid="delivery"]').map((d) => d.getText())).includes('Delivered'), { timeout: 10_000, timeoutMsg: 'no "Delivered" under the message' });

    await bob.call('messages.composing', { target: got.peer, active: true });
    await browser.$('p*=is typing').waitForExist({ timeout: 10_000 });
    await shot('typing');
    await bob.call('messages.send', { target: got.peer, body: 'Sure! \u202eevil.exe\u202c שלום' });
    await browser.waitUntil(async () => (await browser.$$('[role="log"] [data-testid="message"]').length) === 2, { timeout: 10_000, timeoutMsg: 'Bob’s reply did not show' });
    await browser.$('p*=is typing').waitForExist({ timeout: 5000, reverse: true });
    const bubble = browser.$$('[role="log"] [data-testid="message"] .body')[1]!;
    assert.equal(await bubble.getAttribute('dir'), 'auto');
    assert.equal(await bubble.getCSSProperty('unicode-bidi').then((p) => p.value), 'isolate');
    await shot('thread');
  });

  it('a message while another view shows raises the unread badge and a notice; opening the conversation reads it', async () => {
    await browser.keys(['Alt', '1']);
    await browser.$('#dial-input').waitForExist({ timeout: 5000 });
    const conv = (await bob.call('messages.conversations', {}))[0]!;
    await bob.call('messages.send', { target: conv.peer, body: 'Also: bring the slides' });
    await browser.$('[data-testid="unread-badge"]').waitForExist({ timeout: 10_000 });
    assert.match(await browser.$('[data-testid="unread-badge"]').getText(), /^1(\s*unread)?$/);
    await browser.waitUntil(async () => (await browser.$$('.toast').map((t) => t.getText())).some((t) => t.includes('Also: bring the slides')), { timeout: 5000, timeoutMsg: 'no notice of the message' });
    await shot('badge');
    await browser.keys(['Alt', '7']);
    await browser.$('[data-testid="unread-badge"]').waitForExist({ timeout: 10_000, reverse: true });
  });

  it('a message the other phone refuses ends "Not delivered" with the reason in words and the code (603 from a phone that blocked us)', async () => {
    await carol.call('messages.block', { peer: ours });
    await browser.$('button*=New message').click();
    await browser.$('#message-to').setValue(carol.aor);
    const input = browser.$('[data-testid="message-input"]');
    await input.waitForExist({ timeout: 5000 });
    await input.setValue('anyone there?');
    await browser.keys('Enter');
    await browser.waitUntil(async () => (await browser.$$('[data-testid="delivery"]').map((d) => d.getText())).some((t) => t.startsWith('Not delivered')), {
      timeout: 15_000,
      timeoutMsg: `no failure shown; the host's messages: ${JSON.stringify(web.events.filter((e) => e.event === 'message').map((e) => [e.data.peer, e.data.status, e.data.code]))}`,
    });
    const states = await browser.$$('[data-testid="delivery"]').map((d) => d.getText());
    assert.ok(states.includes('Not delivered: declined (603)'), states.join(' | '));
    await shot('failed');
  });

  it('a stranger lands under Requests; Block refuses his next MESSAGE with 603', async () => {
    await dave.call('messages.send', { target: ours, body: 'Hi, I got your number from the conference' });
    await browser.$('label*=Requests (1)').waitForExist({ timeout: 10_000 });
    await browser.$('label*=Requests (1)').click();
    await browser.$('button*=Hi, I got your number').click();
    await browser.$('p*=is not in your contacts').waitForExist({ timeout: 5000 });
    await shot('request');
    await browser.$('button=Block').click();
    await browser.$('p*=You blocked').waitForExist({ timeout: 5000 });
    // Dave's phone sees the refusal: a raw MESSAGE from his address gets 603 and is not stored.
    const sock = await RawSipSocket.open();
    try {
      const m = /^sip:([^@]+)@127\.0\.0\.1:(\d+)/.exec(ours)!;
      const daveUser = /^sip:([^@]+)@/.exec(dave.aor)![1];
      const text = buildRequest({
        method: 'MESSAGE', uri: `sip:${m[1]}@127.0.0.1:${m[2]}`, from: `<sip:${daveUser}@127.0.0.1:${/:(\d+)$/.exec(dave.aor)![1]}>;tag=${randomToken()}`, to: `<sip:${m[1]}@127.0.0.1:${m[2]}>`,
        callId: `${randomToken()}@e2e`, cseq: 1, viaHostPort: sock.hostPort, body: 'let me in', contentType: 'text/plain',
      });
      assert.equal((await sock.transact(text, Number(m[2]), 5000))?.status, 603);
    } finally {
      await sock.close();
    }
    const last = await dave.waitFor('message', (x) => x.direction === 'out' && x.status !== 'sending', 5000);
    assert.equal(last.status, 'delivered');
  });
});
