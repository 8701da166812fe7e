import type { MenuItemOptions } from './electron-like.js';

export interface MenuActions {
  openFiles(): void;
  openInboxFolder(): void;
  show(screen: 'worklist' | 'settings' | 'audit'): void;
  about(): void;
  quit(): void;
}

/** The application menu; every command has an accelerator (CmdOrCtrl is Cmd on macOS, Ctrl elsewhere). */
export function appMenuTemplate(actions: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemOptions[] {
  const about: MenuItemOptions = { label: 'About ichtriage', click: actions.about };
  return [
    ...(platform === 'darwin' ? [{ label: 'ichtriage', submenu: [about, { type: 'separator' as const }, { role: 'quit' }] }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Files…', accelerator: 'CmdOrCtrl+O', click: actions.openFiles },
        { label: 'Show Inbox Folder', accelerator: 'CmdOrCtrl+Shift+O', click: actions.openInboxFolder },
        { type: 'separator' },
        { label: 'Settings…', accelerator: 'CmdOrCtrl+,', click: () => actions.show('settings') },
        ...(platform === 'darwin' ? [] : [{ type: 'separator' as const }, { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: actions.quit }]),
      ],
    },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: 'View',
      submenu: [
        { label: 'Worklist', accelerator: 'CmdOrCtrl+1', click: () => actions.show('worklist') },
        { label: 'Audit of Access', accelerator: 'CmdOrCtrl+2', click: () => actions.show('audit') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    ...(platform === 'darwin' ? [] : [{ label: 'Help', submenu: [about] }]),
  ];
}
