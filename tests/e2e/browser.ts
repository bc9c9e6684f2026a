/**
 * Starts Debian's Chromium through WebdriverIO 9 with nothing downloaded
 * (chromedriver from /usr/bin and no browserVersion, so nothing is fetched), a
 * fresh profile, and a fake microphone that plays a WAV file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote } from 'webdriverio';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMEDRIVER = '/usr/bin/chromedriver';

export function browserAvailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  if (!existsSync(CHROMEDRIVER)) return `${CHROMEDRIVER} is missing (apt-get install chromium-driver)`;
  return undefined;
}

/** A 48 kHz mono WAV with a 440 Hz tone, made with sox when it is there. */
export function makeFakeMicWav(dir: string): string | undefined {
  const path = join(dir, 'mic.wav');
  const r = spawnSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', path, 'synth', '10', 'sine', '440', 'vol', '0.3'], { timeout: 20_000 });
  return r.status === 0 && existsSync(path) ? path : undefined;
}

export interface Browser {
  browser: WebdriverIO.Browser;
  close(): Promise<void>;
}

/** `micWav`: a 48 kHz mono WAV the fake microphone plays (default: makeFakeMicWav's 440 Hz tone). */
export async function startBrowser(options: { width?: number; height?: number; micWav?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const wav = options.micWav ?? makeFakeMicWav(profile);
  const width = options.width ?? 1280;
  const height = options.height ?? 800;
  // 'goog:loggingPrefs' is missing from WebdriverIO's capability types; Chromium honours it.
  const capabilities = {
    browserName: 'chrome',
    'goog:chromeOptions': {
      binary: CHROMIUM,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        '--force-device-scale-factor=1',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
        '--autoplay-policy=no-user-gesture-required',
        '--lang=en-GB',
      ],
    },
    'goog:loggingPrefs': { browser: 'ALL' },
    'wdio:chromedriverOptions': { binary: CHROMEDRIVER },
    'wdio:enforceWebDriverClassic': true,
  } as WebdriverIO.Capabilities;
  const browser = await remote({ logLevel: 'error', capabilities });
  return {
    browser,
    async close() {
      try {
        await browser.deleteSession();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Console messages of the page (classic WebDriver log), e.g. CSP violations. */
export async function browserLog(browser: WebdriverIO.Browser): Promise<Array<{ level: string; message: string }>> {
  try {
    return (await browser.getLogs('browser')) as Array<{ level: string; message: string }>;
  } catch {
    return [];
  }
}
