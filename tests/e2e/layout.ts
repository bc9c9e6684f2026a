/**
 * Layout and accessibility probes shared by the end-to-end tests:
 *
 *  - horizontalOverflow: the page must never scroll sideways
 *    (`document.scrollingElement.scrollWidth <= innerWidth`), and no element
 *    may stick out past the right edge of the window (an element clipped by
 *    `overflow: hidden` on the body would not make the document scroll, but the
 *    user still could not reach it);
 *  - axeSerious: axe-core (injected from node_modules) run on the page, its
 *    serious and critical violations as text.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const SIZES = [
  { width: 360, height: 640 },
  { width: 1400, height: 900 },
] as const;

const OVERFLOW_PROBE = `
  const doc = document.scrollingElement || document.documentElement;
  const width = window.innerWidth;
  const out = [];
  if (doc.scrollWidth > width) out.push('the document is ' + doc.scrollWidth + ' px wide in a ' + width + ' px window');
  const sticking = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= width + 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.position === 'fixed') continue;
    // Inside a box that scrolls or clips within the window (the header's chips) is fine: that box scrolls, not the page.
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') && p.getBoundingClientRect().right <= width + 1) { clipped = true; break; }
    }
    if (clipped) continue;
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '';
    sticking.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' ends at ' + Math.round(r.right) + ' px');
  }
  if (sticking.length > 0) out.push('sticking out: ' + sticking.slice(-4).join(', '));
  // A view scrolls inside its own box: that box must not scroll sideways either (only boxes marked
  // data-scroll-x, such as the header's row of account chips, may).
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const o = getComputedStyle(el).overflowX;
    if ((o !== 'auto' && o !== 'scroll') || el.closest('[data-scroll-x]') || el.scrollWidth <= el.clientWidth + 1) continue;
    let widest = '';
    let right = 0;
    const box = el.getBoundingClientRect();
    for (const child of Array.from(el.querySelectorAll('*'))) {
      const r = child.getBoundingClientRect();
      if (r.width > 0 && r.right > right && r.right > box.right) {
        right = r.right;
        widest = child.tagName.toLowerCase() + (typeof child.className === 'string' && child.className.trim() ? '.' + child.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
      }
    }
    out.push('a scroller scrolls sideways: ' + el.tagName.toLowerCase() + '.' + String(el.className).split(' ')[0] + ' is ' + el.scrollWidth + ' px wide in ' + el.clientWidth + ' px' + (widest ? ' (widest: ' + widest + ' to ' + Math.round(right) + ' px)' : ''));
  }
  return out;
`;

const AXE_RUN = `
  const done = arguments[arguments.length - 1];
  window.axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)) }))))
    .catch((e) => done([{ id: 'axe-failed', impact: 'critical', help: String(e), targets: [] }]));
`;

/** Undefined when nothing scrolls sideways; else what sticks out, in words. */
export async function horizontalOverflow(browser: WebdriverIO.Browser): Promise<string | undefined> {
  // A string, not a function: this file compiles without DOM types (the engine's tsconfig).
  const found = (await browser.execute(OVERFLOW_PROBE)) as unknown as string[];
  return found.length > 0 ? found.join('; ') : undefined;
}

const CLIPPED_OUTCOMES = `return [...document.querySelectorAll('[data-testid="history-outcome"]')]
  .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > e.parentElement.getBoundingClientRect().right + 1)
  .map((e) => e.textContent || '');`;

/** History outcomes ("Missed", "Declined"…) on the page that are cut; [] when none (or no History shown). */
export async function clippedHistoryOutcomes(browser: WebdriverIO.Browser): Promise<string[]> {
  return (await browser.execute(CLIPPED_OUTCOMES)) as unknown as string[];
}

let axeSource: string | undefined;

/** axe-core's serious and critical violations on the page now (WCAG 2.1 A/AA rules), one line each. */
export async function axeSerious(browser: WebdriverIO.Browser): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await browser.execute(axeSource);
  const result = (await browser.executeAsync(AXE_RUN)) as unknown as Array<{ id: string; impact: string; help: string; targets: string[] }>;
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(' ')})`);
}
