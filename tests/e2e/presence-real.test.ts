/**
 * Presence and busy lamps end to end against a REAL presence server:
 * Debian's Chromium, driven by WebdriverIO, opens the page of a real
 * `parley web` host (alice) registered with Kamailio 5.6 as presence server
 * (presence, presence_xml, presence_dialoginfo, pua_dialoginfo); two more
 * real phone engines register there too: Bob, the watched line, and Carol,
 * who calls him.
 *
 *   Chromium ──WS──▶ parley web (alice) ──SUBSCRIBE/PUBLISH──▶ Kamailio ◀── Bob's engine, Carol's engine
 *
 *   1. Contacts: Watch on Bob's card subscribes; his dot and words follow
 *      what he publishes (Available → Away "at lunch" → Do not disturb);
 *   2. the header's status picker publishes ours: Bob's phone, watching
 *      alice through Kamailio, sees Away with the note, then Busy;
 *   3. the Lines panel (busy lamps): Bob's lamp goes idle → ringing (who
 *      calls, and Pick up) → busy (in a call with Carol) → idle.
 * Each change is timed from the peer's action to the frame that shows it
 * (page-changes.ts) and printed; tests/bench/presence.bench.ts does 100.
 *
 *   node --test tests/e2e/presence-real.test.ts
 *
 * Screenshots go to tests/e2e/screenshots/presence-real-*.png (gitignored).
 * Skipped (with the reason) only when Chromium or chromedriver is missing.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApiClient, type ApiClient } from '../../electron/api/api-client.ts';
import { startEngineClient, type EngineClient } from '../helpers/engine-client.ts';
import { startKamailio, type KamailioHandle } from '../interop/harness/kamailio.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { browserAvailable, browserLog, startBrowser, type Browser } from './browser.ts';
import { buildRenderer, ROOT } from './build-renderer.ts';
import { horizontalOverflow } from './layout.ts';
import { medianP99, shownAfter, watchProbes } from './page-changes.ts';
import { startWebHost, type WebHost } from './web-host.ts';

const missing = browserAvailable();
if (missing) process.stdout.write(`# presence-real: skipped: ${missing}\n`);
const SHOTS = join(ROOT, 'tests/e2e/screenshots');

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** Registers `user` (password `${user}pw`) on an engine through Kamailio; resolves with the account id. */
async function registerEngine(p: EngineClient, kam: KamailioHandle, user: string): Promise<string> {
  const proxy = `sip:127.0.0.1:${kam.udpPort}`;
  const a = await p.call('accounts.add', { aor: `sip:${user}@${kam.domain}`, displayName: user[0]!.toUpperCase() + user.slice(1), password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
  await p.waitFor('registration', (r) => r.accountId === a.id && r.state === 'registered', 10_000, `${user} registered`);
  return a.id;
}

describe('presence, own status and busy lamps in Chromium against Kamailio as presence server', { skip: missing, timeout: 120_000 }, () => {
  let tmp: { path: string; remove(): void };
  let kam: KamailioHandle;
  let web: WebHost;
  let ws: WebSocket;
  let api: ApiClient;
  let session: Browser;
  let browser: WebdriverIO.Browser;
  let bob: EngineClient;
  let carol: EngineClient;
  let bobId = '';
  let carolId = '';
  const times: Record<string, number[]> = { presence: [], line: [] };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    buildRenderer();
    tmp = makeTempDir('e2e-presence');
    kam = await startKamailio({ users: ['alice', 'bob', 'carol'].map((u) => ({ username: u, password: `${u}pw` })), aliases: [], ipv6: false, presence: true });
    [web, bob, carol] = await Promise.all([
      startWebHost({ dataDir: join(tmp.path, 'web') }),
      startEngineClient({ name: 'bob', dataDir: join(tmp.path, 'bob') }),
      startEngineClient({ name: 'carol', dataDir: join(tmp.path, 'carol') }),
    ]);
    [bobId, carolId] = await Promise.all([registerEngine(bob, kam, 'bob'), registerEngine(carol, kam, 'carol')]);
    ws = new WebSocket(String(web.events.find((e) => e.event === 'web')!.data.apiUrl));
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('the API WebSocket did not open')));
    });
    api = createApiClient(ws);
    const proxy = `sip:127.0.0.1:${kam.udpPort}`;
    const added = await api.call('accounts.add', { aor: `sip:alice@${kam.domain}`, displayName: 'Alice', password: 'alicepw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    assert.ok(added.ok, JSON.stringify(added));
    await web.waitFor('registration', (r) => r.accountId === added.result.id && r.state === 'registered', 10_000, 'alice registered');
    assert.ok((await api.call('contacts.add', { name: 'Bob Lamp', addresses: [{ uri: `sip:bob@${kam.domain}` }] })).ok);
    session = await startBrowser({ width: 1100, height: 760 });
    browser = session.browser;
    await browser.url(web.url);
    await browser.$('[data-testid="status-picker"]').waitForExist({ timeout: 15_000 });
  });

  after(async () => {
    for (const [what, xs] of Object.entries(times)) if (xs.length > 0) log(`${what} change → shown in the page: ${medianP99(xs)}`);
    if (browser) for (const l of (await browserLog(browser)).filter((e) => e.level === 'SEVERE')) log(`page ${l.level}: ${l.message}`);
    ws?.close();
    await session?.close();
    await web?.stop();
    await Promise.allSettled([bob?.engine.close(), carol?.engine.close()]);
    await kam?.stop();
    tmp?.remove();
  });

  const shot = async (name: string) => {
    await sleep(250);
    assert.equal(await horizontalOverflow(browser), undefined, `${name} scrolls sideways`);
    await browser.saveScreenshot(join(SHOTS, `presence-real-${name}.png`));
  };

  it("Contacts: Watch subscribes to Bob through Kamailio; his dot and words follow each status he publishes", async () => {
    await browser.keys(['Alt', '2']);
    await browser.$('button.contact*=Bob Lamp').click();
    await browser.$('button[title^="Watch Bob Lamp"]').click();
    const words = browser.$('[data-testid="contact-presence"]');
    await browser.waitUntil(async () => (await words.isExisting()) && (await words.getText()) === 'Available', { timeout: 15_000, timeoutMsg: `Bob not shown available: ${JSON.stringify(web.events.filter((e) => e.event === 'watch').at(-1))}` });
    await watchProbes(browser, { words: '[data-testid="contact-presence"]' });
    for (const [status, note, shown] of [
      ['away', 'at lunch', 'Away · at lunch'],
      ['dnd', 'on a call with a customer', 'Do not disturb · on a call with a customer'],
      ['available', null, 'Available'],
    ] as const) {
      const t0 = Date.now();
      await bob.call('presence.set', { status, note });
      times.presence!.push(await shownAfter(browser, 'words', t0, (v) => v === `|${shown}`));
      // The dot beside his name in the list says the same (colour and label).
      const dot = browser.$('[aria-current="true"] [data-testid="presence-dot"]');
      assert.equal(await dot.getAttribute('data-state'), status);
      if (status === 'dnd') await shot('contact-dnd');
    }
  });

  it('the status picker publishes our status through Kamailio: Bob, watching alice, sees Away with the note, then Busy', async () => {
    const w = await bob.call('watch.add', { target: `sip:alice@${kam.domain}`, accountId: bobId, line: false });
    await bob.waitFor('watch', (x) => x.id === w.id && x.presence?.status === 'available', 15_000, 'alice available at Bob');
    await browser.$('[data-testid="status-picker"]').click();
    const note = browser.$('input[placeholder="In a meeting until 3"]');
    await note.setValue('Back at 3');
    await browser.$('label.choice*=Away').click();
    await bob.waitFor('watch', (x) => x.id === w.id && x.presence?.status === 'away' && x.presence.note === 'Back at 3', 15_000, 'Bob sees alice away "Back at 3"');
    await browser.waitUntil(async () => (await browser.$('[data-testid="status-picker"] [data-testid="presence-dot"]').getAttribute('data-state')) === 'away', { timeout: 5000, timeoutMsg: 'the header dot is not away' });
    await shot('status-picker');
    await browser.$('label.choice*=Busy').click();
    await bob.waitFor('watch', (x) => x.id === w.id && x.presence?.status === 'busy', 15_000, 'Bob sees alice busy');
    await browser.keys('Escape');
    const own = await api.call('presence.get');
    assert.ok(own.ok);
    assert.deepEqual(own.result.publications.map((p) => p.state), ['published']);
    await bob.call('watch.remove', { id: w.id });
  });

  it("the Lines panel: Bob's lamp goes idle → ringing (who calls, Pick up) → busy (with Carol) → idle", async () => {
    await browser.keys(['Alt', '1']);
    const lamp = browser.$('[data-testid="blf-line"]');
    await browser.waitUntil(async () => (await lamp.isExisting()) && (await lamp.getAttribute('data-state')) === 'idle', { timeout: 15_000, timeoutMsg: 'no idle lamp for Bob' });
    await watchProbes(browser, { lamp: '[data-testid="blf-line"]' });
    let t0 = Date.now();
    const out = await carol.call('call.dial', { target: `sip:bob@${kam.domain}`, accountId: carolId });
    const ringing = await bob.waitFor('call.incoming', () => true, 10_000, 'Bob rings');
    times.line!.push(await shownAfter(browser, 'lamp', t0, (v) => v.startsWith('ringing|')));
    assert.match(await lamp.getText(), /Ringing: carol@/i, 'who calls is shown');
    assert.ok(await browser.$('button.pickup').isDisplayed(), 'Pick up is offered while it rings');
    await shot('blf-ringing');
    t0 = Date.now();
    await bob.call('call.answer', { callId: ringing.id });
    times.line!.push(await shownAfter(browser, 'lamp', t0, (v) => v.startsWith('busy|')));
    assert.match(await lamp.getText(), /In a call with carol@/i);
    assert.equal(await browser.$('button.pickup').isExisting(), false, 'no Pick up once answered');
    await shot('blf-busy');
    t0 = Date.now();
    await carol.call('call.hangup', { callId: out.id });
    times.line!.push(await shownAfter(browser, 'lamp', t0, (v) => v.startsWith('idle|')));
    // Bob's presence followed his call too (busy while it lasted): the page saw it through the same watch.
    assert.ok(web.events.some((e) => e.event === 'watch' && (e.data.presence as { status?: string } | undefined)?.status === 'busy'), 'Bob was shown busy during the call');
  });
});
