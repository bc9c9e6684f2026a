/**
 * When the page SHOWS something, measured in the page: a MutationObserver
 * reads a few probes (a selector's text and data-state) after every DOM
 * change, and each new value is noted with the wall-clock time
 * (Date.now(), the same clock as the test process on this machine) of the
 * next animation frame — the frame that paints it. The test notes when it
 * made a peer change and reads back how long the page took to show it.
 *
 *   await watchProbes(browser, { bob: '[data-testid="contact-presence"]' });
 *   const t0 = Date.now(); await bob.call('presence.set', …);
 *   const ms = await shownAfter(browser, 'bob', t0, (v) => v.startsWith('Away'));
 */

interface Mark {
  probe: string;
  value: string;
  t: number;
}

/** Starts noting the values of `probes` (name → CSS selector; value = "data-state|text" of the first match, "" when absent). */
export async function watchProbes(browser: WebdriverIO.Browser, probes: Record<string, string>): Promise<void> {
  // Page code as text: this file is compiled without the DOM's types.
  await browser.execute(
    `const list = arguments[0];
    window.__probeObserver?.disconnect();
    window.__marks = [];
    const last = {};
    const read = (selector) => {
      const el = document.querySelector(selector);
      return el ? (el.getAttribute('data-state') ?? '') + '|' + (el.textContent ?? '').replace(/\\s+/g, ' ').trim() : '';
    };
    const check = () => {
      for (const [probe, selector] of Object.entries(list)) {
        const value = read(selector);
        if (last[probe] === value) continue;
        last[probe] = value;
        requestAnimationFrame(() => window.__marks.push({ probe, value, t: Date.now() }));
      }
    };
    check();
    window.__probeObserver = new MutationObserver(check);
    window.__probeObserver.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state', 'class'] });`,
    probes,
  );
}

/** Ms from `since` (Date.now() in this process) to the first frame showing a value of `probe` that passes `match`; rejects after `timeoutMs`. */
export async function shownAfter(browser: WebdriverIO.Browser, probe: string, since: number, match: (value: string) => boolean, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen: Mark[] = [];
  for (;;) {
    seen = (await browser.execute('return window.__marks ?? []')) as unknown as Mark[];
    const hit = seen.find((m) => m.probe === probe && m.t >= since && match(m.value));
    if (hit) return hit.t - since;
    if (Date.now() > deadline) {
      const mine = seen.filter((m) => m.probe === probe).slice(-5);
      throw new Error(`the page did not show the change of ${probe} within ${timeoutMs} ms; last values: ${JSON.stringify(mine)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Median and p99 of a list of ms, as text. */
export function medianP99(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  return `median ${at(50).toFixed(0)} ms, p99 ${at(99).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms (n=${s.length})`;
}
