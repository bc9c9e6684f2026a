/**
 * Screenshots of every main view in light and dark, for people to look at:
 *
 *   node tests/e2e/screenshots.ts [outDir]     (default tests/e2e/screenshots/)
 *
 * Builds the renderer, serves it from the real API server (electron/api) in
 * front of a mock phone (mock-phone.ts), drives Debian's Chromium headless
 * with WebdriverIO, and writes one PNG per view and theme. It also reports
 * what the page logged (a CSP violation shows up there) and how many
 * microphone frames reached the server during the call.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserAvailable, browserLog, startBrowser } from './browser.ts';
import { buildRenderer, RENDERER_OUT, ROOT } from './build-renderer.ts';
import { startMockPhone, type MockPhone } from './mock-phone.ts';

const outDir = process.argv[2] ?? join(ROOT, 'tests/e2e/screenshots');
const missing = browserAvailable();
if (missing) {
  process.stderr.write(`screenshots: ${missing}\n`);
  process.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  process.stdout.write('building the renderer…\n');
  buildRenderer();
  const phone = await startMockPhone({ staticRoot: RENDERER_OUT });
  const { browser, close } = await startBrowser();
  const saved: string[] = [];
  const problems: string[] = [];
  try {
    const shot = async (name: string, theme: string) => {
      await sleep(350); // let transitions settle
      const file = join(outDir, `${name}-${theme}.png`);
      await browser.saveScreenshot(file);
      saved.push(file);
    };
    // A real load each time: the app drops the token from the URL, so going to the page URL again
    // would only change the fragment and not reload.
    const openApp = async () => {
      await browser.url('about:blank');
      await browser.url(phone.pageUrl);
      await browser.$('[data-testid="registration-chip"]').waitForExist({ timeout: 10_000 });
    };
    const view = async (key: string, heading: string) => {
      await browser.keys(['Alt', key]);
      await browser.$(`h1=${heading}`).waitForExist({ timeout: 5000 });
    };

    for (const theme of ['light', 'dark'] as const) {
      phone.scenario.setSettings({ theme });
      await openApp();
      const htmlTheme: unknown = await browser.execute('return document.documentElement.dataset.theme');
      if (htmlTheme !== theme) problems.push(`theme ${theme}: <html data-theme> is ${String(htmlTheme)}`);
      await shot('dialpad', theme);

      await browser.$('#dial-input').setValue('4567');
      await shot('dialpad-typing', theme);
      // Backspace through the field (clearValue sends no input event, so the app would not see it).
      for (let i = 0; i < 4; i++) await browser.keys('Backspace');

      // Keyboard first: the focus ring must be plain to see.
      await browser.keys(['Tab']);
      await browser.keys(['Tab']);
      await shot('keyboard-focus', theme);

      await view('2', 'Contacts');
      await browser.$('button*=Alice Martin').click();
      await shot('contacts', theme);
      await browser.$('button*=Edit Alice').click();
      await browser.$('h2*=Edit Alice').waitForExist({ timeout: 5000 });
      await shot('contact-editor', theme);
      await browser.$('button=Cancel').click();

      await view('3', 'History');
      await shot('history', theme);

      await view('4', 'Accounts');
      await shot('accounts', theme);
      await browser.setWindowSize(1280, 1750);
      await shot('accounts-full', theme);
      await browser.setWindowSize(1280, 800);

      await view('5', 'Settings');
      await browser.setWindowSize(1280, 1000);
      await shot('settings', theme);
      await browser.setWindowSize(1280, 800);

      await view('1', 'Keypad');
      await browser.$('#dial-input').click();
      await browser.keys('9005550100'.split(''));
      await browser.keys('Enter');
      await browser.$('[role="alert"]').waitForExist({ timeout: 5000 });
      await shot('error-toast', theme);
      for (let i = 0; i < 10; i++) await browser.keys('Backspace');
      await browser.$('[role="alert"] button[aria-label="Dismiss"]').click();

      await callScenes(phone, browser, theme, shot, problems);
      phone.scenario.reset();
    }

    // Last: the phone goes away, and the page says it is reconnecting.
    await openApp();
    const logBefore = await browserLog(browser);
    await phone.server.close();
    await browser.$('div*=Lost the connection').waitForExist({ timeout: 5000 });
    await shot('reconnecting', 'dark');

    for (const entry of logBefore) {
      if (entry.level === 'SEVERE' || /Content Security Policy|Refused to/.test(entry.message)) problems.push(`page log: ${entry.level} ${entry.message}`);
    }
  } finally {
    await close();
    await phone.close();
  }
  process.stdout.write(`${saved.length} screenshots in ${outDir}\n`);
  process.stdout.write(`microphone frames received by the server: ${phone.captureFrames.length}` + (phone.captureFrames[0] ? ` (${phone.captureFrames[0].sampleRate} Hz, ${phone.captureFrames[0].samples.length} samples each)\n` : '\n'));
  if (problems.length > 0) {
    process.stdout.write(`problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

async function callScenes(phone: MockPhone, browser: WebdriverIO.Browser, theme: string, shot: (name: string, theme: string) => Promise<void>, problems: string[]): Promise<void> {
  const alice = phone.state.contacts.find((c) => c.id === 'c-alice');
  phone.scenario.incoming({
    id: `in-${theme}`,
    accountId: 'acc-home',
    remote: { uri: 'sip:+554845678901@gw.example.com', displayName: 'ALICE M', ...(alice ? { contactId: alice.id, contactName: alice.name } : {}) },
    localIdentity: 'sip:45678901@sipa.example.com',
    calledAlias: 'sip:45678901@sipa.example.com',
    ...(alice ? { contact: alice } : {}),
  });
  await browser.$('[data-testid="incoming-call"]').waitForExist({ timeout: 5000 });
  await shot('incoming', theme);

  const before = phone.captureFrames.length;
  await browser.$('button[aria-label^="Answer the call"]').click();
  await browser.$('[data-testid="call-card"]').waitForExist({ timeout: 5000 });
  phone.scenario.update(`in-${theme}`, { answeredAt: Date.now() - 83_000 });
  phone.scenario.stats(`in-${theme}`, 4.2, 0.4, 9);
  await sleep(1500);
  if (phone.captureFrames.length - before < 20) problems.push(`${theme}: only ${phone.captureFrames.length - before} microphone frames arrived during 1.5 s of call`);
  await shot('in-call', theme);

  await browser.$('[data-testid="call-card"]').$('button*=Keypad').click();
  for (const key of ['1', '2', '3', 'pound']) await browser.$(`[aria-label="Send keypad tones"] button[data-key="${key}"]`).click();
  await shot('in-call-keypad', theme);
  await browser.$('[data-testid="call-card"]').$('button*=Transfer').click();
  await browser.keys('Front desk'.split(''));
  await shot('in-call-transfer', theme);
  await browser.$('[data-testid="call-card"]').$('button*=Transfer').click();

  // A second call while the first is up: the first goes on hold when it is answered.
  phone.scenario.incoming({ id: `in2-${theme}`, accountId: 'acc-office', remote: { uri: 'sip:1000@pbx.example.com', contactId: 'c-front', contactName: 'Front desk' }, localIdentity: 'sip:2001@pbx.example.com', calledAlias: 'sip:2001@pbx.example.com' });
  await browser.$('[data-testid="incoming-call"]').waitForExist({ timeout: 5000 });
  await browser.$('button[aria-label^="Answer the call"]').click();
  await browser.$('button*=Swap').waitForExist({ timeout: 5000 });
  phone.scenario.stats(`in2-${theme}`, 3.3, 4.8, 38);
  await shot('two-calls', theme);

  await browser.keys(['Alt', '3']);
  await browser.$('h1=History').waitForExist({ timeout: 5000 });
  await shot('history-during-call', theme);

  // An outgoing call that ends busy: the screen says so in words, with the code.
  await browser.keys(['Alt', '1']);
  const dial = browser.$('#dial-input');
  await dial.waitForExist({ timeout: 5000 });
  await dial.setValue('chen@partner.example.org');
  await browser.keys('Enter');
  await sleep(400);
  const out = phone.state.calls.find((c) => c.direction === 'out' && c.state === 'dialing');
  if (!out) {
    problems.push(`${theme}: pressing Enter in the dial field placed no call`);
    return;
  }
  phone.scenario.update(out.id, { state: 'ringing', code: 180, reason: 'Ringing' });
  await shot('outgoing-ringing', theme);
  phone.scenario.update(out.id, { state: 'ended', endedAt: Date.now(), code: 486, reason: 'Busy Here', words: 'busy' });
  await shot('call-ended', theme);
}

main().catch((e: unknown) => {
  process.stderr.write(`screenshots failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
