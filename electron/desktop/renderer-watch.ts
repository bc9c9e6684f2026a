/**
 * Watches the window's page for the two things the shell must react to:
 *
 *  - a new document (reload, or the crashed page coming back): the page
 *    stops listening to events until its next app.snapshot, so links must
 *    wait (`onGone`). Only a main-frame, cross-document navigation counts:
 *    `did-start-loading` also fires for same-document navigations (the
 *    "Skip to content" link, history.pushState), after which no new
 *    app.snapshot comes and the link router would hold links forever;
 *  - the renderer process gone (crash, out of memory, killed): no ringtone
 *    and no audio until the page is back, so it is reloaded at once
 *    (`reload`), at most MAX_RELOADS times in RELOAD_WINDOW_MS so a page that
 *    crashes as it loads does not spin; after that it is left for the user
 *    to reopen, with an error in the log. A 'clean-exit' is not a crash.
 *
 * Structural types (no 'electron' import): Electron's WebContents fits.
 */
import type { Logger } from '../common/logger.ts';

export const MAX_RELOADS = 3;
export const RELOAD_WINDOW_MS = 60_000;

export interface NavigationDetails {
  readonly isMainFrame: boolean;
  readonly isSameDocument: boolean;
}

export interface WatchedContents {
  on(event: 'did-start-navigation', listener: (details: NavigationDetails) => void): unknown;
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
}

export interface RendererWatchOptions {
  onGone(): void;
  reload(): void;
  logger: Logger;
  now?: () => number;
}

export function watchRenderer(contents: WatchedContents, options: RendererWatchOptions): void {
  const now = options.now ?? Date.now;
  const reloads: number[] = [];
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) options.onGone();
  });
  contents.on('render-process-gone', (_event, details) => {
    options.onGone();
    if (details.reason === 'clean-exit') return;
    const t = now();
    while (reloads.length > 0 && reloads[0]! <= t - RELOAD_WINDOW_MS) reloads.shift();
    if (reloads.length >= MAX_RELOADS) {
      options.logger.error('renderer process gone again; not reloading', { reason: details.reason, exitCode: details.exitCode, reloads: reloads.length });
      return;
    }
    reloads.push(t);
    options.logger.error('renderer process gone; reloading the window', { reason: details.reason, exitCode: details.exitCode });
    options.reload();
  });
}
