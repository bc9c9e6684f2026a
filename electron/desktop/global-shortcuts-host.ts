/**
 * The global shortcuts of the desktop app, from the engine's settings:
 *
 *   app.snapshot ─▶ desktop-shortcuts.json still there and the setting the default?
 *                     └▶ settings.update (validated) ─▶ file renamed (legacy-shortcuts-file.ts)
 *   settings (start, and each settings event) ─▶ CallKeys.apply ─▶ changed? ─▶ shortcuts.status to the window
 *   the window (re)loads ─▶ shortcuts.status again (what is held, what was refused, in words)
 *   a key pressed ─▶ calls.list ─▶ call.answer / decline / hangup / mute / hold / resume, or show the window
 */
import type { Dispatcher } from '../api/dispatcher.ts';
import type { GlobalShortcutsStatus, Settings } from '../api/contract.ts';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../api/global-shortcuts.ts';
import type { Logger } from '../common/logger.ts';
import { CallKeys, callKeyCommand, type GlobalShortcutLike } from './call-keys.ts';
import { readLegacyShortcuts, retireLegacyShortcuts } from './legacy-shortcuts-file.ts';

export interface GlobalShortcutsHostOptions {
  shortcuts: GlobalShortcutLike;
  dispatcher: Pick<Dispatcher, 'call'>;
  dataDir: string;
  logger: Logger;
  showWindow: () => void;
  /** Pushes the status to the window (ipc-binding send). */
  report: (status: GlobalShortcutsStatus) => void;
}

export interface GlobalShortcutsHost {
  /** The settings at start (app.snapshot): imports the old file once, then registers. */
  start(settings: Settings): Promise<void>;
  /** A settings event: re-registers when the shortcuts changed. */
  settingsChanged(settings: Settings): void;
  /** The window (re)loaded: tell it the status again. */
  rendererReady(): void;
  dispose(): void;
}

const context = { host: 'ipc', client: 'desktop-main' } as const;

export function hostGlobalShortcuts(options: GlobalShortcutsHostOptions): GlobalShortcutsHost {
  const { dispatcher, logger } = options;
  const keys = new CallKeys({
    shortcuts: options.shortcuts,
    logger,
    act: (action) => {
      if (action === 'show') return options.showWindow();
      void (async () => {
        const list = await dispatcher.call('calls.list', {}, context);
        const target = list.ok ? callKeyCommand(list.result, action) : undefined;
        if (!target) return;
        const done = await dispatcher.call(target.command, target.params as never, context);
        if (!done.ok) logger.info('shortcut command refused', { command: target.command, reason: done.message });
      })();
    },
  });
  const apply = (settings: Settings) => {
    const status = keys.apply(settings.globalShortcuts);
    if (status) options.report(status);
  };
  return {
    async start(settings) {
      let current = settings;
      const legacy = JSON.stringify(current.globalShortcuts) === JSON.stringify(DEFAULT_GLOBAL_SHORTCUTS) ? readLegacyShortcuts(options.dataDir, current.globalShortcuts, logger) : undefined;
      if (legacy) {
        const updated = await dispatcher.call('settings.update', { globalShortcuts: legacy }, context);
        if (updated.ok) {
          current = updated.result;
          logger.info('global shortcuts taken from desktop-shortcuts.json into the settings');
        } else logger.warn('desktop-shortcuts.json not taken', { reason: updated.message });
        // Either way it is read once: a refused file would be refused at every start.
        retireLegacyShortcuts(options.dataDir, logger);
      }
      apply(current);
    },
    settingsChanged: apply,
    rendererReady: () => options.report(keys.status),
    dispose: () => keys.dispose(),
  };
}
