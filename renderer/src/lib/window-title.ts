/**
 * The window's title follows the calls ("Incoming: Bob · Parley", "Bob ·
 * Parley"). A tab's new title makes Chromium redraw its own top-chrome UI,
 * in a renderer process of its own: 20–70 ms of CPU per change by Chromium
 * trace — as much as the whole page spends setting up a call, and on a
 * two-core machine it ran beside the call's events. So a ringing call's title
 * is set at once (it may be what tells the user, in another tab, that
 * someone calls), and any other change waits until the calls have been still
 * for TITLE_SETTLE_MS: a dialled call's title comes after its set-up, not
 * during it.
 */
export const TITLE_SETTLE_MS = 1500;

export interface TitleTarget {
  title: string;
}

export interface TitleTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: TitleTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

export class WindowTitle {
  readonly #target: TitleTarget;
  readonly #timers: TitleTimers;
  #pending: unknown;

  constructor(target: TitleTarget, timers: TitleTimers = browserTimers) {
    this.#target = target;
    this.#timers = timers;
  }

  /** The title the calls ask for; `urgent` (a call rings): now, else once they have been still for TITLE_SETTLE_MS. */
  want(title: string, urgent: boolean): void {
    this.#cancel();
    if (urgent) {
      this.#apply(title);
      return;
    }
    if (this.#target.title === title) return;
    this.#pending = this.#timers.set(() => {
      this.#pending = undefined;
      this.#apply(title);
    }, TITLE_SETTLE_MS);
  }

  dispose(): void {
    this.#cancel();
  }

  #apply(title: string): void {
    if (this.#target.title !== title) this.#target.title = title;
  }

  #cancel(): void {
    if (this.#pending === undefined) return;
    this.#timers.clear(this.#pending);
    this.#pending = undefined;
  }
}
