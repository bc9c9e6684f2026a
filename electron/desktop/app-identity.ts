/**
 * The app's identity towards the OS. On Windows, toasts are attributed to an
 * AppUserModelID, and they show only when it matches the one on the Start
 * menu shortcut the installer made, which electron-builder sets to the
 * `appId` of build/electron-builder.yml. Electron's default for a packaged
 * app is `electron.app.Parley`, so without this call no incoming-call toast
 * appears. `app.setAppUserModelId` exists on Windows only (calling it
 * elsewhere is a TypeError).
 */
export const APP_ID = 'org.parley.softphone';

export interface AppIdentityLike {
  setAppUserModelId?: (id: string) => void;
}

export function applyAppIdentity(app: AppIdentityLike, platform: NodeJS.Platform): void {
  if (platform === 'win32') app.setAppUserModelId?.(APP_ID);
}
