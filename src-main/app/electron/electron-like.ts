import type { IpcMainLike, WebContentsLike } from '../../transport/ipc/serve-ipc.js';

/**
 * The parts of Electron's main-process API the desktop app uses, typed here because `electron` is an
 * optional dependency whose binary (and types) cannot be installed on every machine. Tests pass a
 * recording stand-in (test/app/electron-stand-in.ts); electron-main.ts passes the real module.
 */
export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WebContentsLikeFull extends WebContentsLike {
  on(event: 'will-navigate' | 'will-attach-webview' | 'will-redirect', listener: (event: { preventDefault(): void }, ...args: unknown[]) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
}

export interface BrowserWindowLike {
  webContents: WebContentsLikeFull;
  loadFile(filePath: string): Promise<void>;
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  maximize(): void;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  on(event: 'close' | 'closed', listener: () => void): void;
  isDestroyed(): boolean;
}

export interface BrowserWindowConstructorLike {
  new (options: Record<string, unknown>): BrowserWindowLike;
  getAllWindows(): BrowserWindowLike[];
}

export interface MenuItemOptions {
  label?: string;
  role?: string;
  type?: 'separator' | 'normal';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItemOptions[];
}

export interface NotificationLike {
  on(event: 'click', listener: () => void): void;
  show(): void;
}

export interface ElectronLike {
  app: {
    isPackaged: boolean;
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    on(event: string, listener: (...args: never[]) => void): void;
    quit(): void;
    exit(code: number): void;
    getPath(name: 'userData'): string;
    getVersion(): string;
  };
  BrowserWindow: BrowserWindowConstructorLike;
  Menu: {
    buildFromTemplate(template: MenuItemOptions[]): unknown;
    setApplicationMenu(menu: unknown): void;
  };
  Notification: {
    new (options: { title: string; body: string; silent?: boolean }): NotificationLike;
    isSupported(): boolean;
  };
  session: {
    defaultSession: {
      setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
      setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
      webRequest: {
        onHeadersReceived(listener: (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void): void;
      };
    };
  };
  dialog: {
    showOpenDialog(window: BrowserWindowLike, options: { title: string; properties: string[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
    showMessageBox(window: BrowserWindowLike, options: { type: string; title: string; message: string; detail: string; buttons: string[] }): Promise<{ response: number }>;
  };
  ipcMain: IpcMainLike;
  shell: {
    openPath(target: string): Promise<string>;
  };
}
