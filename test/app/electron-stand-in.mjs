// A STAND-IN for the `electron` module, because Electron's binary cannot be installed on this
// machine (no download access). It exposes the few main-process APIs the desktop app uses
// (src-main/app/electron/electron-like.ts) and records every call, so tests can assert what the
// app asked of Electron. It does not run a browser: pages are never rendered.
import { EventEmitter } from 'node:events';

export function createElectronStandIn({ lockAvailable = true, userData = '/tmp/ichtriage-stand-in' } = {}) {
  const record = { windows: [], menus: [], notifications: [], dialogs: [], opened: [], quit: 0, exitCode: null, permissionRequestHandler: null, permissionCheckHandler: null, headersListener: null, sent: [] };
  const appEvents = new EventEmitter();
  const handlers = new Map();

  class WebContents extends EventEmitter {
    windowOpenHandler = null;
    destroyed = false;
    send(channel, ...args) {
      record.sent.push({ channel, args });
    }
    isDestroyed() {
      return this.destroyed;
    }
    setWindowOpenHandler(handler) {
      this.windowOpenHandler = handler;
    }
  }

  class BrowserWindow extends EventEmitter {
    static all = [];
    static getAllWindows() {
      return BrowserWindow.all.filter((window) => !window.destroyed);
    }
    constructor(options) {
      super();
      this.options = options;
      this.webContents = new WebContents();
      this.loadedFile = null;
      this.maximized = false;
      this.minimized = false;
      this.focused = 0;
      this.destroyed = false;
      this.bounds = { x: options.x ?? 10, y: options.y ?? 20, width: options.width, height: options.height };
      BrowserWindow.all.push(this);
      record.windows.push(this);
      // Electron emits web-contents-created for every new page.
      appEvents.emit('web-contents-created', {}, this.webContents);
    }
    async loadFile(file) {
      this.loadedFile = file;
    }
    getNormalBounds() {
      return { ...this.bounds };
    }
    isMaximized() {
      return this.maximized;
    }
    maximize() {
      this.maximized = true;
    }
    isMinimized() {
      return this.minimized;
    }
    restore() {
      this.minimized = false;
    }
    show() {}
    focus() {
      this.focused++;
    }
    isDestroyed() {
      return this.destroyed;
    }
    close() {
      this.emit('close');
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
    }
  }

  class Notification extends EventEmitter {
    static isSupported() {
      return true;
    }
    constructor(options) {
      super();
      this.options = options;
      this.shown = false;
      record.notifications.push(this);
    }
    show() {
      this.shown = true;
    }
    click() {
      this.emit('click');
    }
  }

  const electron = {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => lockAvailable,
      whenReady: async () => {},
      on: (event, listener) => void appEvents.on(event, listener),
      quit: () => {
        record.quit++;
        const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
        appEvents.emit('will-quit', event);
      },
      exit: (code) => {
        record.exitCode = code;
        appEvents.emit('stand-in-exit', code);
      },
      getPath: () => userData,
      getVersion: () => '0.0.0-stand-in',
    },
    BrowserWindow,
    Menu: {
      buildFromTemplate: (template) => ({ template }),
      setApplicationMenu: (menu) => void record.menus.push(menu),
    },
    Notification,
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler) => void (record.permissionRequestHandler = handler),
        setPermissionCheckHandler: (handler) => void (record.permissionCheckHandler = handler),
        webRequest: { onHeadersReceived: (listener) => void (record.headersListener = listener) },
      },
    },
    dialog: {
      showOpenDialog: async (_window, options) => {
        record.dialogs.push(options);
        return { canceled: false, filePaths: record.nextDialogPaths ?? [] };
      },
      showMessageBox: async (_window, options) => {
        record.dialogs.push(options);
        return { response: 0 };
      },
    },
    ipcMain: {
      handle: (channel, handler) => void handlers.set(channel, handler),
      removeHandler: (channel) => void handlers.delete(channel),
    },
    shell: {
      openPath: async (target) => {
        record.opened.push(target);
        return '';
      },
    },
  };
  return { electron, record, handlers, appEvents };
}
