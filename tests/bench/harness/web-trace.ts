/**
 * Where the web UI's call set-up goes, by Chromium trace: Kamailio, baresip
 * answering (bob), a `parley web` host with alice registered and its page in
 * Chromium (as setup-time.bench's web caller); then N calls dialled from the
 * keypad (Enter), each under CDP tracing (timeline, V8 samples at 100 µs)
 * from before the key press to after the card says Connected, one trace file
 * per call in DIR (load it in Chrome's Performance panel) and a summary line
 * per call (web-trace-read.ts --summary). The first call is not traced.
 *
 *   node tests/bench/harness/web-trace.ts [--calls 5] [--out DIR] [--checkout DIR] [--no-title]
 *
 * --checkout: another checkout's host and renderer build (an A/B: run it for
 * each, alternately). --no-title: the page's document.title is held (what a
 * title change costs Chromium). Traced figures are slower than untraced
 * ones; compare CPU between runs of the same kind.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient } from '../../../electron/api/api-client.ts';
import { startBrowser } from '../../e2e/browser.ts';
import { soxTone } from '../../interop/harness/sox.ts';
import { startBaresip } from '../../interop/harness/baresip.ts';
import { startKamailio } from '../../interop/harness/kamailio.ts';
import { makeTempDir, sleep } from '../../interop/harness/managed-process.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CALLS = Number(argValue('--calls') ?? 5);
const OUT = argValue('--out') ?? join(tmpdir(), 'parley-web-trace');
const CHECKOUT = argValue('--checkout') ?? join(import.meta.dirname, '../../..');
const CATS = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'disabled-by-default-devtools.timeline.stack',
  'v8.execute',
  'blink.user_timing',
  'toplevel',
  'v8',
  'disabled-by-default-v8.cpu_profiler',
  'disabled-by-default-v8.cpu_profiler.hires',
  'blink',
  'cc',
  'scheduler',
].join(',');

const PROBE = `(() => {
  if (window.__wt) return;
  window.__wt = true;
  if (${process.argv.includes('--no-title') ? 'true' : 'false'}) Object.defineProperty(document, 'title', { get() { return 'Parley'; }, set() {} });
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && window.__dialAt === 0) { window.__dialAt = Date.now(); performance.mark('wt-dial'); } }, true);
  const look = () => {
    const state = document.querySelector('[data-testid="call-card"] p.state');
    if (window.__dialAt > 0 && window.__connectedAt === 0 && state && /Connected/.test(state.textContent || '')) { window.__connectedAt = Date.now(); performance.mark('wt-connected'); }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

class Cdp {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, (v: unknown) => void>();
  events: Array<Record<string, unknown>> = [];
  #done?: () => void;
  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener('message', (m) => {
      const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown; method?: string; params?: { value?: Array<Record<string, unknown>> } };
      if (msg.id !== undefined) this.#pending.get(msg.id)?.(msg.result);
      else if (msg.method === 'Tracing.dataCollected') this.events.push(...(msg.params?.value ?? []));
      else if (msg.method === 'Tracing.tracingComplete') this.#done?.();
    });
  }
  static async open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('cdp')));
    });
    return new Cdp(ws);
  }
  send(method: string, params: object = {}): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }
  async start(): Promise<void> {
    this.events = [];
    await this.send('Tracing.start', { traceConfig: { includedCategories: CATS.split(','), recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
  }
  async end(): Promise<Array<Record<string, unknown>>> {
    const done = new Promise<void>((r) => (this.#done = r));
    await this.send('Tracing.end');
    await done;
    return this.events;
  }
  close(): void {
    this.#ws.close();
  }
}

const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'bob', password: 'bobpw' },
];

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const { buildRenderer } = (await import(join(CHECKOUT, 'tests/e2e/build-renderer.ts'))) as typeof import('../../e2e/build-renderer.ts');
  const { startWebHost } = (await import(join(CHECKOUT, 'tests/e2e/web-host.ts'))) as typeof import('../../e2e/web-host.ts');
  buildRenderer();
  const kam = await startKamailio({ users, ipv6: false });
  const tmp = makeTempDir('webtrace');
  const proxy = `sip:127.0.0.1:${kam.udpPort}`;
  const bob = await startBaresip({ accounts: [{ aor: `sip:bob@${kam.domain}`, password: 'bobpw', outbound: proxy, regint: 600, audioCodecs: 'PCMU/8000/1', answermode: 'auto' }], dumpAudio: false });
  const bobSeen: string[] = [];
  bob.onEvent((e) => bobSeen.push(e.type));
  const web = await startWebHost({ dataDir: join(tmp.path, 'web-data') });
  let session: Awaited<ReturnType<typeof startBrowser>> | undefined;
  try {
    const ws = new WebSocket(web.url.replace(/^http/, 'ws').replace(/\/#token=(.*)$/, '/api?token=$1'));
    await new Promise<void>((resolve) => ws.addEventListener('open', () => resolve()));
    const api = createApiClient(ws);
    const added = await api.call('accounts.add', { aor: `sip:alice@${kam.domain}`, password: 'alicepw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    if (!added.ok) throw new Error(added.message);
    await web.waitFor('registration', (d) => d.state === 'registered', 10_000, 'registered');
    const mic = join(tmp.path, 'mic.wav');
    soxTone(mic, { hz: 700, seconds: 20, rate: 48000, peakDbfs: -12 });
    session = await startBrowser({ micWav: mic });
    const browser = session.browser;
    await browser.url(web.url);
    await sleep(1500);
    const caps = browser.capabilities as Record<string, { debuggerAddress?: string }>;
    const addr = caps['goog:chromeOptions']?.debuggerAddress;
    if (!addr) throw new Error('chromedriver gave no DevTools address');
    const browserTarget = (await (await fetch(`http://${addr}/json/version`)).json()) as { webSocketDebuggerUrl: string };
    const cdp = await Cdp.open(browserTarget.webSocketDebuggerUrl);
    for (let i = 0; i < CALLS + 1; i++) {
      await browser.execute(PROBE);
      await browser.execute('window.__dialAt = 0; window.__connectedAt = 0;');
      await browser.keys(['Alt', '1']);
      const input = browser.$('#dial-input');
      await input.waitForExist({ timeout: 5000 });
      await input.setValue(`bob@${kam.domain}`);
      await sleep(300);
      if (i > 0) await cdp.start();
      await sleep(100);
      const b0 = bobSeen.length;
      await browser.keys('Enter');
      let marks = { dialAt: 0, connectedAt: 0 };
      const deadline = Date.now() + 10_000;
      while (marks.connectedAt === 0 && Date.now() < deadline) {
        marks = (await browser.execute('return { dialAt: window.__dialAt, connectedAt: window.__connectedAt }')) as unknown as typeof marks;
        if (marks.connectedAt === 0) await sleep(20);
      }
      await sleep(300);
      if (marks.connectedAt === 0) throw new Error(`call ${i}: the page did not say Connected within 10 s`);
      if (i > 0) {
        const events = await cdp.end();
        const file = join(OUT, `call-${i}.json`);
        writeFileSync(file, JSON.stringify({ traceEvents: events }));
        const summary = spawnSync(process.execPath, [join(import.meta.dirname, 'web-trace-read.ts'), file, '--summary'], { encoding: 'utf8', timeout: 60_000 }).stderr;
        console.log(`call ${i}: Connected ${marks.connectedAt - marks.dialAt} ms after Enter (the page's clock); ${summary.trim()}`);
      }
      const calls = await api.call('calls.list', {});
      if (calls.ok) for (const c of calls.result) await api.call('call.hangup', { callId: c.id });
      const until = Date.now() + 5000;
      while (!bobSeen.slice(b0).includes('CALL_CLOSED') && Date.now() < until) await sleep(20);
      await sleep(500);
    }
    cdp.close();
    api.close();
  } finally {
    await session?.close();
    await web.stop();
    await bob.stop();
    await kam.stop();
    tmp.remove();
  }
}

await main();
