import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_CHANNEL } from '../../contract/wire.js';
import { CONTENT_SECURITY_POLICY } from '../../transport/http/security.js';
import { serveIpc } from '../../transport/ipc/serve-ipc.js';
import type { EngineEvent } from '../../contract/dto.js';
import { log } from '../../log.js';
import type { Workstation } from '../workstation.js';
import { appMenuTemplate } from './app-menu.js';
import { notifyCriticalFindings } from './desktop-notifications.js';
import type { BrowserWindowLike, ElectronLike } from './electron-like.js';
import { loadWindowState, saveWindowState } from './window-state.js';

export interface DesktopAppOptions {
  /** The user data folder (window state; the workstation keeps settings, database and logs there). */
  home: string;
  /** dist/renderer: index.html and its assets. */
  rendererDir: string;
  /** dist/preload/preload.cjs. */
  preloadPath: string;
  /** THIRD_PARTY_LICENSES.txt written by the build, shown from About. */
  licencesPath: string;
  startWorkstation(openFolder: (folder: string) => Promise<void>): Promise<Workstation>;
}

export interface DesktopApp {
  /** Null when another instance already runs (this one then quits). */
  window: BrowserWindowLike | null;
  workstation: Workstation | null;
}

/** The only permission the page may have: notifications (browser-style ones, should the page ask). */
export function isPermissionGranted(permission: string): boolean {
  return permission === 'notifications';
}

/**
 * The Electron main process: one hardened window on the app's own file:// page, the contract served
 * over IPC, the application menu, native notifications, and a single instance. Everything the
 * engine does lives in the Workstation; nothing here knows about studies.
 */
export async function startDesktopApp(electron: ElectronLike, options: DesktopAppOptions): Promise<DesktopApp> {
  const { app, BrowserWindow } = electron;
  // A second launch (e.g. a double-click on the icon) shows the running window instead of a second engine on the same database.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { window: null, workstation: null };
  }
  await app.whenReady();
  const indexHtml = path.join(options.rendererDir, 'index.html');
  const appUrl = pathToFileURL(indexHtml).href;
  harden(electron);

  const workstation = await options.startWorkstation(async (folder) => {
    const failure = await electron.shell.openPath(folder);
    if (failure) log.warn(`could not open the inbox folder: ${failure}`);
  });
  const stopIpc = serveIpc(workstation.api, electron.ipcMain, {
    isTrustedUrl: (url) => url.split('#')[0]!.split('?')[0] === appUrl,
    targets: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
  });

  const saved = await loadWindowState(options.home);
  const window = new BrowserWindow({
    ...(saved ? { x: saved.x, y: saved.y, width: saved.width, height: saved.height } : { width: 1600, height: 1000 }),
    minWidth: 1280,
    minHeight: 720,
    backgroundColor: '#0f1216',
    title: 'ichtriage',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (saved?.maximized) window.maximize();
  window.on('close', () => {
    const bounds = window.getNormalBounds();
    void saveWindowState(options.home, { ...bounds, maximized: window.isMaximized() }).catch((error: Error) => log.warn(`window state not saved: ${error.message}`));
  });

  const command = (event: EngineEvent): void => {
    if (window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    window.webContents.send(EVENT_CHANNEL, event);
  };
  const stopNotifications = notifyCriticalFindings(electron, workstation.api, () => workstation.settings, (studyId) => command({ type: 'open-study', studyId }));

  electron.Menu.setApplicationMenu(
    electron.Menu.buildFromTemplate(
      appMenuTemplate({
        openFiles: () => void openFiles(electron, window, workstation),
        openInboxFolder: () => void workstation.api.openInboxFolder(),
        show: (screen) => command({ type: 'show-screen', screen }),
        about: () => void showAbout(electron, window, workstation, options.licencesPath),
        quit: () => app.quit(),
      }),
    ),
  );

  app.on('second-instance', () => command({ type: 'show-screen', screen: 'worklist' }));
  app.on('window-all-closed', () => app.quit());
  let closing = false;
  app.on('will-quit', (event: { preventDefault(): void }) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    stopNotifications();
    stopIpc();
    void workstation.close().finally(() => app.exit(0));
  });

  await window.loadFile(indexHtml);
  window.show();
  return { window, workstation };
}

/**
 * Main-process security: the page may not navigate, open windows, attach webviews or ask for any
 * permission but notifications, and every response carries the same CSP as browser mode (the page's
 * own meta tag says it too).
 */
function harden(electron: ElectronLike): void {
  electron.app.on('web-contents-created', (_event: unknown, contents: BrowserWindowLike['webContents']) => {
    const deny = (event: { preventDefault(): void }): void => event.preventDefault();
    contents.on('will-navigate', deny);
    contents.on('will-redirect', deny);
    contents.on('will-attach-webview', deny);
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  const session = electron.session.defaultSession;
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
  session.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  session.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }),
  );
}

/** File > Open Files…: files or folders chosen in the system dialog are copied into the inbox. */
async function openFiles(electron: ElectronLike, window: BrowserWindowLike, workstation: Workstation): Promise<void> {
  const choice = await electron.dialog.showOpenDialog(window, { title: 'Copy DICOM files into the inbox', properties: ['openFile', 'openDirectory', 'multiSelections'] });
  if (choice.canceled || choice.filePaths.length === 0) return;
  try {
    const copied = await workstation.copyIntoInbox(choice.filePaths);
    log.info(`copied ${copied} files into the inbox`);
  } catch (error) {
    log.error(`copying into the inbox failed: ${(error as Error).message}`);
  }
}

/** About: the app's version, the model card (name, version, intended use) and the third-party licences. */
async function showAbout(electron: ElectronLike, window: BrowserWindowLike, workstation: Workstation, licencesPath: string): Promise<void> {
  const model = await workstation.api.getModel();
  const licences = await readFile(licencesPath, 'utf8').catch(() => null);
  const choice = await electron.dialog.showMessageBox(window, {
    type: 'info',
    title: 'About ichtriage',
    message: `ichtriage ${electron.app.getVersion()}: ICH triage workstation`,
    detail: [
      model ? `Model: ${model.name} v${model.version} on ${workstation.engine.provider}` : 'No model loaded.',
      model?.intendedUse ?? '',
      'Triage aid, not a diagnosis.',
      licences ? `Third-party licences: ${licences.split('\n').filter((line) => line.startsWith('## ')).length} packages (Licences… shows them).` : 'Third-party licences: not found next to the app.',
    ].filter(Boolean).join('\n\n'),
    buttons: ['OK', 'Model card…', ...(licences ? ['Licences…'] : [])],
  });
  if (choice.response === 1) await electron.shell.openPath(path.join(workstation.settings.model.folder, 'MODEL_CARD.md'));
  if (choice.response === 2) await electron.shell.openPath(licencesPath);
}
