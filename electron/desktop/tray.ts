/**
 * The tray icon: registration state at a glance (tray-model.ts), and a menu
 * with the status lines, Open, Do Not Disturb and Quit. Redrawn only when
 * the model changes.
 */
import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { TrayModel } from './tray-model.ts';

export interface TrayActions {
  show(): void;
  setDnd(on: boolean): void;
  quit(): void;
}

export interface AppTray {
  update(model: TrayModel): void;
  destroy(): void;
}

export function createAppTray(iconDir: string, initial: TrayModel, actions: TrayActions): AppTray {
  const image = (name: string) => nativeImage.createFromPath(join(iconDir, name));
  const tray = new Tray(image(initial.icon));
  let last = '';

  const update = (model: TrayModel) => {
    const key = JSON.stringify(model);
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
