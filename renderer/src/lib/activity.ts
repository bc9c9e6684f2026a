/**
 * Use of the page, for "away after idle" (electron/phone/idle-away.ts): a
 * key, a click, a touch, a scroll or the page coming back into view counts;
 * the phone hears of it (presence.activity { idleSeconds: 0 }) at most once
 * every REPORT_MS, so a moving mouse costs one command a half-minute. Once
 * at start too: the page was just opened by someone. The phone's clock
 * decides when the user became idle; the desktop glue adds the system's
 * idle time (use of other programs).
 */
export const REPORT_MS = 30_000;

const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'focus'] as const;

export interface ActivityTarget {
  addEventListener(type: string, listener: () => void, options?: { passive?: boolean; capture?: boolean }): void;
  removeEventListener(type: string, listener: () => void, options?: { capture?: boolean }): void;
}

/** Reports use seen on `target` (the window) and `doc` (visibility) through `report`; returns the stop function. */
export function watchActivity(target: ActivityTarget, doc: ActivityTarget & { visibilityState: string }, report: () => void, now: () => number = () => Date.now()): () => void {
  let last = -Infinity;
  const used = () => {
    const t = now();
    if (t - last < REPORT_MS) return;
    last = t;
    report();
  };
  const visible = () => {
    if (doc.visibilityState === 'visible') used();
  };
  for (const type of INPUT_EVENTS) target.addEventListener(type, used, { passive: true, capture: true });
  doc.addEventListener('visibilitychange', visible);
  used();
  return () => {
    for (const type of INPUT_EVENTS) target.removeEventListener(type, used, { capture: true });
    doc.removeEventListener('visibilitychange', visible);
  };
}

/** The events that give a page "user activation" in Chromium (what its autoplay policy asks before audio may start). */
const ACTIVATION_EVENTS = ['keydown', 'pointerdown', 'pointerup', 'touchend'] as const;

/**
 * Runs `fn` once the user has interacted with the page (at once when they
 * already have: `navigator.userActivation`), e.g. to prepare audio that the
 * browser would not start before.
 */
export function afterUserActivation(target: ActivityTarget, activated: boolean, fn: () => void): void {
  if (activated) {
    fn();
    return;
  }
  const once = () => {
    for (const type of ACTIVATION_EVENTS) target.removeEventListener(type, once, { capture: true });
    fn();
  };
  for (const type of ACTIVATION_EVENTS) target.addEventListener(type, once, { passive: true, capture: true });
}
