/**
 * The tray icon: registration state at a glance (tray-model.ts), and a menu
 * with the status lines, Open, Do Not Disturb, whether Parley handles call
 * links, and Quit. Redrawn only when the model (or the link handler) changes.
 */
import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import { linkHandlerItem, type LinkHandlerState } from './link-handler.ts';
import type { TrayModel } from './tray-model.ts';

export interface TrayActions {
  show(): void;
  setDnd(on: boolean): void;
  quit(): void;
  /** Packaged app: shows whether Parley handles sip:/tel: links, and offers to make it so. */
  linkHandler?: { state(): LinkHandlerState; register(): LinkHandlerState };
}


export interface AppTray {
  update(model: TrayModel): void;
  destroy(): void;
}

export function createAppTray(iconDir: string, initial: TrayModel, actions: TrayActions): AppTray {
  const image = (name: string) => nativeImage.createFromPath(join(iconDir, name));
  const tray = new Tray(image(initial.icon));
  let last = '';

  let current = initial;
  const update = (model: TrayModel) => {
    current = model;
    const links = actions.linkHandler?.state();
    const key = JSON.stringify([model, links]);
    if (key === last) return;
    last = key;
    tray.setImage(image(model.icon));
    tray.setToolTip(model.tooltip);
    const status = model.statusLines.length > 0 ? model.statusLines : ['No account set up'];
    tray.setContextMenu(
      Menu.buildFromTemplate([
        ...status.map((label) => ({ label, enabled: false })),
        { type: 'separator' },
        { label: 'Open Parley', click: () => actions.show() },
        { label: 'Do Not Disturb', type: 'checkbox', checked: model.dnd, click: (item) => actions.setDnd(item.checked) },
        ...(links !== undefined
          ? [
              {
                ...linkHandlerItem(links),
                click: () => {
                  actions.linkHandler?.register();
                  update(current);
                },
              },
            ]
          : []),
        { type: 'separator' },
        { label: 'Quit Parley', click: () => actions.quit() },
      ]),
    );
  };

  // A left click opens the window (Windows, most Linux panels); macOS shows the menu instead.
  tray.on('click', () => actions.show());
  update(initial);
  return { update, destroy: () => tray.destroy() };
}
