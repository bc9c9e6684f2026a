/**
 * `desktop-shortcuts.json` in the data folder: how the global shortcuts were
 * set before Settings had an editor for them (written by hand):
 *   { "mediaKeys": true, "answer": "CommandOrControl+Alt+A", "hangup": "CommandOrControl+Alt+H" }
 * At start, while the `globalShortcuts` setting is still the default, the
 * file's keys become the setting (through settings.update, so the API
 * validates them) and the file is renamed `desktop-shortcuts.json.imported`,
 * so it is read once and a later choice in Settings is not overwritten.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalShortcuts } from '../api/contract.ts';
import type { Logger } from '../common/logger.ts';

export const LEGACY_SHORTCUTS_FILE = 'desktop-shortcuts.json';

/** The file's shortcuts over `base`, or undefined when there is no file (a broken one is logged and left). */
export function readLegacyShortcuts(dataDir: string, base: GlobalShortcuts, logger: Logger): GlobalShortcuts | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dataDir, LEGACY_SHORTCUTS_FILE), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`${LEGACY_SHORTCUTS_FILE} ignored`, { error: (e as Error).message });
    return undefined;
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v.slice(0, 64) : fallback);
  return { ...base, mediaKeys: typeof o.mediaKeys === 'boolean' ? o.mediaKeys : base.mediaKeys, answer: text(o.answer, base.answer), hangup: text(o.hangup, base.hangup) };
}

/** Renames the file once its keys are in the settings. */
export function retireLegacyShortcuts(dataDir: string, logger: Logger): void {
  try {
    renameSync(join(dataDir, LEGACY_SHORTCUTS_FILE), join(dataDir, `${LEGACY_SHORTCUTS_FILE}.imported`));
  } catch (e) {
    logger.warn(`${LEGACY_SHORTCUTS_FILE} could not be renamed`, { error: (e as Error).message });
  }
}
