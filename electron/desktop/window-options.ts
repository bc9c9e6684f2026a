/**
 * The BrowserWindow options of the one Parley window, and a check of the
 * webPreferences that main.ts runs before creating it (so a later edit that
 * weakens one fails at start, not silently).
 *
 * Following Electron's security checklist: no Node in the page or its
 * workers (nodeIntegration*), the preload in its own world
 * (contextIsolation) and in the OS sandbox (sandbox), the same-origin policy
 * on (webSecurity), no mixed content, no experimental or extra Blink
 * features, no <webview>. No `disableBlinkFeatures: 'Auxclick'` (a checklist
 * item of old): Blink has no runtime feature of that name any more, so it
 * disabled nothing; a middle click on a link asks for a new window, which
 * setWindowOpenHandler denies (window.ts). Plus softphone needs: ringing must be audible
 * without a click (autoplayPolicy), and a hidden window must keep its timers
 * and audio running during a call (backgroundThrottling off).
 *
 * Pure: the types are structural subsets of Electron's, so Electron's
 * `new BrowserWindow(windowOptions(...))` accepts them and tests need no Electron.
 */

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  navigateOnDragDrop: false;
  plugins: false;
  enableWebSQL: false;
  safeDialogs: true;
  spellcheck: boolean;
  devTools: boolean;
  autoplayPolicy: 'no-user-gesture-required';
  backgroundThrottling: false;
}

export interface MainWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: false;
  icon?: string;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  webPreferences: SecureWebPreferences;
}

export interface WindowOptionsInput {
  /** Absolute path of the built preload (out/preload/preload.cjs). */
  preload: string;
  icon?: string;
  /** DevTools in development builds only. */
  devTools?: boolean;
}

export function webPreferences(input: WindowOptionsInput): SecureWebPreferences {
  return {
    preload: input.preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    plugins: false,
    enableWebSQL: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: input.devTools ?? false,
    autoplayPolicy: 'no-user-gesture-required',
    backgroundThrottling: false,
  };
}

/** The window is created hidden and shown when its page is ready (or never, when starting minimized). */
export function windowOptions(input: WindowOptionsInput): MainWindowOptions {
  return {
    width: 420,
    height: 720,
    minWidth: 360,
    minHeight: 520,
    title: 'Parley',
    show: false,
    ...(input.icon ? { icon: input.icon } : {}),
    backgroundColor: '#1f2937',
    autoHideMenuBar: true,
    webPreferences: webPreferences(input),
  };
}

const REQUIRED: Record<string, unknown> = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
};

/** What is unsafe in a webPreferences object; [] when it is as strict as ours. */
export function checkWebPreferences(prefs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(REQUIRED)) {
    if (prefs[key] !== value) problems.push(`${key} must be ${String(value)}`);
  }
  if (typeof prefs.enableBlinkFeatures === 'string' && prefs.enableBlinkFeatures !== '') problems.push('enableBlinkFeatures must not be set');
  if (typeof prefs.preload !== 'string' || prefs.preload === '') problems.push('preload must be set (the page has no other way to reach the engine)');
  if ('additionalArguments' in prefs) problems.push('additionalArguments must not be set');
  return problems;
}
