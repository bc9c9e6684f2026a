/**
 * Making Parley the handler of sip:, sips:, tel: and callto: links, once.
 *
 * Registering on every start (as before) was wrong everywhere: on macOS it
 * takes tel: back from FaceTime or another softphone the user chose since;
 * on Windows 10/11 the user's choice in Default Apps wins anyway; on Linux it
 * needs an installed .desktop file (the deb has one). So the packaged app
 * registers on its first run only (a marker in the user data folder), and
 * again only when the user asks (the tray menu's "Handle call links"). The
 * tray shows whether Parley is the handler now (`isDefaultProtocolClient`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/logger.ts';
import { LINK_SCHEMES } from './link-parser.ts';

export const LINK_HANDLER_MARKER = 'link-handler-registered';

export interface ProtocolClientLike {
  setAsDefaultProtocolClient(protocol: string): boolean;
  isDefaultProtocolClient(protocol: string): boolean;
}

export type LinkHandlerState = 'all' | 'some' | 'none';

export function linkHandlerState(app: ProtocolClientLike): LinkHandlerState {
  const handled = LINK_SCHEMES.filter((s) => app.isDefaultProtocolClient(s)).length;
  return handled === LINK_SCHEMES.length ? 'all' : handled === 0 ? 'none' : 'some';
}

/** The tray menu's line about call links. */
export function linkHandlerItem(state: LinkHandlerState): { label: string; enabled: boolean } {
  if (state === 'all') return { label: 'Parley handles call links (sip:, tel:)', enabled: false };
  return { label: state === 'some' ? 'Handle all call links (sip:, tel:) with Parley' : 'Handle call links (sip:, tel:) with Parley', enabled: true };
}

/** Registers for every link scheme now; returns the state afterwards. */
export function registerLinkHandler(app: ProtocolClientLike, logger: Logger): LinkHandlerState {
  const refused = LINK_SCHEMES.filter((s) => !app.setAsDefaultProtocolClient(s));
  if (refused.length > 0) logger.warn('the system did not make Parley the handler of these links', { schemes: refused.join(', ') });
  return linkHandlerState(app);
}

/** On the first run of a packaged app: register, and remember that we did (whatever the outcome). */
export function registerLinkHandlerOnFirstRun(app: ProtocolClientLike, dataDir: string, logger: Logger): void {
  const marker = join(dataDir, LINK_HANDLER_MARKER);
  if (existsSync(marker)) return;
  registerLinkHandler(app, logger);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
  } catch (e) {
    logger.warn('could not remember that the link handler was registered', { error: String(e) });
  }
}
